"""The independent week checker: rebuild each day from the week problem and list every fault.

It shares no code with the week solver (the assignment, the routing, the reasons) on
purpose, so that a bug there cannot hide here: the day problems the solver routed are
ignored, and every day is rebuilt from the ``WeekProblem`` and the placed visits alone,
then checked by the day's own independent checker (``solver.check``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import TYPE_CHECKING

from solver.check import check_solution
from solver.problem import Visit

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from solver.solution import Solution
    from solver.week.problem import Episode, WeekProblem
    from solver.week.solution import Placed, WeekSolution


class WeekViolationKind(StrEnum):
    """The rule a week plan breaks."""

    DAY = "day"
    DAY_COUNT = "day_count"
    NOT_ROUTED = "not_routed"
    WRONG_THERAPIST = "wrong_therapist"
    VISIT_ID = "visit_id"
    UNKNOWN_EPISODE = "unknown_episode"
    UNKNOWN_DEMAND = "unknown_demand"
    OUTSIDE_HORIZON = "outside_horizon"
    DAY_NOT_ALLOWED = "day_not_allowed"
    DUPLICATE_PLACEMENT = "duplicate_placement"
    SPACING = "spacing"
    FREQUENCY = "frequency"
    UNACCOUNTED = "unaccounted"
    WEEK_CAP = "week_cap"


_Kind = WeekViolationKind


@dataclass(frozen=True)
class WeekViolation:
    """One broken rule, with a sentence that names the date, episode, visit and figures."""

    kind: WeekViolationKind
    message: str
    day: int | None = None
    episode_id: str | None = None
    visit_id: str | None = None


def check_week(problem: WeekProblem, solution: WeekSolution) -> list[WeekViolation]:
    """List every rule the week plan breaks, each day rebuilt from the week problem.

    Parameters
    ----------
    problem
        The horizon, its episodes and weekly caps the plan claims to solve.
    solution
        The plan to check: each day's routes, the placed and the unplaced visits. Its
        ``day_problems`` are ignored.

    Returns
    -------
    list[WeekViolation]
        One entry per broken rule and place, in a stable order; empty for a valid plan.
    """
    episodes = {episode.id: episode for episode in problem.episodes}
    violations, placed = _check_placements(problem, solution.placed, episodes)
    violations += _check_days(problem, solution, placed, episodes)
    for episode in problem.episodes:
        days = sorted(p.day for p in placed if p.episode_id == episode.id)
        violations += _check_spacing(problem, episode, days)
        violations += _check_demands(problem, episode, days, solution)
    violations += _check_unplaced_names(solution, episodes)
    violations += _check_caps(problem, solution)
    return violations


def _date(problem: WeekProblem, day: int) -> str:
    """A day's label; a day outside the horizon (a booked one, a misplaced one) gets the
    date it falls on when day 0's label is an ISO date, else its number."""
    if 0 <= day < len(problem.days):
        return problem.days[day].day_label
    try:
        return (date.fromisoformat(problem.days[0].day_label) + timedelta(days=day)).isoformat()
    except ValueError:
        return f"day {day} of the horizon"


def _placing(p: Placed, visit_id: str) -> str:
    return f"the week places {visit_id} of episode {p.episode_id} with {p.therapist_id}"


def _hours(duration_s: int) -> str:
    """``2 h 10 min``, zero parts left out; seconds kept so that a cap missed by a few
    seconds does not read as equal to it."""
    hours, rest = divmod(duration_s, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (seconds, "s")) if n]
    return " ".join(parts) or "0 s"


# --- the placed list ----------------------------------------------------------------------


def _check_placements(
    problem: WeekProblem, placed: Iterable[Placed], episodes: Mapping[str, Episode]
) -> tuple[list[WeekViolation], list[Placed]]:
    """Rule 2; returns the placements the other rules check: those of a known episode in
    the horizon, the first of each episode and day."""
    found: list[WeekViolation] = []
    kept: dict[tuple[str, int], Placed] = {}
    for p in placed:
        faults = _placement_faults(problem, p, episodes.get(p.episode_id), kept)
        for kind, fault in faults:
            message = f"{_date(problem, p.day)}: {_placing(p, p.visit_id)}{fault}"
            found.append(WeekViolation(kind, message, p.day, p.episode_id, p.visit_id))
        if not {kind for kind, _ in faults} & _DROPPED:
            kept[p.episode_id, p.day] = p
    return found, list(kept.values())


_DROPPED = {_Kind.UNKNOWN_EPISODE, _Kind.OUTSIDE_HORIZON, _Kind.DUPLICATE_PLACEMENT}


def _placement_faults(
    problem: WeekProblem, p: Placed, episode: Episode | None, kept: Mapping[tuple[str, int], Placed]
) -> list[tuple[WeekViolationKind, str]]:
    if episode is None:
        return [(_Kind.UNKNOWN_EPISODE, ", but the problem has no such episode")]
    if not 0 <= p.day < len(problem.days):
        fault = f" on day {p.day}, outside the {len(problem.days)}-day horizon"
        return [(_Kind.OUTSIDE_HORIZON, fault)]
    if (p.episode_id, p.day) in kept:
        return [(_Kind.DUPLICATE_PLACEMENT, " a second time")]
    faults: list[tuple[WeekViolationKind, str]] = []
    if episode.windows[p.day] is None:
        faults.append((_Kind.DAY_NOT_ALLOWED, " on a day the episode does not allow"))
    expected = episode.visit_id(problem.days[p.day].day_label)
    if p.visit_id != expected:
        faults.append((_Kind.VISIT_ID, f", but the episode's visit that day is {expected}"))
    return faults


# --- rule 1: the days -------------------------------------------------------------------


def _day_visit(episode: Episode, day: int, day_label: str) -> Visit:
    """The episode's visit on ``day`` as the day rules see it. Any therapist may do it:
    which one the week chose is ``_check_routed``'s. A day the episode does not allow gets
    no window, so that the fault is reported once (DAY_NOT_ALLOWED) and the day still checks."""
    preferred = episode.preferred_therapists
    if episode.primary_therapist is not None:
        preferred = preferred | {episode.primary_therapist}
    return Visit(
        id=episode.visit_id(day_label),
        location=episode.location,
        service_s=episode.service_s,
        windows=episode.windows[day] or (),
        required_skills=episode.required_skills,
        priority=episode.priority,
        excluded_therapists=episode.excluded_therapists,
        preferred_therapists=preferred,
    )


def _check_days(
    problem: WeekProblem,
    solution: WeekSolution,
    placed: list[Placed],
    episodes: Mapping[str, Episode],
) -> list[WeekViolation]:
    """Rule 1: each day rebuilt, with the week's visits of that day, passes the day rules."""
    found: list[WeekViolation] = []
    if len(solution.days) != len(problem.days):
        message = f"the week plan has {len(solution.days)} days, the problem {len(problem.days)}"
        found.append(WeekViolation(_Kind.DAY_COUNT, message))
    for day, day_solution in enumerate(solution.days[: len(problem.days)]):
        day_problem = problem.days[day]
        label = day_problem.day_label
        of_day = [
            (p, _day_visit(episodes[p.episode_id], day, label)) for p in placed if p.day == day
        ]
        rebuilt = replace(day_problem, visits=(*day_problem.visits, *(v for _, v in of_day)))
        episode_of = {episode.visit_id(label): episode.id for episode in problem.episodes}
        for v in check_solution(rebuilt, day_solution):
            episode_id = None if v.visit_id is None else episode_of.get(v.visit_id)
            message = f"{label}: {v.message}"
            found.append(WeekViolation(_Kind.DAY, message, day, episode_id, v.visit_id))
        found += _check_routed(label, day, of_day, day_solution)
    return found


def _check_routed(
    label: str, day: int, placed: list[tuple[Placed, Visit]], day_solution: Solution
) -> list[WeekViolation]:
    """A placed visit is on the route of the therapist the week names."""
    routed = {s.visit_id: r.therapist_id for r in day_solution.routes for s in r.stops}
    found: list[WeekViolation] = []
    for p, visit in placed:
        therapist_id = routed.get(visit.id)
        where = f"{label}: {_placing(p, visit.id)}"
        if therapist_id is None:
            kind, message = _Kind.NOT_ROUTED, f"{where}, but no route of the day has it"
        elif therapist_id != p.therapist_id:
            kind, message = _Kind.WRONG_THERAPIST, f"{where}, but it is on {therapist_id}'s route"
        else:
            continue
        found.append(WeekViolation(kind, message, day, p.episode_id, visit.id))
    return found


# --- rules 3 to 5: an episode's visits ----------------------------------------------------


def _check_spacing(problem: WeekProblem, episode: Episode, days: list[int]) -> list[WeekViolation]:
    """Neighbouring visits (placed or booked) at least ``min_days_between`` + 1 days apart;
    two booked visits are the input's, not the plan's."""
    visits = sorted([(d, "placed") for d in days] + [(d, "booked") for d in episode.booked_days])
    needed = episode.min_days_between + 1
    found: list[WeekViolation] = []
    for (first, first_how), (second, second_how) in pairwise(visits):
        if second - first >= needed or first_how == second_how == "booked":
            continue
        day = second if second_how == "placed" else first
        message = (
            f"{_date(problem, day)}: episode {episode.id} has visits on {_date(problem, first)}"
            f" ({first_how}) and {_date(problem, second)} ({second_how}), {second - first}"
            f" day(s) apart; it needs at least {needed}"
        )
        visit_id = episode.visit_id(problem.days[day].day_label)
        found.append(WeekViolation(_Kind.SPACING, message, day, episode.id, visit_id))
    return found


def _check_demands(
    problem: WeekProblem, episode: Episode, days: list[int], solution: WeekSolution
) -> list[WeekViolation]:
    """Each demand's span on its own (demands may overlap): at most its count placed, and
    placed + unplaced equal to the count."""
    unplaced = Counter(u.demand for u in solution.unplaced if u.episode_id == episode.id)
    found: list[WeekViolation] = []
    for index, demand in enumerate(episode.demands):
        placed = sum(demand.first_day <= day <= demand.last_day for day in days)
        said = (
            f"episode {episode.id}'s demand {index} ({demand.label}, from"
            f" {_date(problem, demand.first_day)} to {_date(problem, demand.last_day)}) asks for"
            f" {demand.count} visit(s), the week places {placed}"
        )
        if placed > demand.count:
            found.append(WeekViolation(_Kind.FREQUENCY, said, None, episode.id))
        # Visits placed beyond the count are FREQUENCY's; any unplaced one is then too many.
        if placed + unplaced[index] != demand.count and (placed <= demand.count or unplaced[index]):
            message = f"{said} and leaves {unplaced[index]} unplaced"
            found.append(WeekViolation(_Kind.UNACCOUNTED, message, None, episode.id))
    return found


def _check_unplaced_names(
    solution: WeekSolution, episodes: Mapping[str, Episode]
) -> list[WeekViolation]:
    found: list[WeekViolation] = []
    for u in solution.unplaced:
        episode = episodes.get(u.episode_id)
        where = f"the week leaves a visit of episode {u.episode_id}'s demand {u.demand} unplaced"
        if episode is None:
            kind, fault = _Kind.UNKNOWN_EPISODE, "the problem has no such episode"
        elif not 0 <= u.demand < len(episode.demands):
            kind, fault = _Kind.UNKNOWN_DEMAND, f"the episode has {len(episode.demands)} demand(s)"
        else:
            continue
        found.append(WeekViolation(kind, f"{where}, but {fault}", None, u.episode_id))
    return found


# --- rule 6: weekly caps ------------------------------------------------------------------


def _check_caps(problem: WeekProblem, solution: WeekSolution) -> list[WeekViolation]:
    """Work as each day's route reports it (the day rules check those figures); a day off
    or without visits counts 0."""
    found: list[WeekViolation] = []
    for cap in problem.caps:
        last = min(cap.last_day, len(problem.days) - 1, len(solution.days) - 1)
        tid = cap.therapist_id
        work_s = {
            day: sum(r.work_s for r in solution.days[day].routes if r.therapist_id == tid)
            for day in range(max(cap.first_day, 0), last + 1)
        }
        total_s = sum(work_s.values())
        if total_s <= cap.max_work_s:
            continue
        per_day = ", ".join(f"{_date(problem, d)} {_hours(s)}" for d, s in work_s.items() if s)
        message = (
            f"{cap.therapist_id} works {_hours(total_s)} from {_date(problem, cap.first_day)}"
            f" to {_date(problem, cap.last_day)} ({per_day}), above the cap of"
            f" {_hours(cap.max_work_s)}"
        )
        found.append(WeekViolation(_Kind.WEEK_CAP, message))
    return found
