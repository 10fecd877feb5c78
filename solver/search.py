"""OR-Tools search parameters: construction, metaheuristic, operators, limits."""

from __future__ import annotations

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from solver.params import FirstSolution, Metaheuristic, Params

_FIRST = routing_enums_pb2.FirstSolutionStrategy
_META = routing_enums_pb2.LocalSearchMetaheuristic
_BOOL_TRUE = 3  # OptionalBoolean.BOOL_TRUE

# Above this many visits parallel cheapest insertion is too slow to construct a plan.
LARGE_DAY_VISITS = 400


def first_solution_value(first: FirstSolution) -> int:
    value: int = getattr(_FIRST, first.name)
    return value


def search_parameters(params: Params, visit_count: int) -> pywrapcp.DefaultRoutingSearchParameters:
    search = pywrapcp.DefaultRoutingSearchParameters()
    first = params.first_solution
    if first in (FirstSolution.AUTO, FirstSolution.OWN_INSERTION):
        # With our own construction as the warm start, this only serves the fallbacks.
        first = (
            FirstSolution.PARALLEL_CHEAPEST_INSERTION
            if visit_count <= LARGE_DAY_VISITS
            else FirstSolution.LOCAL_CHEAPEST_INSERTION
        )
    search.first_solution_strategy = first_solution_value(first)
    if params.metaheuristic == Metaheuristic.ITERATED_LOCAL_SEARCH:
        _use_ruin_and_recreate(search)
    elif params.metaheuristic != Metaheuristic.NONE:
        search.local_search_metaheuristic = getattr(_META, params.metaheuristic.name)
    search.time_limit.FromMilliseconds(int(params.time_limit_s * 1000))
    _enable_insertion_operators(search)
    if params.max_solutions is not None:
        search.solution_limit = params.max_solutions
    search.log_search = params.log_search
    return search


def _enable_insertion_operators(search: pywrapcp.DefaultRoutingSearchParameters) -> None:
    """Operators that make room for a dropped visit by moving another one.

    Off by default in OR-Tools; without them a full day keeps visits dropped that fit
    after one relocation, and routes are never emptied.
    """
    operators = search.local_search_operators
    operators.use_relocate_and_make_active = _BOOL_TRUE
    operators.use_exchange_and_make_active = _BOOL_TRUE
    operators.use_extended_swap_active = _BOOL_TRUE


def _use_ruin_and_recreate(search: pywrapcp.DefaultRoutingSearchParameters) -> None:
    """Iterated local search with SISR ruins (string removals); without a ruin
    strategy OR-Tools rejects the parameters."""
    search.use_iterated_local_search = True
    ruin_recreate = search.iterated_local_search_parameters.ruin_recreate_parameters
    ruin = ruin_recreate.ruin_strategies.add()
    ruin.sisr.max_removed_sequence_size = 15
    ruin.sisr.avg_num_removed_visits = 20
    ruin.sisr.bypass_factor = 0.01
    acceptance = search.iterated_local_search_parameters.reference_solution_acceptance_strategy
    acceptance.simulated_annealing.automatic_temperatures = True


def strategy_name(search: pywrapcp.DefaultRoutingSearchParameters, warm: bool) -> str:
    first = "WARM_START" if warm else _FIRST.Value.Name(search.first_solution_strategy)
    if search.use_iterated_local_search:
        return f"{first} + ITERATED_LOCAL_SEARCH"
    meta = _META.Value.Name(search.local_search_metaheuristic)
    return f"{first} + {meta}"
