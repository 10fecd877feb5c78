"""What a re-plan keeps: the one definition of a frozen stop.

Every stop of the current plan that started before ``now`` (by its actual start when
checked in, else its planned start) stays on its therapist, in order, at its times; so
does a break that began before ``now``. The solver keeps them and the checker holds the
plan to them, so both read the rule from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solver.current_plan import FrozenRoute, FrozenStop

if TYPE_CHECKING:
    from collections.abc import Mapping

    from solver.current_plan import CurrentStop, Replan
    from solver.problem import Problem, Therapist, Visit


def frozen_routes(problem: Problem) -> dict[str, FrozenRoute]:
    """Therapist id to what stays of its route, for therapists with anything frozen.

    A frozen stop ends at its actual end, else after the visit's service time. A route
    start the current plan does not give is just in time for the first frozen stop.
    """
    replan = problem.replan
    if replan is None:
        return {}
    visits = {visit.id: visit for visit in problem.visits}
    therapists = {therapist.id: therapist for therapist in problem.therapists}
    frozen: dict[str, FrozenRoute] = {}
    for route in replan.routes:
        if route.therapist_id not in therapists:
            continue
        stops = [
            _frozen_stop(replan, stop, visits[stop.visit_id])
            for stop in route.stops
            if stop.visit_id in visits and replan.started_at(stop) < replan.now_s
        ]
        stops.sort(key=lambda stop: stop.start_s)
        break_span = None
        if route.break_start_s is not None and route.break_start_s < replan.now_s:
            assert route.break_end_s is not None
            break_span = (route.break_start_s, route.break_end_s)
        if not stops and break_span is None:
            continue
        start_s = route.start_s
        if start_s is None:
            start_s = _just_in_time(problem, therapists[route.therapist_id], stops, visits)
            if break_span is not None:
                start_s = min(start_s, break_span[0])
        ends = [stops[-1].end_s] if stops else []
        if break_span is not None:
            ends.append(break_span[1])
        frozen[route.therapist_id] = FrozenRoute(
            therapist_id=route.therapist_id,
            stops=tuple(stops),
            start_s=start_s,
            break_span=break_span,
            resume_s=max(ends),
            resume_visit=stops[-1].visit_id if stops else None,
        )
    return frozen


def _frozen_stop(replan: Replan, stop: CurrentStop, visit: Visit) -> FrozenStop:
    actual = replan.actual.get(stop.visit_id)
    start_s = replan.started_at(stop)
    end_s = start_s + visit.service_s
    if actual is not None and actual.end_s is not None:
        end_s = actual.end_s
    return FrozenStop(stop.visit_id, start_s, end_s)


def _just_in_time(
    problem: Problem, therapist: Therapist, stops: list[FrozenStop], visits: Mapping[str, Visit]
) -> int:
    """Leaving the start location in time for the first stop (no stop: at the shift start)."""
    if not stops:
        return therapist.shift_start_s
    first = visits[stops[0].visit_id]
    drive_s = int(
        problem.matrix_for(therapist).durations_s[therapist.start_location, first.location]
    )
    return stops[0].start_s - drive_s
