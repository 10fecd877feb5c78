"""Travel matrices cached per coordinate pair, provider and travel mode in ``MatrixCache``.

``CachedProvider`` wraps any ``TravelTimeProvider``. A request loads the pairs the cache
knows, then asks the wrapped provider at most once, for what is missing. The provider only
computes square matrices, so it is asked for the points that take part in a missing pair: a
new point pairs with every other one, so adding one point to a known day asks for the whole
day once (one request beats one per pair with a road-network service) and stores only the
new pairs; two known days planned together ask only for the points whose pairs are new.
Re-planning a day the cache has seen asks nothing. Points the provider cannot route
(``UnroutableLocations``) are reported at their positions in the caller's request.

Points are keyed by their coordinates rounded to 6 decimals (``to_microdegrees``, ~0.1 m);
the wrapped provider is asked at the rounded coordinates, so a cached answer is exactly what
it answered. Travel from a point to itself is 0 and is not stored.
"""

from __future__ import annotations

import functools
import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from scheduler.db.engine import insert_skipping_duplicates
from scheduler.errors import UnroutableLocations
from scheduler.models import MatrixCache, to_microdegrees
from scheduler.models.base import utc_now
from scheduler.models.caches import MICRODEGREES
from solver.problem import TravelMatrix

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from scheduler.travel import TravelTimeProvider
    from solver.problem import IntMatrix

IntArray = npt.NDArray[np.int64]
BoolMatrix = npt.NDArray[np.bool_]
PointKey = tuple[int, int]

# Origins a cache query asks for: two IN lists far below the engines' limits on bound
# parameters, and as many rows as these origins have cached destinations.
CHUNK_POINTS = 500
# Pairs per insert statement when storing new pairs.
INSERT_BATCH_ROWS = 20_000
# A distance the provider did not give (NULL in the table).
UNKNOWN = -1
# Packs (lat_e6, lon_e6) into one int64: |lon_e6| <= 180e6 < 2**31.
_LAT_SHIFT = 1 << 32
# The pair columns, in the order of ``_store``'s arrays.
_PAIR_COLUMNS = (
    "origin_lat_e6",
    "origin_lon_e6",
    "destination_lat_e6",
    "destination_lon_e6",
    "duration_s",
    "distance_m",
)
# What a cache query reads, in the order ``_fill_known`` expects.
_CACHED_COLUMNS = (
    MatrixCache.origin_lat_e6,
    MatrixCache.origin_lon_e6,
    MatrixCache.destination_lat_e6,
    MatrixCache.destination_lon_e6,
    MatrixCache.duration_s,
    sa.func.coalesce(MatrixCache.distance_m, UNKNOWN),
)


class CachedProvider:
    """A ``TravelTimeProvider`` that answers from ``MatrixCache`` what ``inner`` told it before.

    ``sessions`` is a ``Session`` (new pairs are written in the caller's transaction and
    committed with it) or a session factory such as a ``sessionmaker`` (each request opens a
    session and commits what it learnt). ``provider_name`` keys the cache: it names the
    provider and every setting that changes its answers (e.g. ``geodesic:1.3`` or an OSRM
    server and profile).
    """

    def __init__(
        self,
        inner: TravelTimeProvider,
        sessions: Session | Callable[[], Session],
        provider_name: str,
    ) -> None:
        self.inner = inner
        self.provider_name = provider_name
        self._sessions = sessions

    def matrices(self, points: Sequence[tuple[float, float]], mode: str) -> TravelMatrix:
        """Durations (s) and distances (m) between (lat, lon) points for ``mode``; distances
        are ``None`` if the provider gave none for a pair."""
        keys = [(to_microdegrees(lat), to_microdegrees(lon)) for lat, lon in points]
        distinct = _PointIndex(list(dict.fromkeys(keys)))
        positions = distinct.find(keys)
        block = _Block.empty(len(distinct.keys))
        if len(distinct.keys) > 1:
            with self._session() as session:
                _load(session, self.provider_name, mode, distinct, block)
                if not block.known.all():
                    try:
                        new = _compute_missing(self.inner, mode, distinct, block)
                    except UnroutableLocations as error:
                        # Name each point by its first position in the caller's request.
                        _, first = np.unique(positions, return_index=True)
                        raise error.reindexed(first.tolist()) from None
                    _store(session, self.provider_name, mode, distinct, new)
        cells = np.ix_(positions, positions)
        distances = block.distances_m[cells]
        return TravelMatrix(
            durations_s=block.durations_s[cells],
            distances_m=None if (distances == UNKNOWN).any() else distances,
        )

    @contextmanager
    def _session(self) -> Iterator[Session]:
        if isinstance(self._sessions, Session):
            yield self._sessions
            return
        with self._sessions() as session, session.begin():
            yield session


class _PointIndex:
    """The distinct points of a request and a vectorised lookup of their positions."""

    def __init__(self, keys: list[PointKey]) -> None:
        self.keys = keys
        self.coordinates: IntArray = np.array(keys, dtype=np.int64).reshape(-1, 2)
        packed = _pack(self.coordinates[:, 0], self.coordinates[:, 1])
        self._order = np.argsort(packed, kind="stable")
        self._sorted = packed[self._order]

    def find(self, keys: Sequence[PointKey]) -> npt.NDArray[np.intp]:
        """The positions of points known to be among the distinct ones."""
        coordinates = np.array(keys, dtype=np.int64).reshape(-1, 2)
        return self.lookup(coordinates[:, 0], coordinates[:, 1])

    def lookup(self, lat_e6: IntArray, lon_e6: IntArray) -> npt.NDArray[np.intp]:
        """The position of each point, -1 for a point not among the distinct ones."""
        packed = _pack(lat_e6, lon_e6)
        at = np.minimum(np.searchsorted(self._sorted, packed), len(self._sorted) - 1)
        found = self._sorted[at] == packed
        return np.where(found, self._order[at], -1)


def _pack(lat_e6: IntArray, lon_e6: IntArray) -> IntArray:
    packed: IntArray = lat_e6 * _LAT_SHIFT + lon_e6
    return packed


@dataclass
class _Block:
    """Durations and distances between the distinct points, and which pairs are known."""

    durations_s: IntMatrix
    distances_m: IntMatrix
    known: BoolMatrix

    @classmethod
    def empty(cls, size: int) -> _Block:
        known = np.zeros((size, size), dtype=np.bool_)
        np.fill_diagonal(known, True)
        zeros = np.zeros((size, size), dtype=np.int64)
        return cls(durations_s=zeros, distances_m=zeros.copy(), known=known)


@dataclass(frozen=True)
class _Pairs:
    """Pairs the provider computed: distinct-point positions and their travel."""

    origins: npt.NDArray[np.intp]
    destinations: npt.NDArray[np.intp]
    durations_s: IntArray
    distances_m: IntArray


def _load(session: Session, provider: str, mode: str, distinct: _PointIndex, block: _Block) -> None:
    """Fill ``block`` with the cached pairs, one query per chunk of origins.

    The query filters the origins' latitudes and longitudes with an IN list each, which both
    engines answer from the unique key's index; the rows of coordinates that only combine
    different points, and of destinations not asked for, are dropped here. (Filtering the
    destinations too in SQL made SQLite probe every combination: a minute for 500 points.)
    """
    for start in range(0, len(distinct.keys), CHUNK_POINTS):
        origins = distinct.keys[start : start + CHUNK_POINTS]
        query = sa.select(*_CACHED_COLUMNS).where(
            MatrixCache.provider == provider,
            MatrixCache.mode == mode,
            MatrixCache.origin_lat_e6.in_(sorted({lat for lat, _ in origins})),
            MatrixCache.origin_lon_e6.in_(sorted({lon for _, lon in origins})),
        )
        rows = session.execute(query).all()
        if rows:
            # Far faster than numpy's conversion of a list of rows.
            flat = itertools.chain.from_iterable(rows)
            values = np.fromiter(flat, dtype=np.int64, count=len(rows) * len(_CACHED_COLUMNS))
            _fill_known(block, distinct, values.reshape(len(rows), len(_CACHED_COLUMNS)))


def _fill_known(block: _Block, distinct: _PointIndex, rows: IntArray) -> None:
    origins = distinct.lookup(rows[:, 0], rows[:, 1])
    destinations = distinct.lookup(rows[:, 2], rows[:, 3])
    ours = (origins >= 0) & (destinations >= 0)
    origins, destinations = origins[ours], destinations[ours]
    block.durations_s[origins, destinations] = rows[ours, 4]
    block.distances_m[origins, destinations] = rows[ours, 5]
    block.known[origins, destinations] = True


def _compute_missing(
    inner: TravelTimeProvider, mode: str, distinct: _PointIndex, block: _Block
) -> _Pairs:
    """Ask ``inner`` once, for the points in a missing pair; fill ``block`` with the missing
    pairs and return them."""
    missing = ~block.known
    involved = np.flatnonzero(missing.any(axis=0) | missing.any(axis=1))
    points = [
        (float(lat), float(lon)) for lat, lon in distinct.coordinates[involved] / MICRODEGREES
    ]
    try:
        answer = inner.matrices(points, mode)
    except UnroutableLocations as error:
        raise error.reindexed(involved.tolist()) from None
    local_origins, local_destinations = np.nonzero(missing[np.ix_(involved, involved)])
    durations = np.asarray(answer.durations_s, dtype=np.int64)[local_origins, local_destinations]
    if answer.distances_m is None:
        distances = np.full(len(durations), UNKNOWN, dtype=np.int64)
    else:
        distances_m = np.asarray(answer.distances_m, dtype=np.int64)
        distances = distances_m[local_origins, local_destinations]
    pairs = _Pairs(involved[local_origins], involved[local_destinations], durations, distances)
    block.durations_s[pairs.origins, pairs.destinations] = durations
    block.distances_m[pairs.origins, pairs.destinations] = distances
    block.known[pairs.origins, pairs.destinations] = True
    return pairs


def _store(session: Session, provider: str, mode: str, distinct: _PointIndex, new: _Pairs) -> None:
    """Insert the new pairs in batches, skipping a pair another process stored meanwhile."""
    columns = np.column_stack(
        [
            distinct.coordinates[new.origins],
            distinct.coordinates[new.destinations],
            new.durations_s,
            new.distances_m,
        ]
    )
    fixed = {"provider": provider, "mode": mode, "created_at": utc_now()}
    for start in range(0, len(columns), INSERT_BATCH_ROWS):
        _insert(session, fixed, columns[start : start + INSERT_BATCH_ROWS])


def _insert(session: Session, fixed: dict[str, object], batch: IntArray) -> None:
    """One statement for a batch of pairs (rows in ``_PAIR_COLUMNS`` order).

    SQLite: executemany, which runs in-process. PostgreSQL: one INSERT ... SELECT FROM
    unnest(arrays), the arrays sent as text literals; psycopg's executemany sends a
    statement a row and adapts lists element by element (a cold 500-point day took 5.5 s
    that way, 2.7 s this way).
    """
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        arrays = {name: _array_literal(batch[:, i]) for i, name in enumerate(_PAIR_COLUMNS)}
        session.execute(_unnest_insert(), {**fixed, **arrays})
        return
    rows = [{**fixed, **dict(zip(_PAIR_COLUMNS, row, strict=True))} for row in batch.tolist()]
    for row in rows:
        if row["distance_m"] == UNKNOWN:
            row["distance_m"] = None
    session.execute(insert_skipping_duplicates(MatrixCache, dialect), rows)


@functools.cache
def _unnest_insert() -> sa.Insert:
    """PostgreSQL: insert the pairs given as one array literal a column (``-1``: NULL)."""
    arrays = [
        sa.cast(sa.bindparam(name, type_=sa.Text), postgresql.ARRAY(sa.Integer))
        for name in _PAIR_COLUMNS
    ]
    pairs = sa.func.unnest(*arrays).table_valued(*_PAIR_COLUMNS).render_derived()
    rows = sa.select(
        sa.bindparam("provider", type_=sa.String),
        sa.bindparam("mode", type_=sa.String),
        *(pairs.c[name] for name in _PAIR_COLUMNS[:-1]),
        sa.func.nullif(pairs.c.distance_m, UNKNOWN),
        sa.bindparam("created_at", type_=sa.DateTime(timezone=True)),
    )
    return (
        postgresql.insert(MatrixCache.metadata.tables[MatrixCache.__tablename__])
        .from_select(["provider", "mode", *_PAIR_COLUMNS, "created_at"], rows)
        .on_conflict_do_nothing()
    )


def _array_literal(values: IntArray) -> str:
    """A PostgreSQL array literal: ``{1,2,3}``."""
    return "{" + ",".join(map(str, values.tolist())) + "}"
