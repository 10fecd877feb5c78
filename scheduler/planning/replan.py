"""Re-plan a published day from events: what the coordinator hears during the day.

``start_replan`` records each event with the clinic's records (a cancelled visit is
cancelled, a therapist who stops gets a changed shift, a longer visit a longer duration, an
urgent visit is booked), takes the therapists' check-ins and check-outs as the actual times,
and stores a new ``solving`` version whose problem re-plans the published plan from ``now``
(``solver.replan``). The job runner solves it like any plan; ``finish_plan`` keeps its
changes against the published plan on the draft (``Plan.replan``) for the coordinator to
review before publishing it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from scheduler.errors import Conflict, FieldError, InvalidRequest
from scheduler.local_time import DayClock, day_clock
from scheduler.models import (
    Clinic,
    Plan,
    PlanStatus,
    ShiftException,
    ShiftExceptionKind,
    Therapist,
    Visit,
    VisitStatus,
)
from scheduler.planning.build import PLANNABLE, DayProblem, build_day, shift_on
from scheduler.planning.queries import get_plan
from scheduler.planning.service import PlanOptions, new_version
from scheduler.planning.translate import plan_solution
from scheduler.records.visits import create_visit
from scheduler.travel import GeodesicProvider
from solver.clock import format_hhmm, parse_hhmm, time_of_day
from solver.current_plan import (
    DEFAULT_PROMISED_S,
    ActualTimes,
    CurrentStop,
    Replan,
    current_routes_of,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.orm import Session

    from scheduler.records.inputs import VisitFields
    from scheduler.travel import TravelTimeProvider
    from solver.problem import Problem


class EventKind(StrEnum):
    THERAPIST_UNAVAILABLE = "therapist_unavailable"
    VISIT_CANCELLED = "visit_cancelled"
    VISIT_ADDED = "visit_added"
    RUNNING_LATE = "running_late"
    VISIT_EXTENDED = "visit_extended"


@dataclass(frozen=True)
class ReplanEvent:
    """One thing that happened. ``therapist``/``visit`` are external ids; ``from_s`` is
    when an unavailable therapist stops (wall-clock seconds after the day's midnight, as
    the coordinator says it); ``minutes`` how
    late or how much longer; ``new_visit`` the booking of ``visit_added``."""

    kind: EventKind
    therapist: str | None = None
    visit: str | None = None
    from_s: int | None = None
    minutes: int | None = None
    new_visit: VisitFields | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind.value}
        if self.therapist is not None:
            data["therapist_id"] = self.therapist
        if self.visit is not None:
            data["visit_id"] = self.visit
        if self.from_s is not None:
            data["from"] = format_hhmm(self.from_s)
        if self.minutes is not None:
            data["minutes"] = self.minutes
        if self.new_visit is not None:
            data["new_visit"] = str(self.new_visit.external_id)
        return data


def clinic_now_s(clinic: Clinic, date: dt.date, now: dt.datetime | None = None) -> int:
    """The solver's seconds of now on ``date`` in the clinic's zone, to the whole minute,
    clamped to the day (a future date: 0, nothing has happened; a past one: its end)."""
    clock = day_clock(date, clinic.timezone)
    seconds = clock.elapsed_of(now or dt.datetime.now(dt.UTC)) // 60 * 60
    return min(max(seconds, 0), clock.day_s)


def replan_json(clock: DayClock, now_s: int) -> dict[str, Any]:
    """A re-plan's ``now`` as a draft keeps it: the wall clock for people, and the solver's
    seconds, which say which of two 02:30s it was on the day the clocks go back."""
    return {"now": clock.hhmm(now_s), "now_s": now_s}


def replan_now_s(replan: Mapping[str, Any], clock: DayClock) -> int:
    """The ``now`` of a draft's re-plan on the solver's axis (drafts stored before
    ``now_s`` was kept have only the wall clock)."""
    if "now_s" in replan:
        return int(replan["now_s"])
    return clock.elapsed_s(parse_hhmm(str(replan["now"]), end_of_day=True) or 0)


def start_replan(
    session: Session,
    clinic_id: int,
    plan_id: int,
    events: Sequence[ReplanEvent],
    now_s: int,
    options: PlanOptions,
    provider: TravelTimeProvider | None = None,
    promised_s: int = DEFAULT_PROMISED_S,
) -> tuple[Plan, DayProblem]:
    """Record the events, build the re-plan of the published plan ``plan_id`` from ``now_s``
    and store it as a new version, ``solving`` (committed).

    Parameters
    ----------
    session
        The database session.
    clinic_id
        The caller's clinic.
    plan_id
        The day's published plan.
    events
        What happened, in order; each is checked before any is recorded.
    now_s
        Seconds after the day's local midnight: what started before is kept.
    options
        How to solve.
    provider
        Travel times.
    promised_s
        How far a start may move before the patient is told.

    Returns
    -------
    tuple[Plan, DayProblem]
        The new version and the problem the job runner solves.

    Raises
    ------
    NotFound
        No such plan (or another clinic's).
    Conflict
        The plan is not the published one.
    InvalidRequest
        An event names an unknown therapist or visit, cancels a visit under way, ...
    """
    if faults := options.faults():
        raise InvalidRequest(faults, "invalid plan options")
    published = get_plan(session, clinic_id, plan_id)
    if published.status != PlanStatus.PUBLISHED:
        message = f"plan {plan_id} is {published.status}; only the published plan is re-planned"
        raise Conflict(message)
    clinic = session.get_one(Clinic, published.clinic_id)
    clock = day_clock(published.date, clinic.timezone)
    late = _record_events(session, published, events, now_s, clock)
    in_plan = [stop.visit_id for row in published.routes for stop in row.stops]
    in_plan += [item.visit_id for item in published.unassigned]
    booked = session.scalars(
        sa.select(Visit.id).where(
            Visit.clinic_id == clinic.id, Visit.date == published.date, Visit.status.in_(PLANNABLE)
        )
    )
    cancelled = set(
        session.scalars(
            sa.select(Visit.id).where(Visit.id.in_(in_plan), Visit.status == VisitStatus.CANCELLED)
        )
    )
    visit_ids = [v for v in dict.fromkeys([*in_plan, *booked]) if v not in cancelled]
    day = build_day(session, clinic, published.date, provider or GeodesicProvider(), visit_ids)
    replan = replan_of(published, clinic, now_s, promised_s, day)
    problem = _running_late(replace(day.problem, replan=replan), late)
    # Publishing the re-plan tells the patients by the same promise (``scheduler.notify``).
    options = replace(options, promised_minutes=promised_s // 60)
    plan = new_version(session, clinic, published.date, options)
    plan.replan = {
        "from_plan": published.id,
        **replan_json(day.clock, now_s),
        "promised_minutes": promised_s // 60,
        "events": [event.as_json() for event in events],
    }
    session.commit()
    return plan, replace(day, problem=problem)


# --- the events ------------------------------------------------------------------------


def _record_events(
    session: Session, plan: Plan, events: Sequence[ReplanEvent], now_s: int, clock: DayClock
) -> dict[str, int]:
    """Apply each event to the records; therapist id to the minutes it runs late."""
    faults: list[FieldError] = []
    late: dict[str, int] = {}
    for index, event in enumerate(events):
        path = f"events[{index}]"
        if event.kind == EventKind.VISIT_ADDED:
            _book(session, plan, event, path, faults)
        elif event.kind in (EventKind.VISIT_CANCELLED, EventKind.VISIT_EXTENDED):
            visit = _visit(session, plan, event, path, faults)
            if visit is not None:
                _change_visit(visit, event, path, faults)
        else:
            therapist = _therapist(session, plan, event, path, faults)
            if therapist is None:
                continue
            if event.kind == EventKind.RUNNING_LATE:
                late[therapist.external_id] = late.get(therapist.external_id, 0) + _minutes(
                    event, path, faults
                )
            else:
                _stop_working(session, therapist, plan, event, path, faults, (now_s, clock))
    if faults:
        session.rollback()
        raise InvalidRequest(faults, "the events cannot be applied")
    session.flush()
    return late


def _minutes(event: ReplanEvent, path: str, faults: list[FieldError]) -> int:
    if event.minutes is None or event.minutes <= 0:
        faults.append(FieldError(f"{path}.minutes", f"{event.kind} needs minutes above 0"))
        return 0
    return event.minutes


def _visit(
    session: Session, plan: Plan, event: ReplanEvent, path: str, faults: list[FieldError]
) -> Visit | None:
    visit = None
    if event.visit is not None:
        visit = session.scalar(
            sa.select(Visit).where(
                Visit.clinic_id == plan.clinic_id,
                Visit.external_id == event.visit,
                Visit.date == plan.date,
            )
        )
    if visit is None:
        message = f"no visit {event.visit!r} on {plan.date.isoformat()}"
        faults.append(FieldError(f"{path}.visit_id", message))
    return visit


def _change_visit(visit: Visit, event: ReplanEvent, path: str, faults: list[FieldError]) -> None:
    if event.kind == EventKind.VISIT_EXTENDED:
        visit.duration_minutes += _minutes(event, path, faults)
        return
    if visit.checked_in_at is not None:
        message = f"visit {visit.external_id} has started (checked in); it cannot be cancelled"
        faults.append(FieldError(f"{path}.visit_id", message))
        return
    visit.status = VisitStatus.CANCELLED


def _therapist(
    session: Session, plan: Plan, event: ReplanEvent, path: str, faults: list[FieldError]
) -> Therapist | None:
    therapist = None
    if event.therapist is not None:
        therapist = session.scalar(
            sa.select(Therapist).where(
                Therapist.clinic_id == plan.clinic_id, Therapist.external_id == event.therapist
            )
        )
    if therapist is None:
        faults.append(FieldError(f"{path}.therapist_id", f"no therapist {event.therapist!r}"))
    return therapist


def _stop_working(
    session: Session,
    therapist: Therapist,
    plan: Plan,
    event: ReplanEvent,
    path: str,
    faults: list[FieldError],
    now: tuple[int, DayClock],
) -> None:
    """The therapist works no more from ``from_s`` (wall clock; default now): a changed
    shift that day, or leave if that is before the shift starts. It cannot be before a
    visit of theirs that has started (that visit happened). ``now`` is the solver's
    seconds and the day's clock, which compares the plan's seconds with the shift's."""
    date = plan.date
    now_s, clock = now
    wall_shift = shift_on(therapist, date)
    if wall_shift is None:
        message = f"therapist {therapist.external_id} does not work on {date.isoformat()}"
        faults.append(FieldError(f"{path}.therapist_id", message))
        return
    shift = clock.elapsed_s(wall_shift[0]), clock.elapsed_s(wall_shift[1])
    stop_s = now_s if event.from_s is None else clock.elapsed_s(event.from_s)
    started = [
        stop
        for row in plan.routes
        if row.therapist_id == therapist.id
        for stop in row.stops
        if stop.visit.checked_in_at is not None or stop.start_s < now_s
    ]
    if started and stop_s < started[-1].start_s:
        last = started[-1]
        message = (
            f"therapist {therapist.external_id} started visit {last.visit.external_id} at"
            f" {clock.hhmm(last.start_s)}; they cannot stop before it"
        )
        faults.append(FieldError(f"{path}.from", message))
        return
    if stop_s >= shift[1]:
        message = f"the shift already ends at {format_hhmm(wall_shift[1])}"
        faults.append(FieldError(f"{path}.from", message))
        return
    for exception in list(therapist.exceptions):
        if exception.date == date:
            therapist.exceptions.remove(exception)
    session.flush()
    if stop_s <= shift[0]:
        therapist.exceptions.append(ShiftException(date=date, kind=ShiftExceptionKind.LEAVE))
    else:
        therapist.exceptions.append(
            ShiftException(
                date=date,
                kind=ShiftExceptionKind.CHANGED,
                start=time_of_day(wall_shift[0]),
                end=time_of_day(clock.wall_s(stop_s)),
            )
        )


def _book(
    session: Session, plan: Plan, event: ReplanEvent, path: str, faults: list[FieldError]
) -> None:
    if event.new_visit is None:
        faults.append(FieldError(f"{path}.visit", "visit_added needs the visit to book"))
        return
    fields = replace(event.new_visit, date=plan.date)
    try:
        create_visit(session, plan.clinic_id, fields, commit_now=False)
    except InvalidRequest as error:
        faults += [FieldError(f"{path}.visit.{e.field}", e.message) for e in error.errors]
    except Conflict as error:
        faults.append(FieldError(f"{path}.visit.external_id", str(error)))


# --- the re-plan's problem -------------------------------------------------------------


def replan_of(
    published: Plan, clinic: Clinic, now_s: int, promised_s: int, day: DayProblem
) -> Replan:
    solution = plan_solution(published)
    on_shift = [r for r in solution.routes if r.therapist_id in day.therapist_ids]
    routes = current_routes_of(on_shift)
    return Replan(
        now_s=now_s,
        routes=routes,
        actual=_check_ins(published, clinic),
        unassigned=frozenset(item.visit_id for item in solution.unassigned),
        promised_s=promised_s,
    )


def _check_ins(plan: Plan, clinic: Clinic) -> dict[str, ActualTimes]:
    """The check-in and check-out times of the plan's visits on the solver's axis, to the
    whole minute."""
    clock = day_clock(plan.date, clinic.timezone)

    def local_s(moment: dt.datetime | None) -> int | None:
        return None if moment is None else clock.elapsed_of(moment) // 60 * 60

    actual = {}
    for row in plan.routes:
        for stop in row.stops:
            visit = stop.visit
            if visit.checked_in_at is not None:
                actual[visit.external_id] = ActualTimes(
                    local_s(visit.checked_in_at), local_s(visit.checked_out_at)
                )
    return actual


def _running_late(problem: Problem, late: Mapping[str, int]) -> Problem:
    """A late therapist is free only ``minutes`` after now: its stop under way (or last
    one) ends no earlier, or, with none started, its shift starts then."""
    replan = problem.replan
    if not late or replan is None:
        return problem
    service_s = {visit.id: visit.service_s for visit in problem.visits}
    actual = dict(replan.actual)
    therapists = list(problem.therapists)
    started: dict[str, CurrentStop] = {}
    for route in replan.routes:
        for stop in route.stops:
            if replan.started_at(stop) < replan.now_s:
                started[route.therapist_id] = stop
    for index, therapist in enumerate(therapists):
        minutes = late.get(therapist.id)
        if minutes is None:
            continue
        free_s = replan.now_s + minutes * 60
        last = started.get(therapist.id)
        if last is None:
            therapists[index] = replace(
                therapist, shift_start_s=max(therapist.shift_start_s, free_s)
            )
            continue
        checked = actual.get(last.visit_id) or ActualTimes()
        start_s = last.start_s if checked.start_s is None else checked.start_s
        end_s = (
            start_s + service_s.get(last.visit_id, 0) if checked.end_s is None else checked.end_s
        )
        actual[last.visit_id] = ActualTimes(start_s, max(free_s, end_s))
    return replace(problem, therapists=tuple(therapists), replan=replace(replan, actual=actual))
