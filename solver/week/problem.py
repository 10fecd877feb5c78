"""The week's input: care-plan episodes whose visits still need dates, over days to route.

A ``WeekProblem`` is a horizon of consecutive days (day 0 is the first date). Each day is a
plain day ``Problem``: the therapists on shift that day and the visits already booked on it
(by hand, or by an earlier week plan). The travel matrices are one set for the whole
horizon, shared by every day, and also hold the episodes' locations, so that a visit of an
episode can be put on any day without new matrices.

An ``Episode`` is what a care plan still asks for in the horizon: ``Demand`` counts over
spans of days that do not overlap (a calendar week of a plan with visits per week; the
plan's pace over the horizon for a plan with a total). The caller has already subtracted
the visits booked or done, and lists their days in ``booked_days`` for the spacing rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.problem import Priority, Problem, Therapist, TimeWindow, Visit


@dataclass(frozen=True)
class Demand:
    """``count`` more visits on days ``first_day`` .. ``last_day`` (both included).

    ``label`` names the span in messages, for example ``the week of 2026-12-07``.
    """

    first_day: int
    last_day: int
    count: int
    label: str


@dataclass(frozen=True)
class Episode:
    """A care plan's visits to place in the horizon.

    ``windows`` has one entry per day of the horizon: None where the plan does not allow
    that day (a weekday it leaves out, a date outside the episode), else the windows a
    visit may start in on that day (empty: any time in a shift). Two visits of the
    episode, new or in ``booked_days`` (days from day 0, negative before the horizon), are
    at least ``min_days_between`` + 1 days apart, and never two on one day.
    ``primary_therapist`` should do every visit; ``preferred_therapists`` are the next best.
    """

    id: str
    location: int
    service_s: int
    windows: tuple[tuple[TimeWindow, ...] | None, ...]
    demands: tuple[Demand, ...]
    required_skills: frozenset[str] = frozenset()
    priority: Priority = Priority.NORMAL
    min_days_between: int = 0
    primary_therapist: str | None = None
    preferred_therapists: frozenset[str] = frozenset()
    excluded_therapists: frozenset[str] = frozenset()
    booked_days: tuple[int, ...] = ()

    def allowed_days(self) -> list[int]:
        return [day for day, windows in enumerate(self.windows) if windows is not None]

    def visit_id(self, day_label: str) -> str:
        """The id of the episode's visit on the day labelled ``day_label``."""
        return f"{self.id}@{day_label}"


@dataclass(frozen=True)
class WeekCap:
    """Therapist ``therapist_id`` works at most ``max_work_s`` on days ``first_day`` ..
    ``last_day`` together (work as the day's: route end - start - break)."""

    therapist_id: str
    first_day: int
    last_day: int
    max_work_s: int


def _default_weights() -> WeekWeights:
    return WeekWeights()


@dataclass(frozen=True)
class WeekWeights:
    """The week's soft rules, in the day's cost units (one unit = one second of travel).

    A visit left out costs its priority's drop penalty of the day's ``ObjectiveWeights``.
    Continuity: every therapist an episode sees beyond the first costs
    ``extra_therapist`` (two hours of driving), and every visit done by another therapist
    than the primary ``not_primary`` (an hour), so an episode stays with its primary
    unless that costs more than an hour of driving a visit, and stays with one therapist
    unless a second saves more than two hours. ``balance_per_s`` prices each
    second a therapist's estimated work in the horizon is above the clinic's mean share
    for their hours.
    """

    extra_therapist: int = 2 * 3600
    not_primary: int = 3600
    balance_per_s: int = 1


@dataclass(frozen=True, eq=False)
class WeekProblem:
    """The horizon's days, the episodes to place on them and the weekly working-time caps.

    Every day shares one travel dict (same matrices); ``days[d].day_label`` names day d
    (an ISO date) and makes the ids of the episodes' visits on it.
    """

    days: tuple[Problem, ...]
    episodes: tuple[Episode, ...]
    caps: tuple[WeekCap, ...] = ()
    weights: WeekWeights = field(default_factory=_default_weights)

    def episode_visit(self, episode: Episode, day: int, therapist_id: str | None = None) -> Visit:
        """The visit of ``episode`` on ``day`` as the day solver sees it; given a
        therapist, only that therapist may do it."""
        windows = episode.windows[day]
        assert windows is not None, f"{episode.id} is not allowed on day {day}"
        preferred = episode.preferred_therapists
        if episode.primary_therapist is not None:
            preferred = preferred | {episode.primary_therapist}
        return Visit(
            id=episode.visit_id(self.days[day].day_label),
            location=episode.location,
            service_s=episode.service_s,
            windows=windows,
            required_skills=episode.required_skills,
            priority=episode.priority,
            allowed_therapists=None if therapist_id is None else frozenset({therapist_id}),
            excluded_therapists=episode.excluded_therapists,
            preferred_therapists=preferred,
        )


def working_s(therapist: Therapist) -> int:
    """The working time a therapist's day offers: the shift, or ``max_work_s`` if less,
    without the break."""
    span = therapist.shift_end_s - therapist.shift_start_s
    if therapist.max_work_s is not None:
        span = min(span, therapist.max_work_s)
    rule = therapist.break_rule
    return span - (rule.duration_s if rule is not None else 0)
