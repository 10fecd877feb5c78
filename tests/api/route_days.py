"""Published days for the route-path tests: a therapist's route today, and a statement counter."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from scheduler.models import PlanStatus, Role
from scheduler.therapist_day.service import clinic_today
from tests.api.factories import add_login, auth_headers
from tests.scheduler.planning_factories import SmallDay, add_routed_plan, add_small_day

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from scheduler.db.notifications import ChangeListener


_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")


@dataclass(frozen=True)
class RouteDay:
    """The small day, moved to today, with t1's login and its headers."""

    day: SmallDay
    headers: dict[str, str]
    user_id: int
    visit_ids: dict[str, int]


def add_route_day(session: Session) -> RouteDay:
    """t1 visits v1 at 09:00 then v2 at 11:00 today; t2 visits v3; published, committed."""
    day = add_small_day(session)
    today = clinic_today(day.therapists["t1"])
    for visit in day.visits.values():
        visit.date = today
    t1, t2 = day.therapists["t1"], day.therapists["t2"]
    v1, v2, v3 = day.visits["v1"], day.visits["v2"], day.visits["v3"]
    plan = add_routed_plan(
        session,
        day.clinic,
        {t1: [(v1, 9 * 3600), (v2, 11 * 3600)], t2: [(v3, 13 * 3600)]},
        status=PlanStatus.PUBLISHED,
    )
    plan.date = today
    login = add_login(session, day.clinic, Role.THERAPIST, t1)
    headers = auth_headers(session, login)  # commits
    return RouteDay(day, headers, login.id, {key: v.id for key, v in day.visits.items()})


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on ``engine`` inside the block, less transaction control
    (the tests' savepoints)."""
    seen: list[str] = []

    def note(*args: object) -> None:
        sql = str(args[2])
        if not sql.lstrip().upper().startswith(_CONTROL):
            seen.append(sql)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def level(app: FastAPI) -> None:
    """Wait until the app has heard every change committed so far (PostgreSQL; elsewhere
    it keeps no callers, so there is nothing to wait for)."""
    listener: ChangeListener | None = getattr(app.state, "change_listener", None)
    if listener is not None:
        assert listener.sync(), "the app's change listener did not hear its own probe"
