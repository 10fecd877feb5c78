"""Validation of the ``matrix`` of a problem JSON: square, one row per location, integers >= 0.

Matrices can hold millions of entries: the common valid case is checked with numpy, and
only a faulty matrix is walked entry by entry to name the faults (the first one per row,
for a bounded number of rows).
"""

from __future__ import annotations

import math

import numpy as np

from scheduler.day_json.reader import FieldReader, child, json_type
from solver.problem import IntMatrix, TravelMatrix

# Bounds the values so that sums along a route cannot overflow int64.
MAX_ENTRY = 2**40
# A matrix that is wrong throughout would otherwise bury every other fault.
MAX_ROWS_REPORTED = 10


def read_matrix(
    reader: FieldReader, value: object, path: str, size: int | None
) -> TravelMatrix | None:
    """The ``matrix`` object; ``size`` is the number of locations (None when unknown)."""
    fields = reader.record(value, path, ("durations_s",), ("distances_m",))
    if fields is None or size is None:
        return None
    durations_s = _read_square(reader, fields.get("durations_s"), child(path, "durations_s"), size)
    raw_distances = fields.get("distances_m")
    if raw_distances is None:
        return None if durations_s is None else TravelMatrix(durations_s)
    distances_m = _read_square(reader, raw_distances, child(path, "distances_m"), size)
    if durations_s is None or distances_m is None:
        return None
    return TravelMatrix(durations_s, distances_m)


def _read_square(reader: FieldReader, value: object, path: str, size: int) -> IntMatrix | None:
    rows = reader.array(value, path)
    if rows is None:
        return None
    if len(rows) != size:
        reader.fail(path, f"the matrix has {len(rows)} rows; expected {size}, one per location")
        return None
    lists: list[list[object]] = []
    for index, row in enumerate(rows):
        if not isinstance(row, list):
            reader.fail(child(path, index), f"row {index} must be an array, not {json_type(row)}")
        elif len(row) != size:
            reader.fail(
                child(path, index),
                f"row {index} has {len(row)} entries; expected {size}, one per location",
            )
        else:
            lists.append(row)
    if len(lists) != size:
        return None
    matrix = _fast_int_matrix(lists)
    if matrix is None:
        _report_entries(reader, lists, path)
    return matrix


def _fast_int_matrix(rows: list[list[object]]) -> IntMatrix | None:
    """The matrix if every entry is a valid integer, else None (without saying why)."""
    types: set[type] = set()
    for row in rows:
        types.update(map(type, row))
    if not types <= {int, float}:
        return None
    array = np.array(rows).reshape(len(rows), len(rows))
    if array.dtype.kind not in "iuf" or array.size == 0:
        return None if array.size else np.zeros((0, 0), dtype=np.int64)
    if not np.isfinite(array).all() or (array < 0).any() or (array > MAX_ENTRY).any():
        return None
    if array.dtype.kind == "f" and (array != np.floor(array)).any():
        return None
    return array.astype(np.int64)


def _report_entries(reader: FieldReader, rows: list[list[object]], path: str) -> None:
    faulty_rows = 0
    for row_index, row in enumerate(rows):
        fault = next(
            (
                (column, problem)
                for column, entry in enumerate(row)
                if (problem := _entry_problem(entry)) is not None
            ),
            None,
        )
        if fault is None:
            continue
        faulty_rows += 1
        if faulty_rows <= MAX_ROWS_REPORTED:
            column, problem = fault
            reader.fail(child(child(path, row_index), column), problem)
    if faulty_rows > MAX_ROWS_REPORTED:
        hidden = faulty_rows - MAX_ROWS_REPORTED
        reader.fail(path, f"{hidden} more rows hold invalid entries")


def _entry_problem(entry: object) -> str | None:
    if isinstance(entry, bool) or not isinstance(entry, int | float):
        return f"entry must be a non-negative integer, not {json_type(entry)}"
    if isinstance(entry, float) and not (math.isfinite(entry) and entry.is_integer()):
        return f"entry must be a whole number, not {entry}"
    if entry < 0:
        return f"entry must not be negative, got {entry:g}"
    if entry > MAX_ENTRY:
        return f"entry {entry:g} is too large (at most {MAX_ENTRY})"
    return None
