"""The plan checker's sentences: times, durations and distances as people read them.

Only ``solver/check.py`` uses it. It keeps its own formatting rather than ``solver.clock``
so that the independent checker shares no code with what it checks; every function here
is pure text from plain numbers and ids.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from solver.problem import BreakRule, TimeWindow


# --- times, durations, distances ---------------------------------------------------------


def clock(time_s: int) -> str:
    """``HH:MM:SS`` from seconds after midnight; hours run past 24 and keep a sign."""
    sign = "-" if time_s < 0 else ""
    hours, rest = divmod(abs(time_s), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"


def clock_short(time_s: int) -> str:
    """``HH:MM`` on a whole minute (the times people type into a problem), else ``HH:MM:SS``."""
    text = clock(time_s)
    return text[:-3] if time_s % 60 == 0 else text


def duration(duration_s: int) -> str:
    """``1 h 5 min 3 s`` with the zero parts left out (``0 s`` for nothing)."""
    sign = "-" if duration_s < 0 else ""
    hours, rest = divmod(abs(duration_s), 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes:
        parts.append(f"{minutes} min")
    if seconds or not parts:
        parts.append(f"{seconds} s")
    return sign + " ".join(parts)


def metres(distance_m: int | None) -> str:
    return "no distance" if distance_m is None else f"{distance_m} m"


def windows(spans: Sequence[TimeWindow]) -> str:
    return ", ".join(f"{clock_short(w.start_s)}-{clock_short(w.end_s)}" for w in spans)


def work_phrase(start_s: int | None, end_s: int | None, break_s: int) -> str:
    """How the work time is counted: the route's hours less its break."""
    hours = "?" if start_s is None or end_s is None else f"{clock(start_s)}-{clock(end_s)}"
    return f"{hours} less a {duration(break_s)} break"


# --- routes and visits in the plan ---------------------------------------------------


def unknown_therapist(tid: str) -> str:
    return f"the plan has a route for {tid}, who is not in the problem"


def second_route(tid: str) -> str:
    return f"the plan has more than one route for {tid}"


def place(tid: str | None) -> str:
    """Where the plan lists a visit: a therapist's route, or None for the unassigned list."""
    return f"on {tid}'s route" if tid is not None else "as unassigned"


def unknown_visit(visit_id: str, where: str) -> str:
    return f"the plan lists visit {visit_id} {where}, but the problem has no such visit"


def duplicate_visit(visit_id: str, places: Sequence[str]) -> str:
    return (
        f"visit {visit_id} appears {len(places)} times in the plan ({', '.join(places)});"
        " it must appear exactly once"
    )


def missing_visit(visit_id: str) -> str:
    return f"visit {visit_id} is neither on a route nor listed as unassigned"


def locked_prefix(tid: str, locked: Sequence[str], begins: Sequence[str] | None) -> str:
    """A route that does not begin with its locked visits; ``begins`` None: no route."""
    if begins is None:
        actual = "the plan has no route for them"
    else:
        actual = f"it begins with {', '.join(begins) or 'no visit'}"
    return f"{tid}'s route must begin with the locked visits {', '.join(locked)}, but {actual}"


# --- who does a visit ------------------------------------------------------------------


def missing_skills(visit_id: str, tid: str, skills: Sequence[str]) -> str:
    return (
        f"visit {visit_id} is on {tid}'s route but needs the skills {', '.join(skills)},"
        f" which {tid} does not have"
    )


def excluded(visit_id: str, tid: str) -> str:
    return f"visit {visit_id} is on {tid}'s route although it excludes {tid}"


def not_allowed(visit_id: str, tid: str, allowed: Sequence[str]) -> str:
    return (
        f"visit {visit_id} is on {tid}'s route, but only {', '.join(allowed) or 'no one'} may do it"
    )


def pinned_elsewhere(visit_id: str, tid: str, pinned: str) -> str:
    return f"visit {visit_id} is on {tid}'s route although it is pinned to {pinned}"


# --- times on a route ----------------------------------------------------------------


def window_missed(visit_id: str, tid: str, start_s: int, spans: Sequence[TimeWindow]) -> str:
    noun = "window" if len(spans) == 1 else "windows"
    return (
        f"visit {visit_id} starts at {clock(start_s)} on {tid}'s route,"
        f" outside its {noun} {windows(spans)}"
    )


def no_route_times(tid: str) -> str:
    return f"{tid}'s route has visits but no start or no end time"


def starts_before_shift(tid: str, start_s: int, shift_start_s: int) -> str:
    return (
        f"{tid}'s route starts at {clock(start_s)},"
        f" before the shift starts at {clock_short(shift_start_s)}"
    )


def ends_after_shift(tid: str, end_s: int, shift_end_s: int, overtime_s: int) -> str:
    allowance = f" plus the {duration(overtime_s)} of overtime allowed" if overtime_s else ""
    return (
        f"{tid}'s route ends at {clock(end_s)},"
        f" after the shift end {clock_short(shift_end_s)}{allowance}"
    )


def too_many_visits(tid: str, count: int, max_visits: int) -> str:
    return f"{tid}'s route has {count} visits, more than the {max_visits} allowed"


def over_capacity(tid: str, load: int, capacity: int) -> str:
    return f"{tid}'s route carries a load of {load}, more than the capacity {capacity}"


def overworked(tid: str, work_s: int, phrase: str, max_work_s: int) -> str:
    return (
        f"{tid} works {duration(work_s)} ({phrase}), more than the {duration(max_work_s)} allowed"
    )


def wrong_service_end(visit_id: str, tid: str, times: tuple[int, int, int], service_s: int) -> str:
    """``times``: the reported end, the start, and the end the start and service give."""
    end_s, start_s, expected_s = times
    return (
        f"visit {visit_id} on {tid}'s route ends at {clock(end_s)}, but it starts"
        f" at {clock(start_s)} and lasts {duration(service_s)},"
        f" so it ends at {clock(expected_s)}"
    )


def leg_too_short(
    target: str, verb: str, origin: str, times: tuple[int, int], travel_s: int, break_s: int
) -> str:
    """``target`` is due too early after leaving ``origin`` at ``times[0]``; it could
    ``verb`` at ``times[1]`` at the earliest."""
    from_s, earliest_s = times
    pause = f" and the {duration(break_s)} break" if break_s else ""
    return (
        f"{target}, but leaving {origin} at {clock(from_s)} with"
        f" {duration(travel_s)} of travel{pause} it cannot {verb}"
        f" before {clock(earliest_s)}"
    )


def route_ends_at(tid: str, end_s: int) -> str:
    return f"{tid}'s route ends at {clock(end_s)}"


def visit_starts_at(visit_id: str, tid: str, start_s: int) -> str:
    return f"visit {visit_id} starts at {clock(start_s)} on {tid}'s route"


# --- the break -------------------------------------------------------------------------


def break_without_rule(tid: str) -> str:
    return f"{tid}'s route reports a break, but {tid} has no break rule"


def no_break(tid: str, rule: BreakRule) -> str:
    return (
        f"{tid}'s route has no complete break; a {duration(rule.duration_s)} break"
        f" between {clock_short(rule.earliest_start_s)}"
        f" and {clock_short(rule.latest_end_s)} is required"
    )


def break_subject(tid: str, start_s: int, end_s: int) -> str:
    return f"{tid}'s break {clock(start_s)}-{clock(end_s)}"


def break_length(length_s: int, rule_s: int) -> str:
    return f"lasts {duration(length_s)}, not {duration(rule_s)}"


def break_starts_early(earliest_s: int) -> str:
    return f"starts before {clock_short(earliest_s)}"


def break_ends_late(latest_s: int) -> str:
    return f"ends after {clock_short(latest_s)}"


BREAK_OUTSIDE_ROUTE = "lies outside the route's start and end"


def break_overlaps(visit_id: str, start_s: int, end_s: int) -> str:
    return f"overlaps visit {visit_id} at {clock(start_s)}-{clock(end_s)}"


# --- reported figures --------------------------------------------------------------------


def stop_travel(where: str, reported_s: int, origin: str, travel_s: int) -> str:
    return (
        f"{where} reports {duration(reported_s)} of travel from {origin},"
        f" but the matrix gives {duration(travel_s)}"
    )


def stop_distance(where: str, reported_m: int | None, origin: str, distance_m: int | None) -> str:
    return (
        f"{where} reports {metres(reported_m)} from {origin},"
        f" but the matrix gives {metres(distance_m)}"
    )


def stop_wait(where: str, reported_s: int, wait_s: int, travel_s: int, origin: str) -> str:
    return (
        f"{where} reports a wait of {duration(reported_s)}, but it waits"
        f" {duration(wait_s)} after {duration(travel_s)} of travel from {origin}"
    )


def stop_arrival(where: str, arrival_s: int, earliest_s: int, start_s: int) -> str:
    return (
        f"{where} reports arrival at {clock(arrival_s)}, outside"
        f" {clock(earliest_s)}-{clock(start_s)} (earliest arrival to start)"
    )


def route_travel(tid: str, reported_s: int, legs_s: int) -> str:
    return (
        f"{tid}'s route reports {duration(reported_s)} of travel,"
        f" but its legs add up to {duration(legs_s)}"
    )


def route_distance(tid: str, reported_m: int | None, legs_m: int | None) -> str:
    return f"{tid}'s route reports {metres(reported_m)}, but its legs add up to {metres(legs_m)}"


def route_work(tid: str, reported_s: int, phrase: str, work_s: int) -> str:
    return (
        f"{tid}'s route reports {duration(reported_s)} of work, but {phrase} is {duration(work_s)}"
    )


def unused_times(tid: str, reported: Sequence[str]) -> str:
    return f"{tid}'s route has no visits but reports {' and '.join(reported)}"


def unused_totals(tid: str, travel_s: int, distance_m: int | None, work_s: int) -> str:
    return (
        f"{tid}'s route has no visits but reports {duration(travel_s)} of travel,"
        f" {metres(distance_m)} and {duration(work_s)} of work"
    )


def frozen_changed(
    tid: str, expected: Sequence[tuple[str, int, int]], actual: Sequence[tuple[str, int, int]]
) -> str:
    """A route that does not begin with its frozen stops at their times."""

    def stops(items: Sequence[tuple[str, int, int]]) -> str:
        return (
            ", ".join(f"{vid} {clock_short(a)}-{clock_short(b)}" for vid, a, b in items)
            or "nothing"
        )

    return (
        f"{tid}'s route must begin with the stops already under way or done"
        f" ({stops(expected)}), but it begins with {stops(actual)}"
    )


def starts_before_now(visit_id: str, tid: str, start_s: int, now_s: int) -> str:
    return (
        f"visit {visit_id} starts at {clock(start_s)} on {tid}'s route, before the re-plan's"
        f" time {clock_short(now_s)}, but it had not started then"
    )
