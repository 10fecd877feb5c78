"""The coordinator's roster page: a date's plan versions, solving, the result, edits, publishing,
re-planning the published plan from events.

The page shows the stored plan; its script starts solves and re-plans, follows their
progress, previews and saves edits and publishes through the JSON API (the token cookie
authenticates it), then reloads the page. A re-plan's changes are the server's, so the page
its solve opens, or any reload, shows them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SessionDep, SettingsDep
from api.pages.common import PageUser, landing_path, redirect, render, to_login
from api.pages.replan_view import ReplanChanges, ReplanPanel, replan_changes, replan_panel
from api.pages.roster_view import comparison_view, kpi_rows, plan_clock, plan_map, timeline
from api.schemas.fields import PlanDate
from scheduler.day_json.roster import RosterNames
from scheduler.exchange.exporting import roster_names
from scheduler.models import Clinic, Plan, PlanStatus, Role, Visit
from scheduler.planning import compare_plans, get_plan, list_plans
from scheduler.planning.replan import clinic_now_s
from scheduler.records.store import MAX_ID
from scheduler.therapist_day.service import CHANGE_MINUTES, clinic_date_today

router = APIRouter()
# The version the page opens on: the newest one still in play.
CURRENT_STATUSES = (PlanStatus.SOLVING, PlanStatus.DRAFT, PlanStatus.PUBLISHED)
# The comparison with the published version counts a visit as shifted beyond this (as the
# therapist's phone does).
SHIFT_MINUTES = CHANGE_MINUTES


def _edit_choices(plan: Plan) -> dict[str, list[tuple[int, str]]]:
    """The visits and therapists an edit of the draft may name, as (id, label); the labels
    carry the skills, which decide what an edit may break."""
    clock = plan_clock(plan)
    visits = [
        (
            stop.visit_id,
            f"{_visit_label(stop.visit)} ({route.therapist.name} {clock.hhmm(stop.start_s)})",
        )
        for route in plan.routes
        for stop in route.stops
    ]
    visits += [
        (item.visit_id, f"{_visit_label(item.visit)} (unassigned)") for item in plan.unassigned
    ]
    therapists = [
        (r.therapist_id, f"{r.therapist.name} [{', '.join(r.therapist.skills)}]")
        for r in plan.routes
    ]
    return {"visits": sorted(visits, key=_label), "therapists": sorted(therapists, key=_label)}


def _visit_label(visit: Visit) -> str:
    skills = visit.needed_skills
    return f"{visit.patient.name} [{', '.join(skills)}]" if skills else visit.patient.name


def _label(choice: tuple[int, str]) -> str:
    return choice[1]


def _plan_context(
    session: SessionDep, plan: Plan, published: Plan | None, versions: list[Plan]
) -> dict[str, Any]:
    """The pictures of a finished plan, its changes if it is a re-plan, and otherwise its
    comparison with the published one."""
    changes = _replan_changes(session, plan, versions)
    context: dict[str, Any] = {
        "timeline": timeline(plan),
        "map": plan_map(plan),
        "kpis": kpi_rows(plan),
        "choices": _edit_choices(plan),
        "changes": changes,
        "comparison": None,
    }
    # A re-plan of the published plan lists its own changes; a comparison would repeat them
    # by another measure (CHANGE_MINUTES rather than the re-plan's promise).
    from_plan = (plan.replan or {}).get("from_plan")
    if changes is not None and published is not None and from_plan == published.id:
        return context
    if published is not None and published.id != plan.id and plan.routes:
        comparison = compare_plans(session, plan.clinic_id, published.id, plan.id, SHIFT_MINUTES)
        before = get_plan(session, plan.clinic_id, published.id)
        context["comparison"] = comparison_view(before, plan, comparison)
    return context


def _replan_changes(session: SessionDep, plan: Plan, versions: list[Plan]) -> ReplanChanges | None:
    """The changes of a solved re-plan, named from it and from the plan it re-plans (which
    has the visits it cancelled); None for any other plan."""
    if plan.replan is None:
        return None
    before = next((p for p in versions if p.id == plan.replan.get("from_plan")), None)
    names = roster_names(session, plan)
    if before is not None:
        earlier = roster_names(session, before)
        names = RosterNames(
            therapists={**earlier.therapists, **names.therapists},
            visits={**earlier.visits, **names.visits},
        )
    return replan_changes(plan.replan, names, before.version if before else None)


def _replan_panel(
    session: SessionDep, clinic: Clinic, day: dt.date, chosen: Plan | None, published: Plan | None
) -> ReplanPanel | None:
    """The "re-plan from now" form of a date with a published plan; none while the page
    follows a solve."""
    if published is None or (chosen is not None and chosen.status == PlanStatus.SOLVING):
        return None
    shown = chosen if chosen is not None and chosen.id == published.id else None
    shown = shown or get_plan(session, clinic.id, published.id)
    return replan_panel(shown, clinic_now_s(clinic, day))


@router.get("/app/roster", response_model=None)
def roster_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    settings: SettingsDep,
    date: PlanDate | None = None,
    plan: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse | RedirectResponse:
    """The clinic's roster of a date (default today): its versions, one of them in full."""
    if user is None:
        return to_login()
    if user.role == Role.THERAPIST:
        return redirect(landing_path(user))
    clinic = user.clinic
    chosen = get_plan(session, clinic.id, plan) if plan is not None else None
    today = clinic_date_today(clinic)
    day = chosen.date if chosen is not None else date or today
    versions = list(list_plans(session, clinic.id, day))
    if chosen is None:
        newest = next((p for p in reversed(versions) if p.status in CURRENT_STATUSES), None)
        chosen = get_plan(session, clinic.id, newest.id) if newest is not None else None
    published = next((p for p in versions if p.status == PlanStatus.PUBLISHED), None)
    context: dict[str, Any] = {
        "user": user,
        "clinic": clinic,
        "date": day,
        "today": today,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "versions": versions,
        "plan": chosen,
        "published": published,
        "time_limit_s": f"{settings.solver_time_limit_s:g}",
        "editable": chosen is not None and chosen.status == PlanStatus.DRAFT,
    }
    if chosen is not None and chosen.status not in (PlanStatus.SOLVING, PlanStatus.FAILED):
        context |= _plan_context(session, chosen, published, versions)
    context["replan_panel"] = _replan_panel(session, clinic, day, chosen, published)
    return render(request, "roster.html", context)
