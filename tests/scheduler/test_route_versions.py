"""Route versions: the commits that may change a therapist's published day raise the
clinic's ``routes_version``; the others leave it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.models import Clinic, Plan, PlanStatus, Visit, VisitStatus
from scheduler.models.versions import Change, change_payload, read_payload, sync_payload
from scheduler.planning import publish_plan
from scheduler.therapist_day.service import check_in, clinic_today
from tests.scheduler.factories import add_clinic
from tests.scheduler.planning_factories import SmallDay, add_routed_plan, add_small_day, move_day

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def version_of(session: Session, clinic: Clinic) -> int:
    """The clinic's version as the database has it (not the session's copy)."""
    version = session.scalar(sa.select(Clinic.routes_version).where(Clinic.id == clinic.id))
    assert version is not None
    return version


def _published(session: Session) -> SmallDay:
    """The small day with t1 visiting v1 in a published plan."""
    day = add_small_day(session)
    add_routed_plan(
        session,
        day.clinic,
        {day.therapists["t1"]: [(day.visits["v1"], 9 * 3600)]},
        status=PlanStatus.PUBLISHED,
    )
    session.commit()
    return day


def test_a_check_in_raises_its_clinics_version_only(session: Session) -> None:
    day = _published(session)
    move_day(session, day, clinic_today(day.therapists["t1"]))
    other = add_clinic(session, "Other clinic")
    session.commit()
    before, other_before = version_of(session, day.clinic), version_of(session, other)
    check_in(session, day.therapists["t1"], day.visits["v1"].id)
    assert version_of(session, day.clinic) == before + 1
    assert version_of(session, other) == other_before
    assert day.clinic.routes_version == before + 1  # the session's copy follows


def test_publishing_a_draft_raises_the_version(session: Session) -> None:
    day = _published(session)
    draft = add_routed_plan(session, day.clinic, {day.therapists["t2"]: [(day.visits["v2"], 0)]})
    session.commit()
    before = version_of(session, day.clinic)
    publish_plan(session, day.clinic.id, draft.id)
    assert version_of(session, day.clinic) == before + 1


def test_drafts_and_their_progress_leave_the_version(session: Session) -> None:
    """A solving plan is stored, its progress written by a bulk update, then it is a draft."""
    day = _published(session)
    before = version_of(session, day.clinic)
    draft = add_routed_plan(session, day.clinic, {}, status=PlanStatus.SOLVING)
    session.commit()
    session.execute(sa.update(Plan).where(Plan.id == draft.id).values(progress={"elapsed_s": 1}))
    session.commit()
    draft.status = PlanStatus.DRAFT
    session.commit()
    assert version_of(session, day.clinic) == before


def test_a_rolled_back_change_leaves_the_version(session: Session) -> None:
    day = _published(session)
    before = version_of(session, day.clinic)
    day.visits["v1"].patient.phone = "+376 800 999"
    session.flush()
    session.rollback()
    session.commit()
    assert version_of(session, day.clinic) == before


def test_a_savepoint_rolled_back_keeps_the_changes_around_it(session: Session) -> None:
    day = _published(session)
    before = version_of(session, day.clinic)
    day.visits["v1"].patient.phone = "+376 800 999"
    session.flush()
    with session.begin_nested() as savepoint:
        day.therapists["t1"].name = "Renamed"
        session.flush()
        savepoint.rollback()
    session.commit()
    assert version_of(session, day.clinic) == before + 1


@pytest.mark.parametrize("change", ["patient", "therapist", "clinic", "bulk visits"])
def test_edits_of_what_a_route_shows_raise_the_version(session: Session, change: str) -> None:
    day = _published(session)
    before = version_of(session, day.clinic)
    if change == "patient":
        day.visits["v1"].patient.access_notes = "Ring twice"
    elif change == "therapist":
        day.therapists["t1"].name = "Renamed"
    elif change == "clinic":
        day.clinic.timezone = "Europe/Madrid"
    else:
        session.execute(
            sa.update(Visit)
            .where(Visit.clinic_id == day.clinic.id)
            .values(status=VisitStatus.CANCELLED)
        )
    session.commit()
    assert version_of(session, day.clinic) == before + 1


def test_a_notification_reads_back_and_a_huge_or_garbled_one_says_everything() -> None:
    assert read_payload(change_payload({3: 7}, {5})) == Change({3: 7}, frozenset({5}))
    assert read_payload(change_payload(dict.fromkeys(range(2000), 1), ())).everything
    assert read_payload("[1, 2]").everything
    assert read_payload(sync_payload("abc")) == Change(marker="abc")
