"""Reading a CSV file of records row by row, collecting every fault with its line and column.

``read_table`` checks the header against the known columns and returns the data rows, each
with the line it starts on (a quoted cell may span lines). ``RowCells`` reads one row's cells
through small parsers (``number``, ``integer``, ``clock``, ``windows``, ``availability``
...); a parser raises ``CellError`` and the row records a ``FieldError`` with field
``line 7.home_lat`` and the message ``line 7, column home_lat: 'abc' is not a number``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from scheduler.errors import FieldError, InvalidRequest
from scheduler.records.limits import too_many
from scheduler.records.values import WEEKDAYS, date_fault
from solver.clock import parse_hhmm, time_of_day

if TYPE_CHECKING:
    from _csv import Reader
    from collections.abc import Callable, Collection, Iterator, Sequence

    from scheduler.models import Window

T = TypeVar("T")
D = TypeVar("D")

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SHIFT = re.compile(r"(\D+?)\s*(\d.*)")
_FULL_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LIST_SEPARATOR = ";"
# A file wrong throughout would otherwise answer with megabytes of faults (the problem
# JSON's matrix check stops at as many rows).
MAX_FAULTS_REPORTED = 10


class FaultReport:
    """The first ``MAX_FAULTS_REPORTED`` faults of a file, and a count of all of them and of
    the lines they are on; the faults past the first are counted, not kept."""

    def __init__(self) -> None:
        self.listed: list[FieldError] = []
        self.total = 0
        self.lines = 0

    def add(self, errors: Sequence[FieldError]) -> None:
        """The faults of one line."""
        if errors:
            self.total += len(errors)
            self.lines += 1
            self.listed.extend(errors[: MAX_FAULTS_REPORTED - len(self.listed)])

    @property
    def errors(self) -> list[FieldError]:
        """The faults listed, then one that counts those left out."""
        hidden = self.total - len(self.listed)
        if not hidden:
            return list(self.listed)
        lines = f"{self.lines:,} line{'s' if self.lines != 1 else ''}"
        summary = f"{hidden:,} more faults are not listed ({self.total:,} in all, on {lines})"
        return [*self.listed, FieldError("", summary)]


class CellError(ValueError):
    """A cell's value is wrong; the message says why, without the line and column."""


@dataclass(frozen=True)
class Columns:
    """The columns of one kind of file: ``required`` ones must be in the header (and filled);
    ``optional`` ones may be left out. Each group of ``together`` comes all or not at all."""

    required: tuple[str, ...]
    optional: tuple[str, ...]
    together: tuple[tuple[str, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


@dataclass(frozen=True)
class Table:
    """The header's column names and the data rows (blank rows left out)."""

    columns: frozenset[str]
    rows: tuple[RowCells, ...]


def read_table(text: str | bytes, columns: Columns, detail: str) -> Table:
    """The rows of a CSV file (UTF-8, optional BOM, header row first).

    Raises ``InvalidRequest`` (with ``detail``) for an undecodable or empty file and for
    header faults: unknown, repeated or missing columns. Cell faults are left to the rows.
    """
    lines = _decode(text, detail)
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        header_line = reader.line_num
        if header is None:
            raise InvalidRequest.single(
                "line 1", "line 1: the file is empty; the first line must name the columns", detail
            )
        names = [name.strip().lower() for name in header]
        report = FaultReport()
        report.add(_header_errors(names, header_line, columns))
        if report.total:
            raise InvalidRequest(report.errors, detail)
        rows = tuple(_rows(reader, names))
    except csv.Error as error:
        line = reader.line_num
        raise InvalidRequest.single(
            f"line {line}", f"line {line}: the CSV cannot be read ({error})", detail
        ) from None
    return Table(frozenset(name for name in names if name), rows)


def _decode(text: str | bytes, detail: str) -> io.StringIO:
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise InvalidRequest.single(
                f"line {line}", f"line {line}: the file is not UTF-8 text ({error.reason})", detail
            ) from None
    # The csv module passes NUL through, and PostgreSQL refuses it in text columns.
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise InvalidRequest.single(
            f"line {line}",
            f"line {line}: the file holds a NUL character; CSV text has none",
            detail,
        )
    return io.StringIO(text.removeprefix("\ufeff"), newline="")


def _header_errors(names: list[str], line: int, columns: Columns) -> list[FieldError]:
    errors: list[FieldError] = []
    known = ", ".join(columns.names)
    seen: set[str] = set()
    for name in names:
        if not name:
            continue
        if name not in columns.names:
            errors.append(_header_error(line, name, f"unknown column; the columns are {known}"))
        elif name in seen:
            errors.append(_header_error(line, name, "the column appears twice"))
        seen.add(name)
    for name in columns.required:
        if name not in seen:
            errors.append(_header_error(line, name, "this required column is missing"))
    for group in columns.together:
        given = [name for name in group if name in seen]
        if given and len(given) < len(group):
            missing = ", ".join(name for name in group if name not in seen)
            message = f"the columns {', '.join(group)} come together; missing {missing}"
            errors.append(_header_error(line, group[0], message))
    return errors


def _header_error(line: int, name: str, message: str) -> FieldError:
    return FieldError(f"line {line}.{name}", f"line {line}, column {name}: {message}")


def _rows(reader: Reader, names: list[str]) -> Iterator[RowCells]:
    line = reader.line_num
    for cells in reader:
        # A quoted cell may span lines: the row starts on the line after the previous row.
        first_line, line = line + 1, reader.line_num
        values = [cell.strip() for cell in cells]
        if not any(values):
            continue
        row = RowCells(first_line, {})
        for index, value in enumerate(values):
            name = names[index] if index < len(names) else ""
            if name:
                row.cells[name] = value
            elif value:
                row.fail_row(f"the cell {value!r} in column {index + 1} has no column name")
        yield row


class RowCells:
    """One data row: its line, its stripped cells by column name, and the faults found."""

    def __init__(self, line: int, cells: dict[str, str]) -> None:
        self.line = line
        self.cells = cells
        self.errors: list[FieldError] = []

    def has(self, column: str) -> bool:
        """Whether the file has ``column`` at all (a column left out keeps stored values)."""
        return column in self.cells

    def cell(self, column: str) -> str:
        """The stripped cell; "" when it is empty or the file has no such column."""
        return self.cells.get(column, "")

    def fail(self, column: str, message: str) -> None:
        self.errors.append(
            FieldError(
                f"line {self.line}.{column}", f"line {self.line}, column {column}: {message}"
            )
        )

    def fail_row(self, message: str) -> None:
        self.errors.append(FieldError(f"line {self.line}", f"line {self.line}: {message}"))

    def need(self, column: str, parse: Callable[[str], T]) -> T | None:
        """The parsed cell of a required column; None when it is empty or wrong (recorded)."""
        if not self.cell(column):
            self.fail(column, "a value is required")
            return None
        return self.get(column, parse, None)

    def get(self, column: str, parse: Callable[[str], T], default: D) -> T | D:
        """The parsed cell; ``default`` when it is empty, absent or wrong (fault recorded)."""
        value = self.cell(column)
        if not value:
            return default
        try:
            return parse(value)
        except CellError as error:
            self.fail(column, str(error))
            return default


# --- parsers: each takes a stripped, non-empty cell --------------------------------------


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"the value is {len(value)} characters long; at most {max_length}")
        return value

    return parse


def bounded(noun: str, limit: int, parse: Callable[[str], list[T]]) -> Callable[[str], list[T]]:
    """``parse`` for a ``;``-separated list of at most ``limit`` items (``noun``, plural),
    refused in the words the API uses (``scheduler.records.limits.too_many``). The items
    are counted before ``parse`` reads them, and what it returns is counted again (a day
    range such as ``mon-fri`` is several shifts)."""

    def refuse_beyond_limit(count: int) -> None:
        if message := too_many(count, noun, limit):
            raise CellError(message)

    def parse_bounded(value: str) -> list[T]:
        refuse_beyond_limit(len(items(value)))
        parsed = parse(value)
        refuse_beyond_limit(len(parsed))
        return parsed

    return parse_bounded


def texts(max_length: int) -> Callable[[str], list[str]]:
    """A list of ``items``, each of at most ``max_length`` characters."""

    def parse(value: str) -> list[str]:
        listed = items(value)
        for item in listed:
            if len(item) > max_length:
                raise CellError(f"{item!r} is {len(item)} characters long; at most {max_length}")
        return listed

    return parse


def number(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        if not _DECIMAL.fullmatch(value):
            raise CellError(f"{value!r} is not a number")
        result = float(value)
        if not low <= result <= high:
            raise CellError(f"{value} is not between {low:g} and {high:g}")
        return result

    return parse


def integer(minimum: int, maximum: int = 10**6) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not _INTEGER.fullmatch(value):
            raise CellError(f"{value!r} is not a whole number")
        result = int(value)
        if not minimum <= result <= maximum:
            raise CellError(f"{result} is not between {minimum} and {maximum}")
        return result

    return parse


def choice(options: Collection[str]) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value.lower() not in options:
            raise CellError(f"{value!r} is not one of {', '.join(options)}")
        return value.lower()

    return parse


def clock(value: str) -> dt.time:
    """``HH:MM`` (``9:00`` too), 00:00 to 23:59."""
    seconds = parse_hhmm(value, one_digit_hour=True)
    if seconds is None:
        raise CellError(f"{value!r} is not a time in HH:MM format (00:00 to 23:59)")
    return time_of_day(seconds)


def date(value: str) -> dt.date:
    """An ISO date, ``YYYY-MM-DD``, inside the service's range of dates."""
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise CellError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    if (fault := date_fault(day)) is not None:
        raise CellError(fault)
    return day


def items(value: str) -> list[str]:
    """A ``;``-separated list; blanks dropped, repeats kept once, order kept."""
    return list(dict.fromkeys(item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()))


def clock_range(value: str) -> tuple[dt.time, dt.time]:
    """``09:00-12:00``: a start and an end that is not before it."""
    start, separator, end = value.partition("-")
    if not separator:
        raise CellError(f"{value!r} is not a time range such as 09:00-12:00")
    first, last = clock(start.strip()), clock(end.strip())
    if last < first:
        raise CellError(f"{value!r} ends before it starts")
    return first, last


def windows(value: str) -> list[Window]:
    """``09:00-12:00; 14:00-16:00``: windows for the start of a visit, in time order."""
    spans = sorted(clock_range(item) for item in items(value))
    return [{"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"} for start, end in spans]


def availability(value: str) -> list[tuple[int, dt.time, dt.time]]:
    """``mon-fri 08:00-16:30; sat 09:00-13:00``: (weekday, start, end), Monday = 0.

    Days are names (``mon`` or ``monday``), ranges (``mon-fri``) or lists (``mon,wed``).
    Shifts of one day must not overlap, and each must end after it starts.
    """
    shifts: list[tuple[int, dt.time, dt.time]] = []
    for item in items(value):
        match = _SHIFT.fullmatch(item)
        if match is None:
            raise CellError(f"{item!r} is not days and hours such as mon-fri 08:00-16:30")
        start, end = clock_range(match[2])
        if start == end:
            raise CellError(f"the shift {match[2]!r} is empty")
        shifts.extend((day, start, end) for day in weekdays(match[1]))
    shifts.sort()
    for earlier, later in itertools.pairwise(shifts):
        if earlier[0] == later[0] and later[1] < earlier[2]:
            raise CellError(f"two shifts overlap on {WEEKDAYS[earlier[0]]}")
    return shifts


def weekdays(days: str) -> list[int]:
    result: list[int] = []
    for part in days.split(","):
        first, separator, last = "".join(part.split()).partition("-")
        start = _weekday(first)
        end = _weekday(last) if separator else start
        if end < start:
            raise CellError(f"the day range {part.strip()!r} runs backwards")
        result.extend(range(start, end + 1))
    return result


def _weekday(name: str) -> int:
    key = name.strip().lower()
    for names in (WEEKDAYS, _FULL_WEEKDAYS):
        if key in names:
            return names.index(key)
    raise CellError(
        f"{name.strip()!r} is not a day; expected days such as mon, tue-fri or sat,sun "
        "followed by a time range such as 08:00-16:30"
    )
