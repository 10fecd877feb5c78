"""Planning: build a clinic's day for the solver, solve it in a worker, store, edit, publish.

Services take a ``Session`` and raise ``scheduler.errors`` (``NotFound``, ``Conflict``,
``InvalidRequest``); see ``service`` (create, publish, compare), ``edits`` (pin, move,
lock) and ``queries`` (get, list).

May import: config, day_json, errors, models, records, travel, notify, local_time.
"""

from scheduler.planning.build import DayProblem, build_day, shift_on
from scheduler.planning.compare import Placement, PlanComparison, VisitChange
from scheduler.planning.edits import EditResult, lock_route, move_visit, pin_visit
from scheduler.planning.queries import get_plan, list_plans
from scheduler.planning.service import (
    PlanOptions,
    compare_plans,
    create_plan,
    finish_plan,
    publish_plan,
    start_plan,
)

__all__ = [
    "DayProblem",
    "EditResult",
    "Placement",
    "PlanComparison",
    "PlanOptions",
    "VisitChange",
    "build_day",
    "compare_plans",
    "create_plan",
    "finish_plan",
    "get_plan",
    "list_plans",
    "lock_route",
    "move_visit",
    "pin_visit",
    "publish_plan",
    "shift_on",
    "start_plan",
]
