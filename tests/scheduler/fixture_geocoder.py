"""``FixtureGeocoder``: the tests' geocoder (no geocoding server runs in the tests)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

# Real places in Andorra la Vella, as OpenStreetMap has them (rounded).
ANDORRA_PLACES: dict[str, tuple[float, float]] = {
    "Avinguda Meritxell 10, Andorra la Vella": (42.5075, 1.5218),
    "Carrer Prat de la Creu 62, Andorra la Vella": (42.5062, 1.5235),
    "Avinguda Princep Benlloch 30, Andorra la Vella": (42.5081, 1.5176),
}


class FixtureGeocoder:
    """Answers from ``places`` (matched ignoring case) and records every query it gets.

    A value that is an exception (such as ``geopy.exc.GeocoderTimedOut()``) is raised: a
    failed lookup. A query not in ``places`` finds nothing.
    """

    def __init__(
        self,
        places: Mapping[str, tuple[float, float] | Exception] | None = None,
        name: str = "fixture",
    ) -> None:
        source = ANDORRA_PLACES if places is None else places
        self._places = {query.lower(): answer for query, answer in source.items()}
        self._name = name
        self.queries: list[str] = []

    @property
    def name(self) -> str:
        """The provider name the cache stores answers under."""
        return self._name

    @property
    def calls(self) -> int:
        """How many times ``geocode`` was called."""
        return len(self.queries)

    def geocode(self, query: str) -> tuple[float, float] | None:
        """The fixture's answer for ``query``."""
        self.queries.append(query)
        answer = self._places.get(query.lower())
        if isinstance(answer, Exception):
            raise answer
        return answer
