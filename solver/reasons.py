"""Why a visit is not on any route: cheap pre-checks before solving, a probe after.

The pre-checks decide, per visit, which therapists could possibly do it (skills,
exclusions, pin, shift times); a visit with none is unassigned before the search
starts. After the search, each dropped visit is probed: can it be inserted anywhere in
a candidate's route without breaking a hard rule? The answer picks the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from solver.clock import format_hhmm
from solver.problem import Problem, Therapist, TimeWindow, Visit
from solver.solution import Unassigned, UnassignedReason
from solver.timing import earliest_end

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

R = UnassignedReason


def unreachable(problem: Problem, visit: Visit, where: str) -> str:
    """The sentence for a visit no start time works for."""
    if not visit.windows:
        return f"no start time inside a qualified therapist's shift works from {where}"
    return f"the {describe_windows(problem, visit)} window cannot be reached from {where}"


def describe_windows(problem: Problem, visit: Visit) -> str:
    """The visit's windows as the wall clock shows them (``Problem.wall_s``)."""
    if not visit.windows:
        return "any time"
    return ", ".join(
        f"{format_hhmm(problem.wall_s(w.start_s))}-{format_hhmm(problem.wall_s(w.end_s))}"
        for w in visit.windows
    )


@dataclass(frozen=True)
class Eligibility:
    """The therapists (by index) that may do a visit, or why none may."""

    candidates: tuple[int, ...]
    unassigned: Unassigned | None = None


def _qualified(problem: Problem, visit: Visit) -> list[int]:
    return [
        i
        for i, t in enumerate(problem.therapists)
        if visit.required_skills <= t.skills
        and (visit.allowed_therapists is None or t.id in visit.allowed_therapists)
    ]


def _fits_in_shift(problem: Problem, visit: Visit, therapist: Therapist) -> tuple[bool, bool, bool]:
    """(windows overlap the shift, the visit fits the shift's length, a start is reachable)."""
    durations = problem.matrix_for(therapist).durations_s
    there = int(durations[therapist.start_location, visit.location])
    back = int(durations[visit.location, therapist.end_location])
    shift_end = therapist.shift_end_s + therapist.overtime_max_s
    windows = visit.windows or (TimeWindow(0, 48 * 3600),)
    overlaps = any(w.start_s <= shift_end and w.end_s >= therapist.shift_start_s for w in windows)
    length = there + visit.service_s + back
    fits = length <= shift_end - therapist.shift_start_s and (
        therapist.max_work_s is None or length <= therapist.max_work_s
    )
    earliest = therapist.shift_start_s + there
    latest = shift_end - back - visit.service_s
    reachable = any(max(w.start_s, earliest) <= min(w.end_s, latest) for w in windows)
    return overlaps, fits, reachable


def eligibility(problem: Problem, visit: Visit) -> Eligibility:
    """The pre-checks of one visit."""
    qualified = _qualified(problem, visit)
    if not qualified:
        skills = ", ".join(sorted(visit.required_skills)) or "none"
        return _none(
            visit,
            R.NO_QUALIFIED_THERAPIST,
            f"no therapist with skills {skills} works on {problem.day_label}",
        )
    therapists = problem.therapists
    allowed = [i for i in qualified if therapists[i].id not in visit.excluded_therapists]
    if visit.pinned_therapist is not None:
        pinned = [i for i in allowed if therapists[i].id == visit.pinned_therapist]
        if not pinned:
            return _none(visit, R.PIN_INFEASIBLE, _pin_problem(problem, visit, qualified))
        allowed = pinned
    if not allowed:
        return _none(
            visit,
            R.THERAPIST_EXCLUDED,
            "every qualified therapist on shift is excluded for this patient",
        )
    checks = {i: _fits_in_shift(problem, visit, therapists[i]) for i in allowed}
    reachable = tuple(i for i in allowed if all(checks[i]))
    if reachable:
        return Eligibility(reachable)
    reason, message = _time_problem(problem, visit, list(checks.values()))
    if visit.pinned_therapist is not None:
        reason, message = R.PIN_INFEASIBLE, f"pinned to {visit.pinned_therapist}, but {message}"
    return _none(visit, reason, message)


def _none(visit: Visit, reason: UnassignedReason, message: str) -> Eligibility:
    return Eligibility((), Unassigned(visit.id, reason, message))


def _pin_problem(problem: Problem, visit: Visit, qualified: list[int]) -> str:
    pin = visit.pinned_therapist
    if pin not in {t.id for t in problem.therapists}:
        return f"pinned to {pin}, who does not work on {problem.day_label}"
    if pin in visit.excluded_therapists:
        return f"pinned to {pin}, who is excluded for this patient"
    if pin not in {problem.therapists[i].id for i in qualified}:
        return f"pinned to {pin}, who lacks a skill it needs or may not do it"
    return f"pinned to {pin}, who cannot take it"


def _time_problem(
    problem: Problem, visit: Visit, checks: list[tuple[bool, bool, bool]]
) -> tuple[UnassignedReason, str]:
    windows = describe_windows(problem, visit)
    if not any(overlaps for overlaps, _, _ in checks):
        return R.OUTSIDE_ALL_SHIFTS, (
            f"its window {windows} is outside every qualified therapist's shift "
            f"on {problem.day_label}"
        )
    if not any(fits for _, fits, _ in checks):
        minutes = visit.service_s // 60
        return R.TOO_LONG_FOR_SHIFT, (
            f"{minutes} minutes plus the drive there and back do not fit in any qualified "
            "therapist's shift or working time"
        )
    return R.WINDOW_UNREACHABLE, unreachable(problem, visit, "any qualified therapist's home")


def eligibilities(problem: Problem) -> list[Eligibility]:
    return [eligibility(problem, visit) for visit in problem.visits]


# --- the probe after the search ------------------------------------------------------


def probe_dropped(
    problem: Problem,
    visit: Visit,
    candidates: Sequence[int],
    routes: Sequence[Sequence[Visit]],
    matrices: Mapping[str, Sequence[Sequence[int]]],
) -> Unassigned:
    """Classify a visit the search left out, by trying every insertion position.

    ``matrices`` holds each travel mode's durations as nested lists.
    """
    full, cheapest = [], None
    for index in candidates:
        therapist, route = problem.therapists[index], routes[index]
        durations = matrices[therapist.travel_mode]
        for position in range(len(route) + 1):
            trial = [*route[:position], visit, *route[position:]]
            if earliest_end(therapist, trial, durations) is None:
                continue
            if _over_capacity(therapist, trial):
                full.append(therapist.id)
                break
            cost = _insertion_cost(problem, therapist, route, position, visit, durations)
            if cheapest is None or cost < cheapest[0]:
                cheapest = (cost, therapist.id)
    if cheapest is not None:
        return Unassigned(visit.id, R.NOT_WORTH_PENALTY, _not_worth(problem, visit, *cheapest))
    return _no_room(problem, visit, candidates, full, matrices)


def untried(visit: Visit) -> Unassigned:
    """The reason for a visit the solve had no time left to probe.

    Nothing is claimed about where it would fit, only that it was not tried everywhere,
    so it has a code of its own: ``NOT_WORTH_PENALTY`` is kept for a true comparison of
    the cheapest insertion with the penalty.
    """
    return Unassigned(
        visit.id,
        R.TIME_LIMIT,
        "the time limit ended before it could be tried on every qualified therapist's "
        "route; plan again with a longer limit",
    )


def _no_room(
    problem: Problem,
    visit: Visit,
    candidates: Sequence[int],
    full: list[str],
    matrices: Mapping[str, Sequence[Sequence[int]]],
) -> Unassigned:
    """The reason for a visit no route can take as it is.

    A therapist whose empty day would reach it has run out of room (visits or time):
    that is capacity, not an unreachable window.
    """
    free = [
        problem.therapists[i].id
        for i in candidates
        if earliest_end(problem.therapists[i], [visit], matrices[problem.therapists[i].travel_mode])
        is not None
    ]
    if visit.pinned_therapist is not None:
        pin = visit.pinned_therapist
        why = (
            f"pinned to {pin}, whose route has no room left for it"
            if free or full
            else f"pinned to {pin}, but {unreachable(problem, visit, 'their route')}"
        )
        return Unassigned(visit.id, R.PIN_INFEASIBLE, why)
    if full or free:
        names = ", ".join(sorted(set(full) | set(free))[:3])
        return Unassigned(
            visit.id,
            R.CAPACITY,
            f"the qualified therapists who could reach it ({names}) are full "
            "(max visits, or their other visits fill the time it needs)",
        )
    return Unassigned(
        visit.id,
        R.WINDOW_UNREACHABLE,
        unreachable(problem, visit, "any qualified therapist's route"),
    )


def _insertion_cost(
    problem: Problem,
    therapist: Therapist,
    route: Sequence[Visit],
    position: int,
    visit: Visit,
    durations: Sequence[Sequence[int]],
) -> int:
    """What inserting the visit adds to the objective: the detour, a preference miss, a
    broken promise."""
    stops = [therapist.start_location, *(v.location for v in route), therapist.end_location]
    before, after = stops[position], stops[position + 1]
    detour = durations[before][visit.location] + durations[visit.location][after]
    detour -= durations[before][after]
    weights = problem.weights
    return detour * weights.travel_per_s + weights.assignment_cost(visit, therapist.id)


def _over_capacity(therapist: Therapist, route: Sequence[Visit]) -> bool:
    if therapist.max_visits is not None and len(route) > therapist.max_visits:
        return True
    return therapist.capacity is not None and sum(v.load for v in route) > therapist.capacity


def _not_worth(problem: Problem, visit: Visit, cost: int, therapist_id: str) -> str:
    if cost >= problem.weights.drop_cost(visit):
        return (
            f"placing it would cost more than its priority ({visit.priority}) allows, "
            "so the plan leaves it out"
        )
    return (
        f"it fits on {therapist_id}'s route, but the search did not get there within "
        "the time limit; plan again with a longer limit"
    )
