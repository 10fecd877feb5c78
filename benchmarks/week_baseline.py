"""The week benchmark's baseline: book as a coordinator does by hand, then route each day.

Booking (``book_first_days``): the episodes in their order, each demand's visits on the
first days of its span, in day order, that the episode allows, that keep the spacing from
its booked days and from the visits booked so far, and where the day still has room.

Room is a rough estimate of the kind a booking sheet keeps: a visit takes its service plus
``TRAVEL_ALLOWANCE_S``; a therapist on shift offers the shift less the break (at most
``max_work_s``). A visit fits day d when, for the set of all its required skills and for
each of its skills alone (and for no skill at all), the visits of day d needing at least
that set (hand-booked or booked before it) plus this one take at most ``ROOM_SHARE`` of what
the therapists on shift with that set offer. The weekly caps are not looked at.

Routing (``plan_booked_days``): each day is solved with ``solver.solve`` as booked, any
therapist allowed (primary and preferred therapists as the visit's preferred ones, as
``WeekProblem.episode_visit`` builds it); a visit the day leaves out becomes unplaced
(``WEEK_CAPACITY``) and leaves the day's problem and its unassigned visits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from benchmarks.week_load import TRAVEL_ALLOWANCE_S, earliest_days
from solver.solution import SolveStatus
from solver.solve import solve
from solver.week.solution import Placed, Unplaced, WeekReason, WeekSolution, WeekStats

if TYPE_CHECKING:
    from collections.abc import Callable

    from solver.params import Params
    from solver.problem import Problem, Therapist, Visit
    from solver.solution import Solution
    from solver.week.problem import Demand, Episode, WeekProblem

# The share of the therapists' time a day may be booked to.
ROOM_SHARE = 0.85


@dataclass(frozen=True)
class Booking:
    """The days chosen for the episodes' visits (``days[episode id]``) and the visits no
    day took."""

    days: dict[str, list[int]]
    unplaced: list[Unplaced]


@dataclass
class _Day:
    """What one day offers and what is booked on it so far, as (skills, load) pairs."""

    therapists: tuple[Therapist, ...]
    booked: list[tuple[frozenset[str], int]]

    def fits(self, skills: frozenset[str], load_s: int) -> bool:
        for needed in {frozenset(), skills, *(frozenset({s}) for s in skills)}:
            offered_s = sum(_offered_s(t) for t in self.therapists if needed <= t.skills)
            taken_s = sum(load for held, load in self.booked if needed <= held)
            if taken_s + load_s > ROOM_SHARE * offered_s:
                return False
        return True


def _offered_s(therapist: Therapist) -> int:
    rule = therapist.break_rule
    shift_s = therapist.shift_end_s - therapist.shift_start_s - (rule.duration_s if rule else 0)
    return shift_s if therapist.max_work_s is None else min(shift_s, therapist.max_work_s)


def _load_s(visit: Visit | Episode) -> int:
    return visit.service_s + TRAVEL_ALLOWANCE_S


def book_first_days(problem: WeekProblem) -> Booking:
    """Each episode's visits on the first days with room, as ``ROOM_SHARE`` measures it.

    Parameters
    ----------
    problem
        The week; its days' hand-booked visits take room first.

    Returns
    -------
    Booking
        The days of each episode's visits, and one ``Unplaced`` per visit without a day.
    """
    days = [
        _Day(day.therapists, [(v.required_skills, _load_s(v)) for v in day.visits])
        for day in problem.days
    ]
    booking = Booking({}, [])
    for episode in problem.episodes:
        chosen = booking.days.setdefault(episode.id, [])
        for index, demand in enumerate(episode.demands):
            found = _book_demand(episode, demand, days, chosen)
            chosen.extend(found)
            for _ in range(demand.count - len(found)):
                reason, message = _why_not(problem, episode, demand, chosen)
                booking.unplaced.append(Unplaced(episode.id, index, reason, message))
        chosen.sort()
    return booking


def _book_demand(
    episode: Episode, demand: Demand, days: list[_Day], chosen: list[int]
) -> list[int]:
    found: list[int] = []
    taken = [*episode.booked_days, *chosen]
    for d in range(demand.first_day, demand.last_day + 1):
        if len(found) == demand.count:
            break
        if episode.windows[d] is None:
            continue
        if any(abs(d - other) <= episode.min_days_between for other in (*taken, *found)):
            continue
        if days[d].fits(episode.required_skills, _load_s(episode)):
            days[d].booked.append((episode.required_skills, _load_s(episode)))
            found.append(d)
    return found


def _why_not(
    problem: WeekProblem, episode: Episode, demand: Demand, chosen: list[int]
) -> tuple[WeekReason, str]:
    span = range(demand.first_day, demand.last_day + 1)
    allowed = [d for d in span if episode.windows[d] is not None]
    qualified = [
        d
        for d in allowed
        if any(
            episode.required_skills <= t.skills and t.id not in episode.excluded_therapists
            for t in problem.days[d].therapists
        )
    ]
    if not qualified:
        return WeekReason.NO_QUALIFIED_THERAPIST, f"nobody qualified works in {demand.label}"
    others = [*episode.booked_days, *(d for d in chosen if d not in span)]
    if earliest_days(allowed, others, episode.min_days_between, demand.count) is None:
        message = f"{demand.label} has too few allowed days for {demand.count} visits, spaced"
        return WeekReason.FREQUENCY_INFEASIBLE, message
    return WeekReason.WEEK_CAPACITY, f"no allowed day of {demand.label} had room to book it"


def plan_booked_days(
    problem: WeekProblem,
    booking: Booking,
    params: Params,
    clock: Callable[[], float],
) -> WeekSolution:
    """Route each day as booked; the visits a day leaves out become unplaced.

    Parameters
    ----------
    problem
        The week the booking is of.
    booking
        The days chosen for the episodes' visits.
    params
        The day solver's parameters, for each day.
    clock
        Seconds, for the week's wall time.
    """
    started = clock()
    episodes = {episode.id: episode for episode in problem.episodes}
    unplaced = list(booking.unplaced)
    placed: list[Placed] = []
    problems: list[Problem] = []
    solutions: list[Solution] = []
    for d in range(len(problem.days)):
        booked = [episodes[e] for e, days in booking.days.items() if d in days]
        day_problem, solution = _route_day(problem, d, booked, params, placed, unplaced)
        problems.append(day_problem)
        solutions.append(solution)
    stats = WeekStats(wall_s=clock() - started, rounds=1, routing_s=clock() - started)
    return WeekSolution(tuple(problems), tuple(solutions), tuple(placed), tuple(unplaced), stats)


def _route_day(
    problem: WeekProblem,
    d: int,
    booked: list[Episode],
    params: Params,
    placed: list[Placed],
    unplaced: list[Unplaced],
) -> tuple[Problem, Solution]:
    """Solve day ``d`` with the ``booked`` episodes' visits; add to ``placed`` and
    ``unplaced``."""
    day = problem.days[d]
    added = tuple(problem.episode_visit(episode, d) for episode in booked)
    solution = solve(replace(day, visits=(*day.visits, *added)), params)
    routed = {s.visit_id: r.therapist_id for r in solution.routes for s in r.stops}
    left_out = {u.visit_id: u for u in solution.unassigned}
    for episode in booked:
        visit_id = episode.visit_id(day.day_label)
        if visit_id in routed:
            placed.append(Placed(episode.id, d, visit_id, routed[visit_id]))
            continue
        why = left_out.get(visit_id)
        said = f"{why.reason}: {why.message}" if why else "it is on no route"
        message = f"{day.day_label}: the day solver left {visit_id} out ({said})"
        demand = _demand_of(episode, d)
        unplaced.append(Unplaced(episode.id, demand, WeekReason.WEEK_CAPACITY, message))
    kept = tuple(v for v in added if v.id in routed)
    dropped = {v.id for v in added} - routed.keys()
    return replace(day, visits=(*day.visits, *kept)), _without(solution, dropped)


def _without(solution: Solution, dropped: set[str]) -> Solution:
    """The day as the week plans it: the episode visits it left out are the week's
    unplaced, not the day's unassigned (``WeekSolution``'s days hold only placed ones)."""
    unassigned = tuple(u for u in solution.unassigned if u.visit_id not in dropped)
    status = solution.status
    if status == SolveStatus.PARTIAL and not unassigned:
        status = SolveStatus.COMPLETE
    return replace(solution, status=status, unassigned=unassigned)


def _demand_of(episode: Episode, day: int) -> int:
    return next(
        index
        for index, demand in enumerate(episode.demands)
        if demand.first_day <= day <= demand.last_day
    )
