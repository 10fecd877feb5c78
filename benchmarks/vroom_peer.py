"""VROOM (pyvroom) as a peer solver: our ``Problem`` in, our ``Solution`` out.

Where VROOM cannot say what we model, the conversion picks the closest thing:

- Who may do a visit (skills, exclusions, allowed lists, pins, shift fit) comes from
  ``solver.outcome.pre_check``. A VROOM vehicle may do a job when it holds *all* the job's
  skills, so a job cannot list its therapists directly; instead each distinct set of
  candidates gets one skill id, held by exactly the therapists in that set.
- VROOM has no maximum working time: the shift is cut to
  ``min(shift end + overtime, shift start + max work + break)``.
- Priorities: VROOM maximises the sum of the priorities (0-100, higher matters more;
  pyvroom's docstring says the opposite, a two-job run says this) of the jobs it assigns,
  then how many it assigns, then travel. 100/60/20/0 keeps must > high > normal > low, but
  not lexicographically as our penalties do: two high visits outweigh one must.
- Preferred therapists, overtime cost and capacities are left out.

pyvroom is an optional extra (``pip install -e '.[benchmark]'``), imported only when called.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from solver.outcome import explain_dropped, finish, pre_check
from solver.problem import Priority, merged_windows
from solver.solution import Route, SolveStats, Stop

if TYPE_CHECKING:
    from types import ModuleType

    from solver.problem import Problem, Therapist, Visit
    from solver.solution import Solution

PRIORITY = {Priority.MUST: 100, Priority.HIGH: 60, Priority.NORMAL: 20, Priority.LOW: 0}
MISSING = (
    "the VROOM peer needs pyvroom, which is not installed: "
    "pip install -e '.[benchmark]' (or pip install pyvroom==1.15.0)"
)

# A VROOM step as its JSON output gives it ("type", "arrival", "waiting_time", "id", ...).
Step = dict[str, Any]


def load_vroom() -> ModuleType:
    """The ``vroom`` module, or ``ModuleNotFoundError`` saying how to install it."""
    try:
        import vroom
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(MISSING) from error
    module: ModuleType = vroom
    return module


def solve_with_vroom(
    problem: Problem, time_limit_s: float | None, exploration: int = 5, threads: int = 2
) -> Solution:
    """Plan the day with VROOM and express the plan as our ``Solution``.

    Parameters
    ----------
    problem
        The planning day.
    time_limit_s
        VROOM's timeout in seconds; None lets it run its heuristics to the end.
    exploration
        VROOM's exploration level, 1 (fast) to 5 (thorough).
    threads
        Threads VROOM may use.

    Returns
    -------
    Solution
        One route per therapist in the problem's order, with VROOM's visit order, stop times
        and break; travel, waiting and work recomputed from our matrices. Visits the
        pre-checks rule out keep our reason; those VROOM leaves out get the reason our
        probe of dropped visits finds, in a sentence that says VROOM left them out.
    """
    vroom = load_vroom()
    started = time.perf_counter()
    ruled_out, visits, candidates = pre_check(problem)
    steps_by_therapist: dict[int, list[Step]] = {}
    if visits:  # VROOM refuses an input without jobs
        peer_input = build_input(vroom, problem, visits, candidates)
        answer = _run(vroom, peer_input, time_limit_s, exploration, threads)
        steps_by_therapist = {int(r["vehicle"]): r["steps"] for r in answer["routes"]}
    routes = tuple(
        read_route(problem, therapist, visits, steps_by_therapist.get(index, []))
        for index, therapist in enumerate(problem.therapists)
    )
    left_out = [
        replace(item, message=f"VROOM left it out (our probe: {item.message})")
        for item in explain_dropped(problem, visits, candidates, routes)
    ]
    stats = SolveStats(
        wall_s=time.perf_counter() - started,
        solutions_found=1,
        strategy=f"vroom exploration {exploration}, {threads} threads",
    )
    return finish(problem, routes, [*ruled_out, *left_out], stats)


def _run(
    vroom: ModuleType, peer_input: Any, time_limit_s: float | None, exploration: int, threads: int
) -> dict[str, Any]:
    """VROOM's answer as its JSON output (``routes`` with ``steps``, ``unassigned``)."""
    timeout = None if time_limit_s is None else timedelta(seconds=time_limit_s)
    # pyvroom 1.15's Input.solve refuses every timeout (its isinstance(timeout, (None,
    # timedelta)) raises TypeError), so call the binding it wraps, as it would.
    raw = peer_input._solve(exploration_level=exploration, nb_threads=threads, timeout=timeout)
    answer: dict[str, Any] = vroom.solution.solution.Solution(raw).to_dict()
    return answer


def build_input(
    vroom: ModuleType, problem: Problem, visits: list[Visit], candidates: list[tuple[int, ...]]
) -> Any:
    """A ``vroom.Input``: vehicle ``i`` is therapist ``i``, job ``j`` is ``visits[j]``.

    Parameters
    ----------
    vroom
        The pyvroom module.
    problem
        The planning day.
    visits, candidates
        The routable visits and their therapists' indices, from ``pre_check``.

    Returns
    -------
    vroom.Input
        One duration matrix per travel mode in use (a VROOM profile each).
    """
    peer_input = vroom.Input()
    for mode in sorted({t.travel_mode for t in problem.therapists}):
        peer_input.set_durations_matrix(mode, problem.travel[mode].durations_s)
    skill_of = {group: number for number, group in enumerate(sorted(set(candidates)))}
    for index, therapist in enumerate(problem.therapists):
        skills = {skill for group, skill in skill_of.items() if index in group}
        peer_input.add_vehicle(_vehicle(vroom, index, therapist, skills))
    for number, (visit, group) in enumerate(zip(visits, candidates, strict=True)):
        peer_input.add_job(_job(vroom, number, visit, skill_of[group]))
    return peer_input


def _job(vroom: ModuleType, number: int, visit: Visit, skill: int) -> Any:
    # VROOM wants a job's windows sorted and disjoint; merging start windows changes nothing.
    spans = merged_windows((w.start_s, w.end_s) for w in visit.windows)
    return vroom.Job(
        number,
        location=visit.location,
        default_service=visit.service_s,
        skills={skill},
        priority=PRIORITY[visit.priority],
        time_windows=[vroom.TimeWindow(w.start_s, w.end_s) for w in spans],
    )


def available_until(therapist: Therapist) -> int:
    """The end of the therapist's VROOM time window: the shift cut to max work."""
    end_s = therapist.shift_end_s + therapist.overtime_max_s
    if therapist.max_work_s is not None:
        rule = therapist.break_rule
        break_s = 0 if rule is None else rule.duration_s
        end_s = min(end_s, therapist.shift_start_s + therapist.max_work_s + break_s)
    return max(end_s, therapist.shift_start_s)


def _vehicle(vroom: ModuleType, index: int, therapist: Therapist, skills: set[int]) -> Any:
    rule = therapist.break_rule
    breaks = []
    if rule is not None:
        # Our rule bounds the break's end; VROOM's window bounds its start.
        latest_start_s = max(rule.earliest_start_s, rule.latest_end_s - rule.duration_s)
        window = vroom.TimeWindow(rule.earliest_start_s, latest_start_s)
        breaks.append(vroom.Break(index, [window], service=rule.duration_s))
    limits = {} if therapist.max_visits is None else {"max_tasks": therapist.max_visits}
    return vroom.Vehicle(
        index,
        start=therapist.start_location,
        end=therapist.end_location,
        profile=therapist.travel_mode,
        skills=skills,
        time_window=vroom.TimeWindow(therapist.shift_start_s, available_until(therapist)),
        breaks=breaks,
        **limits,
    )


def read_route(
    problem: Problem, therapist: Therapist, visits: list[Visit], steps: list[Step]
) -> Route:
    """One therapist's route from VROOM's steps (start, jobs, a break, end).

    Parameters
    ----------
    problem
        The planning day (its matrices).
    therapist
        Whose route it is.
    visits
        The routable visits: a job's id is its index here.
    steps
        VROOM's steps of this vehicle; empty when VROOM did not use it.

    Returns
    -------
    Route
        VROOM's departure, visit order, visit starts, break and return; arrival as VROOM
        reports it; travel, distance, waiting and work recomputed from our matrices the
        way the checker defines them.
    """
    jobs = [(visits[int(s["id"])], s) for s in steps if s["type"] == "job"]
    if not jobs:
        return Route(therapist.id)
    pause = next((s for s in steps if s["type"] == "break"), None)
    break_span = None if pause is None else (_begin(pause), _begin(pause) + int(pause["service"]))
    start_s, end_s = int(steps[0]["arrival"]), int(steps[-1]["arrival"])
    stops = _stops(problem, therapist, jobs, start_s, break_span)
    matrix = problem.matrix_for(therapist)
    back_s = int(matrix.durations_s[jobs[-1][0].location, therapist.end_location])
    distance_m = None
    if matrix.distances_m is not None:
        back_m = int(matrix.distances_m[jobs[-1][0].location, therapist.end_location])
        distance_m = sum(s.distance_m or 0 for s in stops) + back_m
    break_s = 0 if break_span is None else break_span[1] - break_span[0]
    return Route(
        therapist.id,
        stops,
        start_s,
        end_s,
        None if break_span is None else break_span[0],
        None if break_span is None else break_span[1],
        sum(s.travel_s for s in stops) + back_s,
        distance_m,
        end_s - start_s - break_s,
    )


def _begin(step: Step) -> int:
    """When a step's service (a visit or the break) begins: VROOM reports the arrival."""
    return int(step["arrival"]) + int(step["waiting_time"]) + int(step["setup"])


def _stops(
    problem: Problem,
    therapist: Therapist,
    jobs: list[tuple[Visit, Step]],
    start_s: int,
    break_span: tuple[int, int] | None,
) -> tuple[Stop, ...]:
    matrix = problem.matrix_for(therapist)
    stops = []
    location, free_s = therapist.start_location, start_s
    for visit, step in jobs:
        drive_s = int(matrix.durations_s[location, visit.location])
        distance_m = None
        if matrix.distances_m is not None:
            distance_m = int(matrix.distances_m[location, visit.location])
        begin_s = _begin(step)
        pause_s = 0
        if break_span is not None and free_s <= break_span[0] and break_span[1] <= begin_s:
            pause_s = break_span[1] - break_span[0]
        wait_s = begin_s - free_s - drive_s - pause_s
        arrival_s = int(step["arrival"])
        stops.append(
            Stop(
                visit.id, arrival_s, begin_s, begin_s + visit.service_s, drive_s, distance_m, wait_s
            )
        )
        location, free_s = visit.location, begin_s + visit.service_s
    return tuple(stops)
