"""The errors that services raise; ``api/errors.py`` maps each class to one status code.

``NotAuthenticated`` (401): no valid credentials. ``NotPermitted`` (403): the caller's role
may not do this. ``NotFound`` (404): a record the caller may not see. ``Conflict`` (409): the
request clashes with the stored state. ``InvalidRequest`` (422, or exit code 2 on the CLI):
the input is wrong, with every fault listed as a ``FieldError``; ``UnroutableLocations`` is
one, for points a road router cannot use. ``TooManyAttempts`` (429, with ``Retry-After``):
too many failed logins lately. ``TravelServiceUnavailable`` (503): the travel-time service
that the request needs is down, failing or not configured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


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


class NotAuthenticated(SchedulerError):
    """No valid credentials: a wrong password, or a token unknown, expired or revoked."""


class NotPermitted(SchedulerError):
    """The caller's role may not do this (checked before any record is looked up)."""


class TooManyAttempts(SchedulerError):
    """Too many failed logins for an email or from an address: wait ``retry_after_s``."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message)


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


@dataclass(frozen=True)
class LocationFault:
    """Why a road router cannot use one point of a request.

    ``position`` indexes the points the provider was given; ``problem`` continues a sentence
    whose subject is the location ("is 3,200 m from the nearest road the router knows").
    """

    position: int
    lat: float
    lon: float
    problem: str


class UnroutableLocations(InvalidRequest):
    """Points a road router cannot snap to a road, or with no road route to the others.

    The fields are ``locations[i]`` (positions in the provider's points) until a caller
    that knows the records renames them with ``named``.
    """

    def __init__(
        self,
        faults: Sequence[LocationFault],
        fields: Sequence[str] | None = None,
        labels: Sequence[str] | None = None,
        detail: str = "some locations cannot be routed",
    ) -> None:
        self.faults = list(faults)
        errors = [
            FieldError(
                fields[fault.position] if fields else f"locations[{fault.position}]",
                f"{labels[fault.position] if labels else f'location {fault.position}'} at "
                f"({fault.lat:.6f}, {fault.lon:.6f}) {fault.problem}",
            )
            for fault in self.faults
        ]
        super().__init__(errors, detail)

    def reindexed(self, positions: Sequence[int]) -> UnroutableLocations:
        """The same faults with ``position`` p renumbered ``positions[p]``."""
        faults = [
            LocationFault(positions[fault.position], fault.lat, fault.lon, fault.problem)
            for fault in self.faults
        ]
        return UnroutableLocations(faults, detail=self.detail)

    def named(
        self, fields: Sequence[str], labels: Sequence[str], detail: str | None = None
    ) -> UnroutableLocations:
        """The same faults reported on ``fields[p]`` and described as ``labels[p]``."""
        return UnroutableLocations(self.faults, fields, labels, detail or self.detail)


class TravelServiceUnavailable(SchedulerError):
    """The travel-time service is down, answers with an error, or is not configured."""


class Unavailable(SchedulerError):
    """A service this request needs (the solve workers) cannot answer now; try again later."""

    def __init__(self, message: str, retry_after_s: int = 30) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
