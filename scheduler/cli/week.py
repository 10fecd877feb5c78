"""``homevisit plan-week`` and ``publish-week``: the care plans' visits of one or more weeks
booked and every day planned at once, then published."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scheduler.cli.common import command_parser, date_argument, open_session, pick_clinic
from scheduler.config import Settings
from scheduler.errors import NotFound
from scheduler.models import WeekPlan, WeekPlanStatus
from scheduler.planning.week import (
    DEFAULT_WEEK_TIME_LIMIT_S,
    MAX_WEEKS,
    WeekOptions,
    get_week,
    plan_week,
    publish_week,
)
from scheduler.travel.select import travel_provider

if TYPE_CHECKING:
    import argparse

    from scheduler.cli.common import Subparsers

EXAMPLES = {
    "plan-week": "homevisit plan-week --from 2026-12-07 --weeks 2 --time-limit 120 --workers 2",
    "publish-week": "homevisit publish-week 3",
}


def add_parsers(commands: Subparsers) -> None:
    """Register ``plan-week`` and ``publish-week``."""
    plan = command_parser(
        commands,
        "plan-week",
        EXAMPLES["plan-week"],
        "book the care plans' visits and plan every day of one or more weeks as drafts",
    )
    plan.add_argument(
        "--from", dest="first_date", type=date_argument, required=True, help="YYYY-MM-DD"
    )
    plan.add_argument("--weeks", type=int, default=1, help=f"1 to {MAX_WEEKS}")
    plan.add_argument("--clinic", help="clinic name (default: the only clinic)")
    plan.add_argument(
        "--time-limit", type=float, default=DEFAULT_WEEK_TIME_LIMIT_S, help="seconds in all"
    )
    plan.add_argument("--workers", type=int, default=1, help="days routed at once")
    plan.add_argument("--seed", type=int, default=0)
    publish = command_parser(
        commands,
        "publish-week",
        EXAMPLES["publish-week"],
        "publish every draft day plan of a week plan",
    )
    publish.add_argument("week", type=int, help="week plan id")


def run_plan_week(args: argparse.Namespace) -> int:
    options = WeekOptions(
        weeks=args.weeks, time_limit_s=args.time_limit, seed=args.seed, workers=args.workers
    )
    with open_session(args) as session:
        clinic = pick_clinic(session, args.clinic)
        provider = travel_provider(Settings.from_env(), session, clinic)
        print(f"{clinic.name}: planning {options.weeks} week(s) ...", file=sys.stderr)
        week = plan_week(session, clinic.id, args.first_date, options, provider)
        print(format_week(week))
    return 0 if week.status == WeekPlanStatus.DONE else 1


def run_publish_week(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        week = session.get(WeekPlan, args.week)
        if week is None:
            raise NotFound(f"week plan {args.week} not found")
        promised = Settings.from_env().promised_minutes
        published = publish_week(session, week.clinic_id, args.week, promised)
        for plan in published:
            print(f"Plan {plan.id} ({plan.date.isoformat()}, version {plan.version}) is published")
        print(format_week(get_week(session, week.clinic_id, args.week)))
    return 0


def format_week(week: WeekPlan) -> str:
    """The week's days, figures and visits without a date, for a terminal."""
    k = week.kpis
    lines = [f"Week plan {week.id}: {week.first_date.isoformat()} to {week.last_date.isoformat()}"]
    if k is None:
        return f"{lines[0]} is {week.status.value}" + (f": {week.error}" if week.error else "")
    for plan in week.plans:
        kpis = plan.kpis or {}
        lines.append(
            f"  {plan.date.isoformat()} plan {plan.id} ({plan.status}):"
            f" {kpis.get('visits_planned', 0)} of {kpis.get('visits_total', 0)} visits planned"
        )
    lines += [
        f"Care-plan visits placed: {k['visits_placed']} of {k['visits_ordered']}",
        f"Episodes with one therapist: {k['single_therapist_episodes']} of"
        f" {k['episodes_served']} ({k['single_therapist_share']:.0%})",
        f"Visits by the primary (days they work): {k['primary_hits']} of {k['primary_visits']}"
        f" ({k['primary_share']:.0%})",
        f"Work per therapist: min {k['work_min_s'] / 3600:.1f} h, mean"
        f" {k['work_mean_s'] / 3600:.1f} h, max {k['work_max_s'] / 3600:.1f} h;"
        f" {k['balanced_share']:.0%} within 15 % of the mean,"
        f" {k.get('fair_share_balanced', 0.0):.0%} of their share by hours available",
        f"Travel: {k['travel_s'] / 3600:.1f} h",
        f"Without a date: {len(week.unplaced)}",
    ]
    lines += [
        f"  {u['care_plan']} ({u['span']}): {u['reason']}: {u['message']}" for u in week.unplaced
    ]
    return "\n".join(lines)
