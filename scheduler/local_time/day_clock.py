"""Between the wall clock of a date in a time zone and the solver's seconds.

The solver's time axis counts the seconds **elapsed** since the date's first instant (local
midnight), so that a drive, a visit or a shift lasts on it what it lasts in reality. The
records, the problem JSON and every page speak wall-clock ``HH:MM`` in the clinic's zone.
On most days the two are the same numbers. On a day when the clocks change they part at
the change, and this module is the one place that converts, both ways:

- ``elapsed_s``: a wall-clock time of the date (seconds after 00:00; 24 h and more are the
  next day) to the solver's seconds. A time the clocks skip (02:30 on the day they go from
  02:00 to 03:00) is the moment of the change, which the clocks then show as 03:00. A time
  that happens twice (02:30 on the day they go back from 03:00 to 02:00) is the first one,
  before the change. So the mapping never goes backwards: a span that ends after it starts
  on the wall clock does so here too (it may shrink to nothing inside the skipped hour).
- ``wall_s``: the solver's seconds back to the wall clock, exactly; in the repeated hour two
  instants read the same, as on any clock.
- ``elapsed_of`` and ``instant``: between the solver's seconds and real instants (check-ins,
  the time now, the calendar feed's UTC times); these need no rule at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from solver.clock import DAY_S, format_hhmm, format_hhmmss
from solver.current_plan import ActualTimes, CurrentRoute, CurrentStop
from solver.problem import BreakRule, ClockChange, TimeWindow, merged_windows

if TYPE_CHECKING:
    from solver.current_plan import Replan
    from solver.problem import Problem, Therapist, Visit

# Times of a day reach into the next one (a route past midnight, a re-plan's 48:00).
HORIZON_S = 2 * DAY_S
_STEP_S = 3600


@dataclass(frozen=True, eq=False)
class DayClock:
    """The clock of ``date`` in ``zone``: ``midnight`` is the date's first instant (UTC),
    ``changes`` where the wall clock parts from the elapsed seconds in the first 48 hours
    (none on most days; a change at 0 when the day's first instant is not 00:00)."""

    date: dt.date
    zone: ZoneInfo
    midnight: dt.datetime
    changes: tuple[ClockChange, ...]

    @property
    def regular(self) -> bool:
        """No change: wall-clock seconds and elapsed seconds are the same numbers."""
        return not self.changes

    @property
    def day_s(self) -> int:
        """How long the date lasts (23 or 25 hours on the days the clocks change)."""
        return self.elapsed_s(DAY_S)

    def elapsed_s(self, wall_s: int) -> int:
        """The solver's seconds of a wall-clock time of the date (see the module's rules)."""
        if self.regular:
            return wall_s
        days, rest = divmod(wall_s, DAY_S)
        wall = dt.datetime.combine(self.date + dt.timedelta(days=days), dt.time())
        return self.elapsed_of(instant_of_wall(wall + dt.timedelta(seconds=rest), self.zone))

    def wall_s(self, elapsed_s: int) -> int:
        """The wall-clock seconds after the date's 00:00 (past 24 h: the next days)."""
        if self.regular:
            return elapsed_s
        local = self.instant(elapsed_s).astimezone(self.zone)
        days = (local.date() - self.date).days
        return days * DAY_S + local.hour * 3600 + local.minute * 60 + local.second

    def instant(self, elapsed_s: int) -> dt.datetime:
        """The real instant (UTC) of the solver's seconds."""
        return self.midnight + dt.timedelta(seconds=elapsed_s)

    def elapsed_of(self, moment: dt.datetime) -> int:
        """The solver's seconds of an instant (a naive one is UTC, as SQLite returns it),
        whole seconds rounded down."""
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
        return math.floor((aware - self.midnight).total_seconds())

    def hhmm(self, elapsed_s: int) -> str:
        """``HH:MM`` on the wall clock of the solver's seconds."""
        return format_hhmm(self.wall_s(elapsed_s))

    def hhmmss(self, elapsed_s: int | None) -> str | None:
        """``HH:MM:SS`` on the wall clock of the solver's seconds; None stays None."""
        return None if elapsed_s is None else format_hhmmss(self.wall_s(elapsed_s))

    def problem(self, problem: Problem) -> Problem:
        """A problem read in wall-clock seconds (shifts, breaks, windows, a re-plan's times)
        on the solver's axis, with the day's changes for the solver's messages."""
        if self.regular:
            return problem
        replan = problem.replan
        return replace(
            problem,
            therapists=tuple(self._therapist(t) for t in problem.therapists),
            visits=tuple(self._visit(v) for v in problem.visits),
            replan=None if replan is None else self._replan(replan),
            clock_changes=self.changes,
        )

    def _span(self, start_s: int, end_s: int) -> tuple[int, int]:
        return self.elapsed_s(start_s), self.elapsed_s(end_s)

    def _optional(self, wall_s: int | None) -> int | None:
        return None if wall_s is None else self.elapsed_s(wall_s)

    def _therapist(self, therapist: Therapist) -> Therapist:
        start_s, end_s = self._span(therapist.shift_start_s, therapist.shift_end_s)
        rule = therapist.break_rule
        if rule is not None:
            earliest, latest = self._span(rule.earliest_start_s, rule.latest_end_s)
            rule = BreakRule(earliest, latest, rule.duration_s)
        return replace(therapist, shift_start_s=start_s, shift_end_s=end_s, break_rule=rule)

    def _visit(self, visit: Visit) -> Visit:
        windows: tuple[TimeWindow, ...] = visit.windows
        if windows:
            windows = merged_windows(self._span(w.start_s, w.end_s) for w in windows)
        return replace(visit, windows=windows)

    def _replan(self, replan: Replan) -> Replan:
        routes = tuple(
            CurrentRoute(
                route.therapist_id,
                tuple(CurrentStop(s.visit_id, self.elapsed_s(s.start_s)) for s in route.stops),
                self._optional(route.start_s),
                self._optional(route.break_start_s),
                self._optional(route.break_end_s),
            )
            for route in replan.routes
        )
        actual = {
            visit_id: ActualTimes(self._optional(times.start_s), self._optional(times.end_s))
            for visit_id, times in replan.actual.items()
        }
        return replace(replan, now_s=self.elapsed_s(replan.now_s), routes=routes, actual=actual)


@functools.lru_cache(maxsize=256)
def day_clock(date: dt.date, timezone: str) -> DayClock:
    """The clock of ``date`` in the IANA zone ``timezone`` (the zone must exist)."""
    zone = ZoneInfo(timezone)
    midnight = instant_of_wall(dt.datetime.combine(date, dt.time()), zone)
    return DayClock(date, zone, midnight, _changes(date, zone, midnight))


def instant_of_wall(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant (UTC) a naive wall-clock time in ``zone`` names: the first of two in a
    repeated hour, the moment of the change in a skipped one."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # Skipped: fold 0 reads it with the offset before the change (an instant after it),
    # fold 1 with the offset after (an instant before it); the change lies between.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    return _first_with_offset(before, first, zone)


def _first_with_offset(low: dt.datetime, high: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The first whole second after ``low`` with ``high``'s UTC offset in ``zone`` (one
    change between the two)."""
    offset = _offset(high, zone)
    while (high - low).total_seconds() > 1:
        middle = low + dt.timedelta(seconds=(high - low).total_seconds() // 2)
        if _offset(middle, zone) == offset:
            high = middle
        else:
            low = middle
    return high


def _changes(date: dt.date, zone: ZoneInfo, midnight: dt.datetime) -> tuple[ClockChange, ...]:
    """Every change of the zone's UTC offset in the 48 hours from ``midnight``, found hour by
    hour (offsets do not change twice within an hour) and then to the second."""
    changes: list[ClockChange] = []
    local = midnight.astimezone(zone)
    start_wall_s = (local.date() - date).days * DAY_S + local.hour * 3600 + local.minute * 60
    if start_wall_s:
        changes.append(ClockChange(0, start_wall_s + local.second))
    offset = _offset(midnight, zone)
    for hour_s in range(0, HORIZON_S, _STEP_S):
        later = midnight + dt.timedelta(seconds=hour_s + _STEP_S)
        later_offset = _offset(later, zone)
        if later_offset == offset:
            continue
        moment = _first_with_offset(later - dt.timedelta(seconds=_STEP_S), later, zone)
        at_s = round((moment - midnight).total_seconds())
        changes.append(ClockChange(at_s, round((later_offset - offset).total_seconds())))
        offset = later_offset
    return tuple(changes)


def _offset(moment: dt.datetime, zone: ZoneInfo) -> dt.timedelta:
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None, "a ZoneInfo always has an offset"
    return offset
