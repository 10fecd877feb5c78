"""The time a solve may take, and how its phases share it.

``solve(problem, Params(time_limit_s=T))`` answers within about T seconds of being called,
whatever the day's size. The limit is one deadline on ``Params.clock``, and every phase
takes its time from what is left of it rather than from T:

1. set-up: the pre-checks, our construction where the day uses it, and the model;
2. the search, until the deadline less a reserve for the phases after it;
3. after the search: the repair of left-out visits (``solver.repair``, with its ejection
   chains) and the probe of their reasons (``solver.outcome.explain_dropped``); both stop
   where the deadline falls, and a visit the probe has no time for gets a reason that says
   so.

A limit smaller than the set-up leaves the search nothing: the plan is then the
construction's (our own insertion, or the warm start), repaired and explained as far as
the time allows, and the solve ends late by what the set-up took. The clock can be
injected (tests use one that jumps), so that no test races a real time limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

# The phases after the search try each left-out visit on every qualified therapist's route,
# once to insert it (the repair) and once for its reason (the probe). Measured on the
# 2,000-visit regression day, machine to itself: after a 30 s solve, 612 left-out visits and
# 200 therapists took 1.0 s to repair and 8.2 s to probe, 75 microseconds per visit and
# route (full routes make the probe try every position). At 40 microseconds a 120 s solve
# of that day left 221-343 visits unprobed (TIME_LIMIT). The reserve is 80 microseconds,
# but never more than a share of the limit, so that the search keeps most of it and a probe
# cut short only costs the last visits their exact reasons.
POST_SEARCH_S_PER_TRY = 8e-5
POST_SEARCH_MAX_SHARE = 0.1
# Then the ejection chains (``solver.ejection``) for what still fits nowhere, which get half
# of what is left after the direct insertions. Measured on generated 600-visit days (80
# routes, 60 s): with only the reserve above they had 10 ms and placed nothing; at 40 ms per
# expected left-out visit 0.47-0.68 s placed 1-2 visits and were cut short on both days; at
# 80 ms 0.58-0.69 s placed 2-3 and finished on one. On 180-visit days they take a few
# milliseconds. Never more than a small share of the limit: on a 2,000-visit day 2.6 s of
# them placed no visit.
CHAIN_S_PER_LEFT_OUT = 0.08
CHAIN_MAX_SHARE = 0.02
# The share of a day's visits expected left out when no construction has said (OR-Tools
# builds the first plan of days up to 400 visits): generated days drop 5-20 %.
LEFT_OUT_GUESS = 0.2

# Less time than this is not worth handing to OR-Tools: it cannot build a first plan or
# restore a warm start in it, and returns nothing.
MIN_SEARCH_S = 0.05


@dataclass(frozen=True)
class Deadline:
    """When a solve (or one phase of it) must be done, in seconds on ``clock``.

    Parameters
    ----------
    start_s
        When the solve began; statistics count from it.
    end_s
        When it must be done.
    clock
        Monotonic seconds; ``time.monotonic`` unless a test injects another.
    """

    start_s: float
    end_s: float
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def after(cls, limit_s: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        """The deadline ``limit_s`` seconds from now."""
        now_s = clock()
        return cls(now_s, now_s + max(0.0, limit_s), clock)

    @property
    def limit_s(self) -> float:
        """The whole time from the start to the end."""
        return self.end_s - self.start_s

    def elapsed_s(self) -> float:
        return self.clock() - self.start_s

    def remaining_s(self) -> float:
        return max(0.0, self.end_s - self.clock())

    def passed(self) -> bool:
        return self.clock() >= self.end_s

    def earlier_by(self, seconds: float) -> Deadline:
        """The same start, the end ``seconds`` sooner."""
        return replace(self, end_s=self.end_s - seconds)


def post_search_reserve_s(limit_s: float, left_out: int, therapist_count: int) -> float:
    """The time kept back from the search for the repair and the probe after it.

    Parameters
    ----------
    limit_s
        The solve's whole time limit.
    left_out
        How many visits the search is expected to leave out: what the construction (or the
        warm start) left out, else ``LEFT_OUT_GUESS`` of the visits.
    therapist_count
        The therapists whose routes each left-out visit may be tried on.

    Returns
    -------
    float
        ``POST_SEARCH_S_PER_TRY`` per visit and route, at most ``POST_SEARCH_MAX_SHARE``
        of the limit, plus ``CHAIN_S_PER_LEFT_OUT`` per visit for the ejection chains, at
        most ``CHAIN_MAX_SHARE`` of the limit.
    """
    tries = left_out * therapist_count
    repair_and_probe_s = min(POST_SEARCH_MAX_SHARE * limit_s, POST_SEARCH_S_PER_TRY * tries)
    chains_s = min(CHAIN_MAX_SHARE * limit_s, CHAIN_S_PER_LEFT_OUT * left_out)
    return repair_and_probe_s + chains_s


def search_deadline(deadline: Deadline, left_out: int, therapist_count: int) -> Deadline:
    """The search's deadline: the solve's, less the reserve for the phases after it."""
    reserve_s = post_search_reserve_s(deadline.limit_s, left_out, therapist_count)
    return deadline.earlier_by(reserve_s)


def expected_left_out(visit_count: int, routed: int | None) -> int:
    """The visits a search is expected to leave out: those a start left out, else a guess."""
    if routed is None:
        return math.ceil(LEFT_OUT_GUESS * visit_count)
    return max(0, visit_count - routed)


def search_time_left_s(deadline: Deadline) -> float | None:
    """The seconds to hand OR-Tools, or None when too little is left to search at all."""
    remaining_s = deadline.remaining_s()
    return remaining_s if remaining_s >= MIN_SEARCH_S else None
