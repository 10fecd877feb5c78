"""The coordinator's week page: a week plan as a therapists x days grid, a care plan's visits
picked out across it, the continuity figures and the visits that got no date.

The page reads only; its script picks out a care plan without a reload and, while the
week solves, follows it through the JSON API and reloads once it is over. Without the
script, ``?care_plan=`` picks one out on the server.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.deps import SessionDep
from api.pages.common import PageUser, landing_path, redirect, render, to_login
from api.pages.week_view import week_view
from scheduler.models import Role, WeekPlan, WeekPlanStatus
from scheduler.planning.week import get_week_routes, list_weeks
from scheduler.records.limits import EXTERNAL_ID_LENGTH
from scheduler.records.store import MAX_ID

router = APIRouter()
# The other week plans the page links to, newest first.
LISTED_WEEKS = 12
# A week opened without an id: the newest one still in play, as the roster opens a date.
CURRENT_STATUSES = (WeekPlanStatus.SOLVING, WeekPlanStatus.DONE)


@router.get("/app/week", response_model=None)
def week_page(
    request: Request,
    user: PageUser,
    session: SessionDep,
    week_id: Annotated[int | None, Query(alias="id", ge=1, le=MAX_ID)] = None,
    care_plan: Annotated[str | None, Query(max_length=EXTERNAL_ID_LENGTH)] = None,
) -> HTMLResponse | RedirectResponse:
    """A week plan of the clinic (default its newest) as a grid of therapists and days."""
    if user is None:
        return to_login()
    if user.role == Role.THERAPIST:
        return redirect(landing_path(user))
    listed = list(list_weeks(session, user.clinic_id, LISTED_WEEKS).items)
    if week_id is None:
        week_id = _default_week(listed)
    week = get_week_routes(session, user.clinic_id, week_id) if week_id is not None else None
    context: dict[str, Any] = {
        "user": user,
        "clinic": user.clinic,
        "page": "week",
        "weeks": listed,
        "week": week,
        # The form's "None" sends an empty care_plan.
        "view": week_view(week, care_plan or None) if week is not None else None,
    }
    return render(request, "week.html", context)


def _default_week(listed: list[WeekPlan]) -> int | None:
    """The newest week still solving or done, else the newest of any status."""
    current = next((w for w in listed if w.status in CURRENT_STATUSES), None)
    chosen = current or next(iter(listed), None)
    return chosen.id if chosen is not None else None
