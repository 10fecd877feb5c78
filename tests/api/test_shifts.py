"""/therapists/{id}/availability and /therapists/{id}/exceptions: the week and its exceptions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from scheduler.models import Role
from scheduler.planning.build import shift_on
from tests.api.callers import Caller, caller, fields
from tests.scheduler.factories import DAY, add_therapist

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from scheduler.models import Therapist

MONDAY = {"weekday": 0, "start": "08:00", "end": "16:30"}


@pytest.fixture
def staff(session: Session) -> Caller:
    """A coordinator of a fresh clinic."""
    return caller(session)


@pytest.fixture
def therapist(session: Session, staff: Caller) -> Therapist:
    """A therapist of the coordinator's clinic, without shifts."""
    return add_therapist(session, staff.clinic)


def week_url(therapist: Therapist) -> str:
    return f"/therapists/{therapist.id}/availability"


def test_the_week_is_replaced_whole_and_read_in_order(
    client: TestClient, staff: Caller, therapist: Therapist
) -> None:
    """Split shifts on one day are fine, touching ones too."""
    shifts = [
        {"weekday": 2, "start": "13:00", "end": "17:00"},
        {"weekday": 2, "start": "8:00", "end": "13:00"},
        MONDAY,
    ]
    response = client.put(week_url(therapist), headers=staff.headers, json={"shifts": shifts})
    assert response.status_code == 200
    expected = [MONDAY, {**shifts[1], "start": "08:00"}, shifts[0]]
    assert response.json() == {"shifts": expected}
    assert client.get(week_url(therapist), headers=staff.headers).json() == {"shifts": expected}
    emptied = client.put(week_url(therapist), headers=staff.headers, json={"shifts": []})
    assert emptied.json() == {"shifts": []}


@pytest.mark.parametrize(
    ("shifts", "field"),
    [
        ([{**MONDAY, "weekday": 7}], "shifts[0].weekday"),
        ([{**MONDAY, "start": "8am"}], "shifts[0].start"),
        ([MONDAY, {**MONDAY, "end": "08:00"}], "shifts[1].end"),
        ([MONDAY, {"weekday": 0, "start": "16:00", "end": "18:00"}], "shifts[1].start"),
        ([{**MONDAY, "day": "mon"}], "shifts[0].day"),
    ],
)
def test_a_bad_week_is_422_and_changes_nothing(
    client: TestClient,
    staff: Caller,
    therapist: Therapist,
    shifts: list[dict[str, Any]],
    field: str,
) -> None:
    client.put(week_url(therapist), headers=staff.headers, json={"shifts": [MONDAY]})
    response = client.put(week_url(therapist), headers=staff.headers, json={"shifts": shifts})
    assert response.status_code == 422
    assert fields(response.json()) == {field}
    assert client.get(week_url(therapist), headers=staff.headers).json() == {"shifts": [MONDAY]}


def test_leave_and_changed_shifts_are_what_the_planner_reads(
    client: TestClient, staff: Caller, therapist: Therapist
) -> None:
    client.put(week_url(therapist), headers=staff.headers, json={"shifts": [MONDAY]})
    url = f"/therapists/{therapist.id}/exceptions"
    next_monday = DAY + dt.timedelta(days=7)
    leave = client.post(url, headers=staff.headers, json={"date": DAY.isoformat(), "kind": "leave"})
    changed = client.post(
        url,
        headers=staff.headers,
        json={"date": next_monday.isoformat(), "kind": "changed", "start": "12:00", "end": "18:00"},
    )
    assert (leave.status_code, changed.status_code) == (201, 201)
    assert leave.json() == {
        "id": leave.json()["id"],
        "therapist_id": therapist.id,
        "date": DAY.isoformat(),
        "kind": "leave",
        "start": None,
        "end": None,
    }
    assert shift_on(therapist, DAY) is None
    assert shift_on(therapist, next_monday) == (12 * 3600, 18 * 3600)
    listed = client.get(url, headers=staff.headers, params={"date_from": next_monday.isoformat()})
    assert [item["kind"] for item in listed.json()] == ["changed"]
    deleted = client.delete(f"{url}/{leave.json()['id']}", headers=staff.headers)
    assert deleted.status_code == 204
    assert shift_on(therapist, DAY) == (8 * 3600, 16 * 3600 + 1800)


def test_a_second_exception_on_a_date_is_a_conflict(
    client: TestClient, staff: Caller, therapist: Therapist
) -> None:
    url = f"/therapists/{therapist.id}/exceptions"
    first = client.post(url, headers=staff.headers, json={"date": "2026-12-24", "kind": "leave"})
    again = client.post(
        url,
        headers=staff.headers,
        json={"date": "2026-12-24", "kind": "changed", "start": "09:00", "end": "12:00"},
    )
    assert again.status_code == 409
    assert again.json()["detail"] == (
        f"therapist 't1' already has exception {first.json()['id']} on 2026-12-24;"
        " delete it first to replace it"
    )


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"kind": "leave", "start": "09:00"}, {"start"}),
        ({"kind": "changed", "start": "09:00"}, {"end"}),
        ({"kind": "changed"}, {"start", "end"}),
        ({"kind": "changed", "start": "12:00", "end": "12:00"}, {"end"}),
        ({"kind": "sick"}, {"kind"}),
    ],
)
def test_an_exception_has_times_only_when_changed(
    client: TestClient,
    staff: Caller,
    therapist: Therapist,
    body: dict[str, Any],
    errors: set[str],
) -> None:
    response = client.post(
        f"/therapists/{therapist.id}/exceptions",
        headers=staff.headers,
        json={"date": "2026-12-01", **body},
    )
    assert response.status_code == 422
    assert fields(response.json()) == errors


def test_exceptions_of_other_therapists_and_clinics_are_404(
    client: TestClient, session: Session, staff: Caller, therapist: Therapist
) -> None:
    colleague = add_therapist(session, staff.clinic, "t2")
    url = f"/therapists/{colleague.id}/exceptions"
    theirs = client.post(url, headers=staff.headers, json={"date": "2026-12-24", "kind": "leave"})
    wrong = f"/therapists/{therapist.id}/exceptions/{theirs.json()['id']}"
    assert client.delete(wrong, headers=staff.headers).status_code == 404
    stranger = caller(session)
    response = client.get(url, headers=stranger.headers)
    assert response.status_code == 404
    assert response.json()["detail"] == f"therapist {colleague.id} not found"
    blocked = client.post(
        url, headers=stranger.headers, json={"date": "2026-12-25", "kind": "leave"}
    )
    assert blocked.status_code == 404


def test_a_therapist_login_may_not_edit_shifts(
    client: TestClient, session: Session, therapist: Therapist, staff: Caller
) -> None:
    own = caller(session, Role.THERAPIST, staff.clinic)
    assert client.get(week_url(therapist), headers=own.headers).status_code == 403
    response = client.put(week_url(therapist), headers=own.headers, json={"shifts": []})
    assert response.status_code == 403


def test_an_exception_range_that_ends_before_it_starts_is_refused(
    client: TestClient, staff: Caller, therapist: Therapist
) -> None:
    """As for visits: a backwards range is a mistake to report, not an empty answer."""
    response = client.get(
        f"/therapists/{therapist.id}/exceptions",
        headers=staff.headers,
        params={"date_from": "2026-12-31", "date_to": "2026-12-01"},
    )
    assert response.status_code == 422
    assert fields(response.json()) == {"date_to"}
