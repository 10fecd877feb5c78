"""The backup file (docs/format.md, "The clinic backup"): gzip'd UTF-8 text, one JSON value
a line.

The first line is the header (``format``, ``format_version``, ``schema_revision``, the clinic's
name, the row count of each table), then one line per table (its column names and its rows
as lists), then the last line ``{"sha256": ...}``: the SHA-256 of every byte before it. A line
per table keeps the file readable with ``zcat | head -1 | jq``; the checksum over the bytes,
not over a re-serialisation, lets any program check it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.errors import FieldError, InvalidRequest

FORMAT = "homevisit-clinic-backup"
FORMAT_VERSION = 1
DAMAGED = "the backup file is damaged"
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class TableRows:
    """One table of a backup: its column names and its rows, values in file form."""

    columns: tuple[str, ...]
    rows: list[list[Any]]


@dataclass(frozen=True)
class ClinicBackup:
    """A backup as it is in the file; ``tables`` in the order they are restored."""

    schema_revision: str
    clinic: str
    created_at: str
    homevisit_version: str
    tables: dict[str, TableRows]

    def counts(self) -> dict[str, int]:
        return {name: len(table.rows) for name, table in self.tables.items()}


def _line(value: Any) -> bytes:
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode() + b"\n"


def encode_backup(backup: ClinicBackup) -> bytes:
    """The file's bytes."""
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": backup.schema_revision,
        "clinic": backup.clinic,
        "created_at": backup.created_at,
        "homevisit_version": backup.homevisit_version,
        "tables": backup.counts(),
    }
    text = _line(header) + b"".join(
        _line({"table": name, "columns": list(table.columns), "rows": table.rows})
        for name, table in backup.tables.items()
    )
    return gzip.compress(text + _line({"sha256": hashlib.sha256(text).hexdigest()}))


def write_backup(backup: ClinicBackup, path: Path) -> None:
    """Write the file whole or not at all: a dump that fails leaves no half file behind,
    and an older backup at ``path`` stays until the new one is complete."""
    data = encode_backup(backup)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_backup(path: Path) -> ClinicBackup:
    """The backup in ``path``: ``InvalidRequest`` naming the problem when it is not a
    backup, of an unknown format version, truncated or damaged."""
    return decode_backup(path.read_bytes())


def decode_backup(data: bytes) -> ClinicBackup:
    """The backup in the file's bytes (see ``read_backup``)."""
    lines = _unzip(data).split(b"\n")
    if lines[-1] != b"":
        raise _damaged("file", "it does not end with a line break: it is truncated")
    lines.pop()
    header = _header(lines[0] if lines else b"")
    _check_sum(lines)
    tables = _tables(lines[1:-1], header)
    return ClinicBackup(
        schema_revision=_text(header, "schema_revision"),
        clinic=_text(header, "clinic"),
        created_at=_text(header, "created_at"),
        homevisit_version=_text(header, "homevisit_version"),
        tables=tables,
    )


def _damaged(field: str, message: str) -> InvalidRequest:
    return InvalidRequest.single(field, message, DAMAGED)


def _unzip(data: bytes) -> bytes:
    if not data.startswith(GZIP_MAGIC):
        raise InvalidRequest.single(
            "file", "is not gzip data, so not a homevisit clinic backup", "not a backup"
        )
    try:
        return gzip.decompress(data)
    except gzip.BadGzipFile as error:
        # A gzip file whose own CRC or length does not match what it holds.
        raise _damaged("file", f"the gzip data is corrupt ({error})") from None
    except EOFError:
        raise _damaged("file", "the gzip data ends early: the file is truncated") from None
    except zlib.error as error:
        raise _damaged("file", f"the gzip data is corrupt ({error})") from None


def _json(line: bytes, field: str) -> Any:
    try:
        return json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _damaged(field, f"is not JSON ({error})") from None


def _header(line: bytes) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise InvalidRequest.single(
            "format",
            f"the first line does not say {FORMAT!r}: not a homevisit clinic backup",
            "not a backup",
        )
    version = header.get("format_version")
    if version != FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        message = (
            f"is {version!r}, newer than this homevisit reads ({FORMAT_VERSION}): "
            "restore it with the homevisit that wrote it, or a later one"
            if newer
            else f"is {version!r}; this homevisit reads version {FORMAT_VERSION}"
        )
        raise InvalidRequest.single("format_version", message, "unsupported backup format")
    return header


def _check_sum(lines: list[bytes]) -> None:
    trailer = _json(lines[-1], "sha256") if len(lines) > 1 else None
    if not isinstance(trailer, dict) or set(trailer) != {"sha256"}:
        raise _damaged("sha256", "the checksum line is missing: the file is truncated")
    body = b"".join(line + b"\n" for line in lines[:-1])
    if hashlib.sha256(body).hexdigest() != trailer["sha256"]:
        raise _damaged("sha256", "the checksum does not match the contents")


def _text(header: dict[str, Any], key: str) -> str:
    value = header.get(key)
    if not isinstance(value, str) or not value:
        raise _damaged(key, "the header lacks it")
    return value


def _tables(lines: list[bytes], header: dict[str, Any]) -> dict[str, TableRows]:
    counts = header.get("tables")
    if not isinstance(counts, dict):
        raise _damaged("tables", "the header lacks the row count of each table")
    tables: dict[str, TableRows] = {}
    faults: list[FieldError] = []
    for number, line in enumerate(lines, start=2):
        item = _json(line, f"line {number}")
        if not (
            isinstance(item, dict)
            and isinstance(item.get("table"), str)
            and isinstance(item.get("columns"), list)
            and all(isinstance(name, str) for name in item["columns"])
            and isinstance(item.get("rows"), list)
            and all(isinstance(row, list) for row in item["rows"])
        ):
            raise _damaged(f"line {number}", "is not a table (table, columns, rows)")
        name = item["table"]
        if name in tables:
            faults.append(FieldError(name, f"appears twice (again on line {number})"))
        tables[name] = TableRows(tuple(item["columns"]), item["rows"])
    for name in sorted(counts.keys() | tables.keys()):
        held = len(tables[name].rows) if name in tables else None
        if counts.get(name) != held:
            faults.append(
                FieldError(
                    name, f"the header counts {counts.get(name)} rows, the file holds {held}"
                )
            )
    if faults:
        raise InvalidRequest(faults, DAMAGED)
    return tables
