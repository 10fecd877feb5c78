"""The backup file: what it holds line by line, and the files a restore refuses before it
looks at a database (not gzip, truncated, damaged, another format version, bad values)."""

from __future__ import annotations

import gzip
import hashlib
import json
from typing import TYPE_CHECKING, Any

import pytest

from scheduler.backup import dump_clinic, read_backup, write_backup
from scheduler.backup.checks import MAX_FAULTS, check_contents
from scheduler.backup.fileformat import ClinicBackup, TableRows, decode_backup, encode_backup
from scheduler.errors import InvalidRequest
from scheduler.models import Base
from tests.scheduler.backup_factories import add_backed_up_clinic

if TYPE_CHECKING:
    from pathlib import Path

    from sqlalchemy.orm import Session


def _small() -> ClinicBackup:
    """Two tables of the file's own structure; no checks of the contents apply here."""
    return ClinicBackup(
        schema_revision="0005",
        clinic="Clinica Andorra",
        created_at="2026-11-30T07:00:00+00:00",
        homevisit_version="0.1.0",
        tables={
            "clinics": TableRows(("id", "name"), [[4, "Clinica Andorra"]]),
            "therapists": TableRows(("id", "name"), [[1, "Ana\nMaria"], [2, "Jordi"]]),
        },
    )


def _lines(data: bytes) -> list[Any]:
    return [json.loads(line) for line in gzip.decompress(data).splitlines()]


def _regzip(data: bytes, edit: Any) -> bytes:
    """The file with its text changed by ``edit`` and compressed again (a valid gzip)."""
    return gzip.compress(edit(gzip.decompress(data)))


def test_the_file_is_a_header_a_line_per_table_and_a_checksum() -> None:
    data = encode_backup(_small())
    header, clinics, therapists, trailer = _lines(data)
    assert header == {
        "format": "homevisit-clinic-backup",
        "format_version": 1,
        "schema_revision": "0005",
        "clinic": "Clinica Andorra",
        "created_at": "2026-11-30T07:00:00+00:00",
        "homevisit_version": "0.1.0",
        "tables": {"clinics": 1, "therapists": 2},
    }
    assert clinics == {
        "table": "clinics",
        "columns": ["id", "name"],
        "rows": [[4, "Clinica Andorra"]],
    }
    assert therapists["rows"][0] == [1, "Ana\nMaria"]
    text = gzip.decompress(data)
    body = text[: text.rindex(b"\n", 0, len(text) - 1) + 1]
    assert trailer == {"sha256": hashlib.sha256(body).hexdigest()}
    assert decode_backup(data) == _small()


def test_writing_replaces_the_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "clinic.homevisit.gz"
    path.write_bytes(b"an older backup")
    write_backup(_small(), path)
    assert read_backup(path) == _small()
    assert [p.name for p in tmp_path.iterdir()] == ["clinic.homevisit.gz"]


def _refusal(data: bytes) -> tuple[str, list[str]]:
    with pytest.raises(InvalidRequest) as refused:
        decode_backup(data)
    return refused.value.detail, [str(fault) for fault in refused.value.errors]


def _checksum_of_edited(text: bytes) -> bytes:
    return text.replace(b"Jordi", b"Jorge")


def _newer_version(text: bytes) -> bytes:
    return text.replace(b'"format_version":1', b'"format_version":2', 1)


@pytest.mark.parametrize(
    ("damage", "detail", "fault"),
    [
        pytest.param(
            lambda _: b"id,name\n1,Ana\n",
            "not a backup",
            "file: is not gzip data, so not a homevisit clinic backup",
            id="a CSV file",
        ),
        pytest.param(
            lambda data: data[: len(data) // 2],
            "the backup file is damaged",
            "file: the gzip data ends early: the file is truncated",
            id="cut in the middle",
        ),
        pytest.param(
            lambda data: _regzip(data, lambda text: text[: text.rindex(b"\n", 0, -1) + 1]),
            "the backup file is damaged",
            "sha256: the checksum line is missing: the file is truncated",
            id="cut after a line",
        ),
        pytest.param(
            lambda data: _regzip(data, _checksum_of_edited),
            "the backup file is damaged",
            "sha256: the checksum does not match the contents",
            id="a name edited",
        ),
        pytest.param(
            lambda data: _regzip(data, _newer_version),
            "unsupported backup format",
            "format_version: is 2, newer than this homevisit reads (1): restore it with the "
            "homevisit that wrote it, or a later one",
            id="a newer format",
        ),
        pytest.param(
            lambda _: gzip.compress(b'{"format": "something else"}\n'),
            "not a backup",
            "format: the first line does not say 'homevisit-clinic-backup': "
            "not a homevisit clinic backup",
            id="another program's JSON",
        ),
    ],
)
def test_a_file_that_is_not_a_whole_backup_is_refused_naming_why(
    damage: Any, detail: str, fault: str
) -> None:
    assert _refusal(damage(encode_backup(_small()))) == (detail, [fault])


def test_a_flipped_byte_is_caught_by_gzip_or_by_the_checksum() -> None:
    data = bytearray(encode_backup(_small()))
    data[len(data) // 2] ^= 0x40
    detail, _ = _refusal(bytes(data))
    assert detail == "the backup file is damaged"


def test_a_table_the_header_does_not_count_is_refused() -> None:
    text = gzip.decompress(encode_backup(_small()))
    lines = text.split(b"\n")
    del lines[2]  # the therapists' line; the checksum is made again to match
    body = b"\n".join(lines[:-2]) + b"\n"
    trailer = json.dumps({"sha256": hashlib.sha256(body).hexdigest()}).encode()
    detail, faults = _refusal(gzip.compress(body + trailer + b"\n"))
    assert (detail, faults) == (
        "the backup file is damaged",
        ["therapists: the header counts 2 rows, the file holds None"],
    )


def _dump(session: Session) -> ClinicBackup:
    return dump_clinic(session, add_backed_up_clinic(session).clinic_id)


def _set(backup: ClinicBackup, table: str, row: int, column: str, value: Any) -> None:
    rows = backup.tables[table]
    rows.rows[row][rows.columns.index(column)] = value


def test_values_that_do_not_fit_their_columns_are_refused_by_field(session: Session) -> None:
    backup = _dump(session)
    _set(backup, "visits", 0, "date", "30/11/2026")
    _set(backup, "visits", 1, "priority", "urgent")
    _set(backup, "visits", 2, "checked_in_at", "2026-11-30T09:00:00")
    _set(backup, "therapists", 0, "home_lat", "42.5")
    _set(backup, "therapists", 1, "external_id", "x" * 101)
    _set(backup, "patients", 0, "name", None)
    with pytest.raises(InvalidRequest) as refused:
        check_contents(backup, Base.metadata)
    assert sorted(str(fault) for fault in refused.value.errors) == [
        "patients[0].name: is missing (null) where the column needs a value",
        "therapists[0].home_lat: is '42.5', not a number",
        "therapists[1].external_id: is 101 characters long, more than the column's 100",
        "visits[0].date: is '30/11/2026', not a date YYYY-MM-DD",
        "visits[1].priority: is 'urgent', not one of must, high, normal, low",
        "visits[2].checked_in_at: is '2026-11-30T09:00:00', a timestamp without a UTC offset",
    ]


def test_repeated_keys_and_a_second_clinic_are_refused(session: Session) -> None:
    backup = _dump(session)
    therapists = backup.tables["therapists"]
    at = therapists.columns.index("external_id")
    therapists.rows[1][at] = therapists.rows[0][at]
    clinics = backup.tables["clinics"]
    clinics.rows.append([clinics.rows[0][0] + 1, *clinics.rows[0][1:]])
    with pytest.raises(InvalidRequest) as refused:
        check_contents(backup, Base.metadata)
    assert [str(fault) for fault in refused.value.errors] == [
        "clinics: holds 2 rows; a backup is of one clinic",
        "therapists[1]: repeats (clinic_id, external_id) of therapists[0]",
    ]


def test_a_file_broken_everywhere_lists_the_first_faults_only(session: Session) -> None:
    backup = _dump(session)
    visits = backup.tables["visits"]
    at = visits.columns.index("date")
    for _ in range(30):
        visits.rows.append(list(visits.rows[0]))
    for row in visits.rows:
        row[at] = "never"
    with pytest.raises(InvalidRequest) as refused:
        check_contents(backup, Base.metadata)
    assert len(refused.value.errors) == MAX_FAULTS + 1
    assert str(refused.value.errors[-1]) == f"and {len(visits.rows) - MAX_FAULTS} more faults"


def test_a_column_this_revision_does_not_have_is_refused(session: Session) -> None:
    backup = _dump(session)
    clinics = backup.tables["clinics"]
    backup.tables["clinics"] = TableRows((*clinics.columns, "colour"), [[*clinics.rows[0], "red"]])
    with pytest.raises(InvalidRequest) as refused:
        check_contents(backup, Base.metadata)
    (fault,) = refused.value.errors
    assert fault.field == "clinics"
    assert "'colour'" in fault.message
