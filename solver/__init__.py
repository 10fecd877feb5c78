"""Pure optimisation: a plain ``Problem`` in, a plain ``Solution`` out (OR-Tools, numpy)."""

from solver.params import FirstSolution, Metaheuristic, Params, Progress
from solver.problem import (
    BreakRule,
    ObjectiveWeights,
    Priority,
    Problem,
    Therapist,
    TimeWindow,
    TravelMatrix,
    Visit,
)
from solver.solution import Route, Solution, SolveStatus, Stop, Unassigned, UnassignedReason
from solver.solve import solve

__all__ = [
    "BreakRule",
    "FirstSolution",
    "Metaheuristic",
    "ObjectiveWeights",
    "Params",
    "Priority",
    "Problem",
    "Progress",
    "Route",
    "Solution",
    "SolveStatus",
    "Stop",
    "Therapist",
    "TimeWindow",
    "TravelMatrix",
    "Unassigned",
    "UnassignedReason",
    "Visit",
    "solve",
]
