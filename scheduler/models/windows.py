"""The window type of visits and care plans."""

from __future__ import annotations

from typing import TypedDict


class Window(TypedDict):
    """A window for the *start* of a visit, local wall-clock ``HH:MM``, both ends included."""

    start: str
    end: str
