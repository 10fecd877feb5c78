"""The bits of iCalendar (RFC 5545) that a plan's calendar needs, written by hand.

Content lines end with CRLF and are folded at 75 octets (a fold never splits a UTF-8
character); TEXT values escape backslashes, commas, semicolons and newlines; times are UTC
(``YYYYMMDDTHHMMSSZ``), which needs no VTIMEZONE component.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

CRLF = "\r\n"
MAX_LINE_OCTETS = 75


def escape_text(value: str) -> str:
    """A TEXT property value (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def utc_stamp(moment: dt.datetime) -> str:
    """A DATE-TIME in UTC; a naive ``moment`` is taken to be UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """One content line, folded: pieces of at most 75 octets, the next ones after CRLF + space."""
    pieces: list[str] = []
    current = ""
    size = 0
    for char in line:
        octets = len(char.encode("utf-8"))
        # Continuation lines start with a space, which counts towards their 75 octets.
        limit = MAX_LINE_OCTETS if not pieces else MAX_LINE_OCTETS - 1
        if size + octets > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += octets
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def calendar(lines: Iterable[str]) -> str:
    """Content lines (``NAME:value``, values already escaped) as an iCalendar stream."""
    return "".join(fold(line) + CRLF for line in lines)
