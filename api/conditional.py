"""Conditional GETs of the therapist's day: an ETag per route version, 304 when it matches.

The ETag of a route or feed names what its body is a function of: the clinic's
``routes_version`` (``scheduler.models.versions`` raises it with every change a therapist
could see), the therapist and the day (the feed: today, which moves its window). A phone that
sends it back in ``If-None-Match`` gets ``304 Not Modified`` without the route being loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Header, Response

if TYPE_CHECKING:
    import datetime as dt

# Raise when the body of an unchanged route changes shape (a field added, a format changed):
# the phones' stored bodies are then not what the server would send.
BODY_FORMAT = 1
# Personal data: no shared cache may keep it; a phone may, but must ask again before use.
CACHE_CONTROL = "private, no-cache"

IfNoneMatch = Annotated[
    str | None,
    Header(
        max_length=1000,
        description="The ETag of the copy the caller has; unchanged, the answer is a 304.",
    ),
]

NOT_MODIFIED_RESPONSE: dict[int | str, dict[str, object]] = {
    304: {"description": "Unchanged since the copy whose ETag `If-None-Match` carried."}
}


def day_etag(kind: str, version: int, therapist_id: int, day: dt.date) -> str:
    """The strong ETag of ``kind`` (``route``, ``feed``) of a therapist's day."""
    return f'"{kind}.{BODY_FORMAT}.{version}.{therapist_id}.{day.isoformat()}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks)."""
    if not if_none_match:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


def validator_headers(etag: str) -> dict[str, str]:
    """The headers that go with a body or a 304 of the day."""
    # Vary: the same URL answers each caller with their own route.
    return {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization, Cookie"}


def not_modified(etag: str) -> Response:
    """``304 Not Modified`` with the day's validator."""
    return Response(status_code=304, headers=validator_headers(etag))
