"""The errors that services raise; ``api/errors.py`` maps each class to one status code.

``NotFound`` (404): a record the caller may not see. ``Conflict`` (409): the request clashes
with the stored state. ``InvalidRequest`` (422, or exit code 2 on the CLI): the input is
wrong, with every fault listed as a ``FieldError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable


@dataclass(frozen=True)
class FieldError:
    """One fault in a request.

    ``field`` is a path such as ``visits[3].windows[0].end`` ("" for the request as a whole);
    ``message`` says what is wrong in one sentence.
    """

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class SchedulerError(Exception):
    """Base class of the errors the scheduler raises on purpose."""


class NotFound(SchedulerError):
    """A record does not exist, or the caller may not see it."""


class Conflict(SchedulerError):
    """The request clashes with the stored state (a plan already published, ...)."""


class InvalidRequest(SchedulerError):
    """The input is wrong; ``errors`` lists every fault found, each with its path."""

    def __init__(self, errors: Iterable[FieldError], detail: str = "invalid request") -> None:
        self.errors: list[FieldError] = list(errors)
        self.detail = detail
        super().__init__(detail, self.errors)

    @classmethod
    def single(cls, field: str, message: str, detail: str = "invalid request") -> InvalidRequest:
        """An ``InvalidRequest`` with one fault."""
        return cls([FieldError(field, message)], detail)

    def __str__(self) -> str:
        if not self.errors:
            return self.detail
        count = len(self.errors)
        header = f"{self.detail}: {count} error{'s' if count != 1 else ''}"
        return "\n".join([header, *(f"  {error}" for error in self.errors)])
