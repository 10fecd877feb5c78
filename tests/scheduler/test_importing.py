"""CSV import of therapists, patients and visits, each test on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from scheduler.errors import InvalidRequest
from scheduler.exchange.importing import (
    ImportReport,
    import_patients,
    import_therapists,
    import_visits,
)
from scheduler.models import Patient, Priority, Therapist, Visit, WeeklyAvailability
from tests.scheduler.factories import add_clinic

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scheduler.models import Clinic

EXAMPLES = Path(__file__).parents[2] / "examples"
THERAPIST_HEADER = "external_id,name,discipline,home_lat,home_lon,availability\n"
VISIT_HEADER = "external_id,patient,date,duration_minutes,windows,pinned_therapist,fixed_start\n"


def example(kind: str) -> str:
    return (EXAMPLES / f"{kind}.csv").read_text(encoding="utf-8")


def import_examples(session: Session, clinic: Clinic) -> list[ImportReport]:
    return [
        import_therapists(session, clinic, example("therapists")),
        import_patients(session, clinic, example("patients")),
        import_visits(session, clinic, example("visits")),
    ]


def count(session: Session, model: type[Therapist | Patient | Visit]) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def faults(raised: pytest.ExceptionInfo[InvalidRequest]) -> list[tuple[str, str]]:
    return [(error.field, error.message) for error in raised.value.errors]


def therapist(session: Session, external_id: str) -> Therapist:
    return session.scalars(sa.select(Therapist).filter_by(external_id=external_id)).one()


def patient(session: Session, external_id: str) -> Patient:
    return session.scalars(sa.select(Patient).filter_by(external_id=external_id)).one()


@pytest.fixture
def clinic(session: Session) -> Clinic:
    """An empty clinic."""
    return add_clinic(session, "Leeds Community Therapy")


@pytest.fixture
def stocked(session: Session, clinic: Clinic) -> Clinic:
    """The clinic with the example files imported."""
    import_examples(session, clinic)
    return clinic


def test_example_files_import(session: Session, clinic: Clinic) -> None:
    reports = import_examples(session, clinic)

    assert [str(report) for report in reports] == [
        "therapists: 4 created, 0 updated",
        "patients: 12 created, 0 updated",
        "visits: 15 created, 0 updated",
    ]
    part_timer = therapist(session, "t004")
    assert part_timer.break_minutes is None
    assert [(a.weekday, a.start, a.end) for a in part_timer.availability] == [
        (day, dt.time(8), dt.time(12, 30)) for day in (0, 2, 4)
    ] + [(5, dt.time(9), dt.time(13))]
    assert therapist(session, "t002").skills == ["OT", "lymphedema", "lang:pl"]
    assert patient(session, "p006").name == "Stanisław Kowalski"
    assert [t.external_id for t in patient(session, "p005").excluded_therapists] == ["t004"]
    visits = {visit.external_id: visit for visit in session.scalars(sa.select(Visit))}
    assert visits["v004"].windows == [
        {"start": "08:30", "end": "10:30"},
        {"start": "13:00", "end": "15:00"},
    ]
    assert visits["v002"].windows == []
    assert visits["v008"].pinned_therapist == part_timer
    assert visits["v012"].fixed_start == dt.time(11)
    assert visits["v014"].priority == Priority.NORMAL
    assert {visit.date for visit in visits.values()} == {dt.date(2026, 11, 30)}


def test_reimport_updates_instead_of_duplicating(session: Session, stocked: Clinic) -> None:
    renamed = example("therapists").replace("Amira Hussain", "Amira Hussain-Shah")
    reports = [
        import_therapists(session, stocked, renamed),
        import_patients(session, stocked, example("patients")),
        import_visits(session, stocked, example("visits")),
    ]

    assert [(report.created, report.updated) for report in reports] == [(0, 4), (0, 12), (0, 15)]
    assert (count(session, Therapist), count(session, Patient), count(session, Visit)) == (
        4,
        12,
        15,
    )
    assert therapist(session, "t001").name == "Amira Hussain-Shah"
    shifts = session.scalar(sa.select(sa.func.count()).select_from(WeeklyAvailability))
    assert shifts == 19


def test_every_bad_row_is_reported_and_nothing_is_imported(
    session: Session, clinic: Clinic
) -> None:
    text = THERAPIST_HEADER + (
        "t1,Ann Lee,PT,53.8,-1.5,mon-fri 08:00-16:30\n"
        "t2,Bob Ray,PT,abc,-1.5,mon-fri 08:00-16:30\n"
        "t3,,OT,53.8,-200,mon-fri 08:00-16:30\n"
        "t1,Cy Dee,SLP,53.8,-1.5,someday 08:00-16:30\n"
    )

    with pytest.raises(InvalidRequest) as raised:
        import_therapists(session, clinic, text)

    assert faults(raised) == [
        ("line 3.home_lat", "line 3, column home_lat: 'abc' is not a number"),
        ("line 4.name", "line 4, column name: a value is required"),
        ("line 4.home_lon", "line 4, column home_lon: -200 is not between -180 and 180"),
        (
            "line 5.availability",
            "line 5, column availability: 'someday' is not a day; expected days such as "
            "mon, tue-fri or sat,sun followed by a time range such as 08:00-16:30",
        ),
        ("line 5.external_id", "line 5, column external_id: 't1' is already on line 2"),
    ]
    assert raised.value.detail == "the therapists file is not valid; nothing was imported"
    assert count(session, Therapist) == 0


def test_a_file_wrong_throughout_lists_ten_faults_and_counts_the_rest(
    session: Session, clinic: Clinic
) -> None:
    """5,000 rows with two faults each: the first ten faults, then their count."""
    rows = "".join(f"t{i},Ann,PT,north,-1.5,someday\n" for i in range(5000))

    with pytest.raises(InvalidRequest) as raised:
        import_therapists(session, clinic, THERAPIST_HEADER + rows)

    columns = ("home_lat", "availability")
    fields = [field for field, _ in faults(raised)]
    assert fields == [f"line {line}.{column}" for line in range(2, 7) for column in columns] + [""]
    assert faults(raised)[-1] == (
        "",
        "9,990 more faults are not listed (10,000 in all, on 5,000 lines)",
    )
    assert count(session, Therapist) == 0


def test_a_header_wrong_throughout_is_capped_too(session: Session, clinic: Clinic) -> None:
    header = THERAPIST_HEADER.strip() + "," + ",".join(f"extra{i}" for i in range(30))

    with pytest.raises(InvalidRequest) as raised:
        import_therapists(session, clinic, header + "\n")

    assert len(raised.value.errors) == 11
    assert faults(raised)[-1] == ("", "20 more faults are not listed (30 in all, on 1 line)")


def test_a_bad_row_leaves_stored_records_as_they_were(session: Session, stocked: Clinic) -> None:
    text = THERAPIST_HEADER + (
        "t001,Somebody Else,PT,53.8,-1.5,mon-fri 08:00-16:30\n"
        "t999,New Person,PT,53.8,-1.5,mon 25:00-26:00\n"
    )

    with pytest.raises(InvalidRequest) as raised:
        import_therapists(session, stocked, text)

    assert [field for field, _ in faults(raised)] == ["line 3.availability"]
    assert therapist(session, "t001").name == "Amira Hussain"
    assert count(session, Therapist) == 4


def test_unknown_references_are_reported(session: Session, stocked: Clinic) -> None:
    patients = (
        "external_id,name,address,excluded_therapists,preferred_therapists\n"
        "p100,New Patient,1 Main Street,t001; t998,t999\n"
    )
    visits = VISIT_HEADER + "v100,p404,2026-11-30,45,,t999,\n"

    with pytest.raises(InvalidRequest) as patient_error:
        import_patients(session, stocked, patients)
    with pytest.raises(InvalidRequest) as visit_error:
        import_visits(session, stocked, visits)

    assert faults(patient_error) == [
        (
            "line 2.excluded_therapists",
            "line 2, column excluded_therapists: no therapist with external id 't998'; "
            "import the therapists first",
        ),
        (
            "line 2.preferred_therapists",
            "line 2, column preferred_therapists: no therapist with external id 't999'; "
            "import the therapists first",
        ),
    ]
    assert [field for field, _ in faults(visit_error)] == [
        "line 2.patient",
        "line 2.pinned_therapist",
    ]
    assert "no patient with external id 'p404'" in visit_error.value.errors[0].message


@pytest.mark.usefixtures("stocked")
def test_records_of_another_clinic_are_unknown(session: Session) -> None:
    other = add_clinic(session, "Another clinic")

    report = import_therapists(session, other, example("therapists"))
    with pytest.raises(InvalidRequest) as raised:
        import_visits(session, other, VISIT_HEADER + "v1,p001,2026-11-30,45,,,\n")

    assert (report.created, report.updated) == (4, 0)
    assert count(session, Therapist) == 8
    assert [field for field, _ in faults(raised)] == ["line 2.patient"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "external_id,name,discipline,home_lat,home_lon,availability,colour",
            [("line 1.colour", "unknown column; the columns are external_id, name, ")],
        ),
        (
            "external_id,name,discipline,home_lat,availability",
            [("line 1.home_lon", "this required column is missing")],
        ),
        (
            "external_id,name,name,discipline,home_lat,home_lon,availability",
            [("line 1.name", "the column appears twice")],
        ),
        (
            "external_id,name,discipline,home_lat,home_lon,availability,break_minutes",
            [("line 1.break_earliest", "come together; missing break_earliest, break_latest_end")],
        ),
    ],
)
def test_header_faults(
    session: Session, clinic: Clinic, header: str, expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        import_therapists(session, clinic, header + "\nt1,A,PT,53.8,-1.5,mon 08:00-12:00\n")

    assert [field for field, _ in faults(raised)] == [field for field, _ in expected]
    for (_, message), (_, part) in zip(faults(raised), expected, strict=True):
        assert part in message


def test_an_empty_file_is_reported(session: Session, clinic: Clinic) -> None:
    with pytest.raises(InvalidRequest) as raised:
        import_visits(session, clinic, "")

    assert faults(raised) == [
        ("line 1", "line 1: the file is empty; the first line must name the columns")
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("travel_mode", "hovercraft", "'hovercraft' is not one of car, bicycle, walking, transit"),
        ("max_visits", "8.5", "'8.5' is not a whole number"),
        ("max_visits", "0", "0 is not between 1 and 1000"),
        ("break_earliest", "11.30", "'11.30' is not a time in HH:MM format (00:00 to 23:59)"),
        ("break_minutes", "200", "a 200-minute break does not fit between 11:30 and 14:00"),
        (
            "break_latest_end",
            "",
            "a break needs break_earliest, break_latest_end and break_minutes",
        ),
        ("availability", "mon 08:00-12:00; mon 11:00-15:00", "two shifts overlap on mon"),
        ("availability", "mon-fri 16:30-08:00", "'16:30-08:00' ends before it starts"),
        ("email", "ann.lee at clinic", "'ann.lee at clinic' is not an email address"),
        ("max_week_minutes", "40h", "'40h' is not a whole number"),
        ("max_week_minutes", "0", "0 is not between 1 and 10080"),
        ("max_week_minutes", "10081", "10081 is not between 1 and 10080"),
        (
            "max_week_minutes",
            "479",
            "479 is less than max_work_minutes (480): a week's cap must be at least one day's",
        ),
    ],
)
def test_therapist_cell_faults(
    session: Session, clinic: Clinic, column: str, value: str, message: str
) -> None:
    cells = {
        "external_id": "t1",
        "name": "Ann Lee",
        "discipline": "PT",
        "home_lat": "53.8",
        "home_lon": "-1.5",
        "availability": "mon-fri 08:00-16:30",
        "travel_mode": "car",
        "max_visits": "8",
        "max_work_minutes": "480",
        "max_week_minutes": "2400",
        "break_earliest": "11:30",
        "break_latest_end": "14:00",
        "break_minutes": "30",
    }
    cells[column] = value
    text = ",".join(cells) + "\n" + ",".join(f'"{cell}"' for cell in cells.values()) + "\n"

    with pytest.raises(InvalidRequest) as raised:
        import_therapists(session, clinic, text)

    assert faults(raised) == [(f"line 2.{column}", f"line 2, column {column}: {message}")]


@pytest.mark.parametrize(
    ("cells", "field", "message"),
    [
        ("v1;v2,p001,2026-11-30,45,,,", "external_id", "contains ';', which separates ids"),
        ("v1,p001,30/11/2026,45,,,", "date", "'30/11/2026' is not a date (YYYY-MM-DD)"),
        ("v1,p001,9999-12-31,45,,,", "date", "9999-12-31 is outside the dates the service plans"),
        ("v1,p001,1999-12-31,45,,,", "date", "(from 2000-01-01 to 2099-12-31)"),
        ("v1,p001,2026-11-30,0,,,", "duration_minutes", "0 is not between 1 and 1440"),
        ("v1,p001,2026-11-30,45,09:00-08:00,,", "windows", "'09:00-08:00' ends before it starts"),
        ("v1,p001,2026-11-30,45,9-10,,", "windows", "'9' is not a time in HH:MM format"),
        (
            "v1,p001,2026-11-30,45,09:00-10:00,,11:00",
            "fixed_start",
            "11:00 is outside every one of the visit's windows",
        ),
    ],
)
def test_visit_cell_faults(
    session: Session, stocked: Clinic, cells: str, field: str, message: str
) -> None:
    with pytest.raises(InvalidRequest) as raised:
        import_visits(session, stocked, VISIT_HEADER + cells + "\n")

    [(error_field, error_message)] = faults(raised)
    assert error_field == f"line 2.{field}"
    assert message in error_message


def test_line_numbers_count_lines_of_quoted_cells(session: Session, stocked: Clinic) -> None:
    """A note spanning three lines moves the next row to line 5."""
    text = (
        "external_id,name,address,access_notes,lat,lon\n"
        'p100,Ann Lee,"1 Main Street","Key safe.\nCode 1234.\nDog.",53.8,-1.5\n'
        "p101,Bob Ray,2 Main Street,,53.8,\n"
    )

    with pytest.raises(InvalidRequest) as raised:
        import_patients(session, stocked, text)

    assert faults(raised) == [
        (
            "line 5.lon",
            "line 5, column lon: empty while lat is given; give both coordinates or neither",
        )
    ]


def test_utf8_bytes_with_a_byte_order_mark(session: Session, clinic: Clinic) -> None:
    data = ("\ufeff" + THERAPIST_HEADER + "t1,Zoë Brontë,PT,53.8,-1.5,sat 09:00-13:00\n").encode()

    report = import_therapists(session, clinic, data)

    assert report.created == 1
    assert therapist(session, "t1").name == "Zoë Brontë"


def test_the_discipline_counts_as_a_skill(session: Session, clinic: Clinic) -> None:
    header = THERAPIST_HEADER.strip() + ",skills\n"

    import_therapists(
        session, clinic, header + "t1,Ann Lee,PT,53.8,-1.5,mon 08:00-12:00,lymphedema\n"
    )

    assert therapist(session, "t1").skills == ["PT", "lymphedema"]


def test_undecodable_bytes_name_the_line(session: Session, clinic: Clinic) -> None:
    data = THERAPIST_HEADER.encode() + b"t1,Zo\xeb,PT,53.8,-1.5,sat 09:00-13:00\n"

    with pytest.raises(InvalidRequest) as raised:
        import_therapists(session, clinic, data)

    assert [field for field, _ in faults(raised)] == ["line 2"]


def test_a_left_out_column_keeps_stored_values(session: Session, stocked: Clinic) -> None:
    import_therapists(
        session, stocked, THERAPIST_HEADER + "t002,Tomasz Nowak,OT,53.8,-1.6,mon 08:00-12:00\n"
    )

    kept = therapist(session, "t002")
    assert (kept.max_visits, kept.break_minutes, kept.overtime_minutes) == (8, 30, 30)
    assert kept.skills == ["OT", "lymphedema", "lang:pl"]
    assert [(a.weekday, a.start, a.end) for a in kept.availability] == [
        (0, dt.time(8), dt.time(12))
    ]


def test_empty_cells_set_defaults(session: Session, stocked: Clinic) -> None:
    header = (
        THERAPIST_HEADER.strip() + ",max_visits,break_earliest,break_latest_end,break_minutes\n"
    )

    import_therapists(
        session, stocked, header + "t002,Tomasz Nowak,OT,53.8,-1.6,mon 08:00-12:00,,,,\n"
    )

    cleared = therapist(session, "t002")
    assert (cleared.max_visits, cleared.break_earliest, cleared.break_minutes) == (None, None, None)


WEEK_CAP_HEADER = THERAPIST_HEADER.strip() + ",max_work_minutes,max_week_minutes\n"


@pytest.mark.parametrize(
    ("caps", "stored"), [("480,2400", (480, 2400)), ("480,480", (480, 480)), (",", (None, None))]
)
def test_the_week_cap_column_is_imported(
    session: Session, clinic: Clinic, caps: str, stored: tuple[int | None, int | None]
) -> None:
    """At least the day's cap, or empty for none."""
    import_therapists(
        session, clinic, WEEK_CAP_HEADER + f"t1,A,PT,53.8,-1.5,mon 08:00-12:00,{caps}\n"
    )

    imported = therapist(session, "t1")
    assert (imported.max_work_minutes, imported.max_week_minutes) == stored


def test_the_caps_are_checked_against_the_stored_ones(session: Session, stocked: Clinic) -> None:
    """t002 keeps max_work_minutes 480 when the file leaves the column out, and the week's
    cap it then gets when a later file leaves that out; either way the fault is the week's."""
    row = "t002,Tomasz Nowak,OT,53.8,-1.6,mon 08:00-12:00,{}\n"
    week_file = THERAPIST_HEADER.strip() + ",max_week_minutes\n" + row
    day_file = THERAPIST_HEADER.strip() + ",max_work_minutes\n" + row

    with pytest.raises(InvalidRequest) as week_below:
        import_therapists(session, stocked, week_file.format(300))
    import_therapists(session, stocked, week_file.format(600))
    with pytest.raises(InvalidRequest) as day_above:
        import_therapists(session, stocked, day_file.format(720))
    import_therapists(session, stocked, day_file.format(600))

    assert faults(week_below) == [
        (
            "line 2.max_week_minutes",
            "line 2, column max_week_minutes: 300 is less than max_work_minutes (480): "
            "a week's cap must be at least one day's",
        )
    ]
    assert faults(day_above) == [
        (
            "line 2.max_week_minutes",
            "line 2, column max_week_minutes: 600 is less than max_work_minutes (720): "
            "a week's cap must be at least one day's",
        )
    ]
    kept = therapist(session, "t002")
    assert (kept.max_work_minutes, kept.max_week_minutes) == (600, 600)


def test_a_left_out_week_cap_is_kept(session: Session, stocked: Clinic) -> None:
    """Importing the example file again (no max_week_minutes column) keeps the cap."""
    therapist(session, "t001").max_week_minutes = 2400

    import_therapists(session, stocked, example("therapists"))

    assert therapist(session, "t001").max_week_minutes == 2400


def test_coordinates_stay_unless_the_address_changes(session: Session, stocked: Clinic) -> None:
    header = "external_id,name,address,lat,lon\n"
    same_address = '"27 Cardigan Road, Headingley, Leeds LS6"'
    import_patients(session, stocked, f"{header}p001,Margaret Wilson,{same_address},,\n")
    kept = (patient(session, "p001").lat, patient(session, "p001").lon)

    import_patients(session, stocked, f"{header}p001,Margaret Wilson,4 New Street,,\n")

    assert kept == (53.81893, -1.57482)
    assert (patient(session, "p001").lat, patient(session, "p001").lon) == (None, None)


def test_contact_details_import_and_empty_cells_clear_them(
    session: Session, stocked: Clinic
) -> None:
    """The outbox's addresses: email and phone of therapists, email of patients."""
    import_therapists(
        session,
        stocked,
        THERAPIST_HEADER.strip()
        + ",email,phone\n"
        + "t002,Tomasz Nowak,OT,53.8,-1.6,mon 08:00-12:00,tomasz@clinic.example,0113 496 0001\n",
    )
    import_patients(
        session, stocked, "external_id,name,address,email\np100,Ann Lee,1 Main St,ann@example.org\n"
    )
    assert (therapist(session, "t002").email, therapist(session, "t002").phone) == (
        "tomasz@clinic.example",
        "0113 496 0001",
    )
    assert patient(session, "p100").email == "ann@example.org"

    import_patients(session, stocked, "external_id,name,address,email\np100,Ann Lee,1 Main St,\n")

    assert patient(session, "p100").email is None


def test_a_patient_may_not_prefer_an_excluded_therapist(session: Session, stocked: Clinic) -> None:
    text = (
        "external_id,name,address,excluded_therapists,preferred_therapists\n"
        "p100,Ann Lee,1 Main Street,t001,t002; t001\n"
    )

    with pytest.raises(InvalidRequest) as raised:
        import_patients(session, stocked, text)

    assert faults(raised) == [
        (
            "line 2.preferred_therapists",
            "line 2, column preferred_therapists: 't001' is also in excluded_therapists",
        )
    ]
