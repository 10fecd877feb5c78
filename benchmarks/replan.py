"""Re-planning the large generated day at 10:30: the figures issue 12 asks for.

Usage: ``python -m benchmarks.replan [--towns leeds andorra] [--seed 1] [--time-limit S]
[--replan-time-limit S]``. Each town's 80-therapist, 600-visit day is planned (the
published plan), then re-planned from 10:30 twice: one therapist (the one with most
unstarted visits) unavailable from 10:30, and three urgent ``high`` visits added. For each
it prints the wall time, whether every frozen stop kept its times (the independent checker
holds them as locks), how many unfrozen visits of the *other* therapists changed therapist,
where the sick therapist's unstarted visits went, and, for comparison, how many visits a
from-scratch plan of the same day moves (another therapist, or a start moved beyond the
30-minute promise). For the urgent visits it also times ``suggest_slots`` (five slots each)
on the published plan.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from scheduler.day_json.generate import generate_day
from scheduler.day_json.problem import parse_problem
from solver import Params, Priority, Visit, solve
from solver.changes import ChangeKind, plan_changes
from solver.check import check_solution
from solver.current_plan import Replan, current_routes_of
from solver.freeze import frozen_routes
from solver.suggest import suggest_slots

if TYPE_CHECKING:
    from solver import Problem, Solution, Therapist

NOW_S = 10 * 3600 + 1800
PROMISED_S = 1800


def _moved_from_scratch(base: Solution, scratch: Solution) -> int:
    before = {s.visit_id: (r.therapist_id, s.start_s) for r in base.routes for s in r.stops}
    after = {s.visit_id: (r.therapist_id, s.start_s) for r in scratch.routes for s in r.stops}
    return sum(
        1
        for vid, (tid, start_s) in before.items()
        if vid in after and (after[vid][0] != tid or abs(after[vid][1] - start_s) > PROMISED_S)
    )


def _report(
    name: str, day: Problem, base: Solution, again: Solution, wall_s: float, sick: str | None
) -> None:
    violations = check_solution(day, again)
    frozen = frozen_routes(day)
    changes = plan_changes(day, again)
    by_visit = {c.visit_id: c for c in changes.changes}
    unfrozen_others = [
        s.visit_id
        for r in base.routes
        if r.therapist_id != sick
        for s in r.stops
        if s.visit_id not in {v for f in frozen.values() for v in f.visit_ids}
    ]
    moved_others = [
        v for v in unfrozen_others if v in by_visit and by_visit[v].kind == ChangeKind.MOVED
    ]
    kinds: dict[str, int] = {}
    for change in changes.changes:
        kinds[change.kind.value] = kinds.get(change.kind.value, 0) + 1
    print(
        f"{name}: wall {wall_s:.1f} s, planned {again.planned_count}/{len(day.visits)}"
        f" (before {base.planned_count}), violations {len(violations)},"
        f" frozen stops {sum(len(f.stops) for f in frozen.values())},"
        f" other therapists' unfrozen visits moved {len(moved_others)}/{len(unfrozen_others)}"
        f" ({100 * len(moved_others) / max(1, len(unfrozen_others)):.1f} %), changes {kinds},"
        f" therapists to tell {len(changes.therapists_to_tell)},"
        f" patients {len(changes.visits_to_tell)}"
    )
    if sick is not None:
        mine = [
            s.visit_id
            for r in base.routes
            if r.therapist_id == sick
            for s in r.stops
            if s.start_s >= NOW_S
        ]
        placed = [v for v in mine if v in by_visit and by_visit[v].kind == ChangeKind.MOVED]
        reasons = [
            str(by_visit[v].reason)
            for v in mine
            if v in by_visit and by_visit[v].kind == ChangeKind.UNASSIGNED
        ]
        print(
            f"  {sick}'s {len(mine)} unstarted visits: {len(placed)} placed elsewhere,"
            f" unassigned: {reasons}"
        )


def _stops_now(therapist: Therapist) -> Therapist:
    """Unavailable from now: the shift ends, and a break the shift no longer holds goes."""
    rule = therapist.break_rule
    if rule is not None and rule.earliest_start_s + rule.duration_s > NOW_S:
        rule = None
    return replace(therapist, shift_end_s=NOW_S, break_rule=rule)


def run(town: str, seed: int, limit_s: float, replan_limit_s: float) -> None:
    problem = parse_problem(generate_day("large", seed, town=town)).problem
    base = solve(problem, Params(time_limit_s=limit_s))
    replan = Replan(
        NOW_S,
        current_routes_of(base.routes),
        unassigned=frozenset(u.visit_id for u in base.unassigned),
    )
    unstarted = {r.therapist_id: sum(s.start_s >= NOW_S for s in r.stops) for r in base.routes}
    sick = max(unstarted, key=lambda tid: unstarted[tid])
    events = {
        "sick": replace(
            problem,
            therapists=tuple(
                replace(
                    t,
                    shift_end_s=NOW_S,
                    break_rule=None
                    if t.break_rule and t.break_rule.earliest_start_s >= NOW_S
                    else t.break_rule,
                )
                if t.id == sick
                else t
                for t in problem.therapists
            ),
        ),
        "urgent": replace(
            problem,
            visits=(
                *problem.visits,
                *(
                    replace(
                        Visit(f"urgent{i}", problem.visits[i * 97].location, 30 * 60),
                        priority=Priority.HIGH,
                        required_skills=problem.visits[i * 97].required_skills,
                    )
                    for i in range(3)
                ),
            ),
        ),
    }
    for name, changed in events.items():
        day = replace(changed, replan=replan)
        started = time.monotonic()
        again = solve(day, Params(time_limit_s=replan_limit_s))
        _report(
            f"{town} {name}",
            day,
            base,
            again,
            time.monotonic() - started,
            sick if name == "sick" else None,
        )
        if name == "urgent":
            placed = {s.visit_id for r in again.routes for s in r.stops}
            print(f"  urgent visits placed: {sorted(v for v in placed if v.startswith('urgent'))}")
            _time_suggestions(replace(problem, replan=replan), changed.visits[-3:])
        scratch = solve(changed, Params(time_limit_s=limit_s))
        print(
            f"  from scratch: {scratch.planned_count} planned,"
            f" {_moved_from_scratch(base, scratch)} visits of the published plan moved"
        )


def _time_suggestions(day: Problem, visits: tuple[Visit, ...]) -> None:
    """Five suggestions for each urgent visit on the published plan, timed one by one."""
    for visit in visits:
        started = time.perf_counter()
        found = suggest_slots(day, visit, 5)
        elapsed_ms = 1000 * (time.perf_counter() - started)
        best = "none" if not found else f"best +{found[0].added_travel_s} s travel"
        print(f"  suggestions for {visit.id}: {len(found)} in {elapsed_ms:.0f} ms, {best}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--towns", nargs="+", default=["leeds", "andorra"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0, help="the published plan's")
    parser.add_argument("--replan-time-limit", type=float, default=8.0)
    args = parser.parse_args(argv)
    for town in args.towns:
        run(town, args.seed, args.time_limit, args.replan_time_limit)


if __name__ == "__main__":
    main()
