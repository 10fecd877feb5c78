"""The coordinator's commands during the day, on the stored clinic: ``replan --date`` (events
into a re-planned draft) and ``suggest`` (slots for a new visit, and booking one)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.cli.common import open_session, pick_clinic
from scheduler.config import Settings
from scheduler.day_json.roster import format_roster
from scheduler.errors import InvalidRequest, NotFound
from scheduler.exchange import exporting
from scheduler.local_time import day_clock
from scheduler.models import Patient, Priority
from scheduler.planning import PlanOptions, finish_plan
from scheduler.planning.queries import published_plan
from scheduler.planning.replan import EventKind, ReplanEvent, clinic_now_s, start_replan
from scheduler.planning.suggestions import accept_suggestion, suggest_for_plan
from scheduler.planning.worker import solve_in_worker
from scheduler.records.inputs import VisitFields, VisitWindow
from scheduler.travel.select import travel_provider
from solver.clock import parse_hhmm, time_of_day

if TYPE_CHECKING:
    import argparse
    import datetime as dt
    from collections.abc import Callable

    from sqlalchemy.orm import Session

    from scheduler.models import Clinic, Plan
    from solver import Progress

    Tick = Callable[[float, Progress | None], None]


def _clock(text: str, option: str) -> int:
    seconds = parse_hhmm(text, one_digit_hour=True)
    if seconds is None:
        raise InvalidRequest.single(option, f"{text!r} is not a time in HH:MM format")
    return seconds


def _pair(text: str, sep: str, option: str) -> tuple[str, str]:
    key, found, value = text.partition(sep)
    if not found or not key or not value:
        raise InvalidRequest.single(option, f"{text!r} is not KEY{sep}VALUE")
    return key, value


def _minutes(text: str, option: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise InvalidRequest.single(option, f"{text!r} is not a number of minutes above 0")
    return int(text)


def events_of(args: argparse.Namespace) -> list[ReplanEvent]:
    """The events the options name, in the order of the options' kinds."""
    events = []
    for text in args.unavailable or []:
        therapist, at = _pair(text, "@", "--unavailable")
        events.append(
            ReplanEvent(
                EventKind.THERAPIST_UNAVAILABLE, therapist, from_s=_clock(at, "--unavailable")
            )
        )
    events += [ReplanEvent(EventKind.VISIT_CANCELLED, visit=v) for v in args.cancel or []]
    for text in args.late or []:
        therapist, minutes = _pair(text, ":", "--late")
        events.append(
            ReplanEvent(EventKind.RUNNING_LATE, therapist, minutes=_minutes(minutes, "--late"))
        )
    for text in args.extend or []:
        visit, minutes = _pair(text, ":", "--extend")
        events.append(
            ReplanEvent(
                EventKind.VISIT_EXTENDED, visit=visit, minutes=_minutes(minutes, "--extend")
            )
        )
    return events


def _now_s(args: argparse.Namespace, clinic: Clinic, date: dt.date) -> int:
    """``--now`` (the wall clock) or the clinic's time now, on the solver's axis."""
    if args.now is None:
        return clinic_now_s(clinic, date)
    return day_clock(date, clinic.timezone).elapsed_s(_clock(args.now, "--now"))


def _published(session: Session, clinic: Clinic, date: dt.date) -> Plan:
    plan = published_plan(session, clinic.id, date)
    if plan is None:
        raise NotFound(f"no published plan of {date.isoformat()} to change")
    return plan


def _print_with_changes(session: Session, plan: Plan) -> None:
    print(format_roster(exporting.plan_json(session, plan), exporting.roster_names(session, plan)))
    replan = plan.replan or {}
    changes = replan.get("changes", [])
    print(
        f"\nChanges against plan {replan.get('from_plan')} from {replan.get('now')}: {len(changes)}"
    )
    for change in changes:
        before, after = change.get("before"), change.get("after")
        was = "-" if before is None else f"{before['therapist_id']} {before['start'][:5]}"
        now = "-" if after is None else f"{after['therapist_id']} {after['start'][:5]}"
        reason = f" ({change['reason']})" if change.get("reason") else ""
        print(f"  {change['visit_id']:<20} {change['change']:<10} {was:>12} -> {now}{reason}")
    notify = replan.get("notify", {})
    print(
        f"Tell {len(notify.get('therapists', []))} therapists and the patients of"
        f" {len(notify.get('visits', []))} visits once published"
    )
    print(f"\nPlan {plan.id}: version {plan.version} of {plan.date.isoformat()}, {plan.status}")


def run_replan(args: argparse.Namespace, tick: Tick | None) -> int:
    """``homevisit replan --date D``: record the events, re-plan the published plan."""
    with open_session(args) as session:
        clinic = pick_clinic(session, args.clinic)
        published = _published(session, clinic, args.date)
        settings = Settings.from_env()
        options = PlanOptions(time_limit_s=args.time_limit or settings.solver_time_limit_s)
        promised_s = 60 * (30 if args.promised_minutes is None else args.promised_minutes)
        plan, day = start_replan(
            session,
            clinic.id,
            published.id,
            events_of(args),
            _now_s(args, clinic, args.date),
            options,
            travel_provider(settings, session, clinic),
            promised_s,
        )
        solution = solve_in_worker(day.problem, options.params(), tick)
        if tick is not None:
            sys.stderr.write("\n")
        finish_plan(session, plan, day, solution)
        _print_with_changes(session, plan)
        return 0 if plan.status == "draft" else 1


def _new_visit(session: Session, clinic: Clinic, args: argparse.Namespace) -> VisitFields:
    patient = session.scalar(
        sa.select(Patient).where(
            Patient.clinic_id == clinic.id, Patient.external_id == args.patient
        )
    )
    if patient is None:
        raise InvalidRequest.single("--patient", f"no patient {args.patient!r} in {clinic.name}")
    windows = []
    for text in args.window or []:
        start, end = _pair(text, "-", "--window")
        spans = [time_of_day(_clock(part, "--window")) for part in (start, end)]
        windows.append(VisitWindow(*spans))
    return VisitFields(
        external_id=args.visit_id or f"{args.date.isoformat()}-{args.patient}-urgent",
        patient_id=patient.id,
        date=args.date,
        duration_minutes=args.minutes,
        windows=windows or None,
        priority=Priority(args.priority),
    )


def run_suggest(args: argparse.Namespace) -> int:
    """``homevisit suggest``: the best slots for a new visit; ``--accept K`` books the K-th."""
    with open_session(args) as session:
        clinic = pick_clinic(session, args.clinic)
        published = _published(session, clinic, args.date)
        settings = Settings.from_env()
        provider = travel_provider(settings, session, clinic)
        fields = _new_visit(session, clinic, args)
        now_s = _now_s(args, clinic, args.date)
        options = suggest_for_plan(
            session, clinic.id, published.id, fields, now_s, args.count, provider
        )
        if not options:
            print("No slot fits this visit without moving other visits to other therapists.")
            return 1
        clock = day_clock(args.date, clinic.timezone)
        print(f"{'#':>2}  {'therapist':<28} {'start':>5}  {'added travel':>12}  retimed")
        for number, option in enumerate(options, start=1):
            who = f"{option.therapist_name} ({option.therapist_key})"
            retimed = ", ".join(option.retimed) or "-"
            print(
                f"{number:>2}  {who:<28} {clock.hhmm(option.start_s):>5}"
                f"  {option.added_travel_s // 60:>9} min  {retimed}"
            )
        if args.accept is None:
            return 0
        if not 1 <= args.accept <= len(options):
            raise InvalidRequest.single("--accept", f"choose 1 to {len(options)}")
        chosen = options[args.accept - 1]
        plan = accept_suggestion(
            session,
            clinic.id,
            published.id,
            fields,
            chosen.therapist_key,
            chosen.position,
            now_s,
            provider,
        )
        print()
        _print_with_changes(session, plan)
        return 0
