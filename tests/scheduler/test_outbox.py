"""Publishing writes the outbox: who is told what, in the publish's own transaction."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from scheduler.errors import Conflict
from scheduler.models import (
    Channel,
    MessageStatus,
    OutboxMessage,
    Plan,
    PlanStatus,
    Role,
    User,
    VisitStatus,
)
from scheduler.planning import PlanOptions, publish_plan, queries, service
from tests.scheduler.outbox_factories import H, first_plan, messages, published_day
from tests.scheduler.planning_factories import add_routed_plan, add_small_day

if TYPE_CHECKING:
    import datetime as dt

    from sqlalchemy.engine import Engine

    from tests.scheduler.planning_factories import SmallDay


def told(rows: list[OutboxMessage]) -> list[str]:
    """The external ids of the recipients, once each, in the order written."""
    return list(dict.fromkeys(row.payload["recipient"]["external_id"] for row in rows))


def topics(rows: list[OutboxMessage]) -> dict[str, str]:
    return {row.payload["recipient"]["external_id"]: row.payload["topic"] for row in rows}


def republish(session: Session, day: SmallDay, moves: dict[str, tuple[str, int]]) -> Plan:
    """A new version of the first plan with ``moves`` (visit -> therapist, start s), published."""
    stops = {"v1": ("t1", 9 * H), "v2": ("t1", 10 * H), "v3": ("t2", 13 * H), **moves}
    routes: dict[str, list[tuple[str, int]]] = {}
    for visit, (therapist, start_s) in sorted(stops.items(), key=lambda item: item[1][1]):
        routes.setdefault(therapist, []).append((visit, start_s))
    plan = add_routed_plan(
        session,
        day.clinic,
        {
            day.therapists[t]: [(day.visits[v], start_s) for v, start_s in visits]
            for t, visits in routes.items()
        },
        (day.visits["v4"],),
    )
    return publish_plan(session, day.clinic.id, plan.id)


def test_the_first_publish_tells_every_routed_therapist_and_patient(session: Session) -> None:
    """t1, t2 get their routes, p1-p3 their times; t3 (no route) and p4 (left out) nothing;
    one row per channel each."""
    day, plan = published_day(session)
    rows = messages(session, plan)
    assert told(rows) == ["t1", "t2", "p1", "p2", "p3"]
    assert [(row.channel, row.status) for row in rows] == [
        (Channel.EMAIL, MessageStatus.PENDING),
        (Channel.WEBHOOK, MessageStatus.PENDING),
    ] * 5
    t1_email = rows[0]
    assert t1_email.address == "t1@clinic.example"
    assert t1_email.subject == "Your route for Monday 30 November 2026"
    assert t1_email.body == (
        "Hello Therapist t1,\n\n"
        "Here is your route for Monday 30 November 2026 (Clinica Andorra, plan version 1):\n\n"
        " 1. 09:00-09:45  Patient p1, Carrer p1\n"
        " 2. 10:00-10:30  Patient p2, Carrer p2\n"
    )
    p1_email = rows[4]
    assert p1_email.address == "p1@example.org"
    assert p1_email.body == (
        "Hello Patient p1,\n\n"
        "Your visit from Clinica Andorra on Monday 30 November 2026 is planned to start at"
        " 09:00 with Therapist t1; expect them between 08:30 and 09:30.\n"
    )
    assert len({row.delivery_id for row in rows}) == len(rows)
    assert day.visits["v1"].status is VisitStatus.PLANNED


def test_the_webhook_payload_holds_the_facts(session: Session) -> None:
    """The integrator's hook gets the route and the visit as data, with the text."""
    _, plan = published_day(session)
    hooks = messages(session, plan, Channel.WEBHOOK)
    route = hooks[0].payload
    assert (route["topic"], route["first"], route["plan"]["version"]) == ("route", True, 1)
    assert route["recipient"] == {
        "kind": "therapist",
        "id": hooks[0].recipient_id,
        "external_id": "t1",
        "name": "Therapist t1",
        "email": "t1@clinic.example",
        "phone": None,
    }
    assert [(s["visit_id"], s["start"], s["end"]) for s in route["route"]["stops"]] == [
        ("v1", "09:00", "09:45"),
        ("v2", "10:00", "10:30"),
    ]
    visit = hooks[3].payload["visit"]
    assert (visit["id"], visit["start"], visit["earliest"], visit["latest"]) == (
        "v2",
        "10:00",
        "09:30",
        "10:30",
    )
    assert route["text"] == hooks[0].body


def test_a_recipient_without_an_address_is_skipped_with_the_reason(session: Session) -> None:
    _, plan = published_day(session, with_email=False)
    emails = messages(session, plan, Channel.EMAIL)
    assert {row.status for row in emails} == {MessageStatus.SKIPPED}
    assert emails[0].last_error == "therapist t1 has no email address"
    assert emails[-1].last_error == "patient p3 has no email address"
    assert {row.status for row in messages(session, plan, Channel.WEBHOOK)} == {
        MessageStatus.PENDING
    }


def test_a_therapist_without_an_email_gets_it_at_their_login(session: Session) -> None:
    day = add_small_day(session)
    t1 = day.therapists["t1"]
    session.add(
        User(clinic=day.clinic, email="ana@login.example", password_hash="x", role=Role.THERAPIST)
    )
    session.flush()
    session.execute(sa.update(User).values(therapist_id=t1.id))
    plan = first_plan(session, day)
    publish_plan(session, day.clinic.id, plan.id)
    assert messages(session, plan, Channel.EMAIL)[0].address == "ana@login.example"


@pytest.mark.parametrize(("start_s", "patients_told"), [(11 * H, ["p2"]), (10 * H + 20 * 60, [])])
def test_a_republish_tells_only_those_whose_day_changed(
    session: Session, start_s: int, patients_told: list[str]
) -> None:
    """v2 moves from t1 to t2: both routes changed; p2 is told only if v2 moved more than
    the promised 30 minutes; p1 and p3 hear nothing."""
    day, _ = published_day(session)
    second = republish(session, day, {"v2": ("t2", start_s)})
    rows = messages(session, second)
    assert told(rows) == ["t1", "t2", *patients_told]
    assert rows[0].subject == "Your route for Monday 30 November 2026 has changed"
    assert rows[0].body.splitlines()[2] == (
        "Your route for Monday 30 November 2026 changed (Clinica Andorra, plan version 2):"
    )
    if patients_told:
        assert rows[-1].body.endswith("It was planned for 10:00 before.\n")


def test_a_republish_that_changes_nothing_writes_nothing(session: Session) -> None:
    day, _ = published_day(session)
    assert messages(session, republish(session, day, {})) == []


def test_the_plans_own_promise_wins_over_the_default(session: Session) -> None:
    """With ``promised_minutes`` 5 in its options, a 10-minute shift is told."""
    day, _ = published_day(session)
    v = day.visits
    plan = add_routed_plan(
        session,
        day.clinic,
        {
            day.therapists["t1"]: [(v["v1"], 9 * H), (v["v2"], 10 * H + 600)],
            day.therapists["t2"]: [(v["v3"], 13 * H)],
        },
        (v["v4"],),
    )
    plan.parameters = {"promised_minutes": 5}
    publish_plan(session, day.clinic.id, plan.id, promised_minutes=60)
    assert told(messages(session, plan)) == ["t1", "p2"]


def test_cancelled_and_dropped_visits_are_told(session: Session) -> None:
    """v1 is cancelled, v3 left out by the new plan: p1 gets a cancellation, p3 "not
    planned", t2 an empty route; p2 keeps its time and hears nothing."""
    day, _ = published_day(session)
    v = day.visits
    v["v1"].status = VisitStatus.CANCELLED
    plan = add_routed_plan(
        session, day.clinic, {day.therapists["t1"]: [(v["v2"], 10 * H)]}, (v["v3"], v["v4"])
    )
    publish_plan(session, day.clinic.id, plan.id)
    rows = messages(session, plan, Channel.EMAIL)
    assert topics(rows) == {
        "t1": "route",
        "t2": "route",
        "p1": "visit_cancelled",
        "p3": "visit_not_planned",
    }
    by_recipient = {row.payload["recipient"]["external_id"]: row for row in rows}
    assert by_recipient["t2"].body.splitlines()[2] == (
        "Your route for Monday 30 November 2026 changed: you have no visits that day"
        " (Clinica Andorra, plan version 2)."
    )
    assert by_recipient["p1"].subject == "Your visit on Monday 30 November 2026 is cancelled"
    assert "(planned for 09:00) is cancelled." in by_recipient["p1"].body
    assert "could not be planned" in by_recipient["p3"].body


def test_a_refused_publish_writes_no_message(session: Session) -> None:
    day = add_small_day(session)
    plan = first_plan(session, day)
    plan.violations = [{"kind": "window", "message": "v1 starts late"}]
    with pytest.raises(Conflict, match="breaks 1 hard rules"):
        publish_plan(session, day.clinic.id, plan.id)
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_losing_publish_of_a_race_writes_no_message(
    migrated: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two publishes of the day read before either writes; the one that loses (``Conflict``
    from the unique index on PostgreSQL, the write lock on SQLite) rolls back its messages
    with the rest: the outbox holds the winner's only."""
    with Session(migrated) as session:
        day = add_small_day(session)
        t1, t2, v = day.therapists["t1"], day.therapists["t2"], day.visits
        a = add_routed_plan(session, day.clinic, {t1: [(v["v1"], 9 * H)]}, (v["v2"],))
        b = add_routed_plan(session, day.clinic, {t2: [(v["v2"], 9 * H)]}, (v["v1"],))
        session.commit()
        clinic_id, ids = day.clinic.id, (a.id, b.id)
    barrier = threading.Barrier(2, timeout=20)
    read_published = queries.published_plan

    def read_then_wait(session: Session, clinic_id: int, date: dt.date) -> Plan | None:
        found = read_published(session, clinic_id, date)
        barrier.wait()
        return found

    monkeypatch.setattr(service, "published_plan", read_then_wait)
    outcomes: dict[int, str] = {}

    def publish(plan_id: int) -> None:
        with Session(migrated) as session:
            try:
                publish_plan(session, clinic_id, plan_id)
            except Conflict:
                outcomes[plan_id] = "conflict"
            else:
                outcomes[plan_id] = "published"

    threads = [threading.Thread(target=publish, args=(plan_id,)) for plan_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["conflict", "published"]
    winner = next(plan_id for plan_id, outcome in outcomes.items() if outcome == "published")
    with Session(migrated) as session:
        written = session.execute(
            sa.select(OutboxMessage.plan_id, sa.func.count()).group_by(OutboxMessage.plan_id)
        ).all()
        status = session.get(Plan, winner)
        assert status is not None
        assert status.status is PlanStatus.PUBLISHED
    # The winner's one therapist and one patient, by email and webhook.
    assert dict(written) == {winner: 4}


def test_the_promise_is_a_plan_option() -> None:
    """Stored with the plan's parameters, where publishing finds it."""
    assert PlanOptions(promised_minutes=5).as_json()["promised_minutes"] == 5
    assert [fault.field for fault in PlanOptions(promised_minutes=-1).faults()] == [
        "promised_minutes"
    ]
