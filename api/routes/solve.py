"""Stateless solving for integrators: the problem JSON in, the plan JSON out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from api.deps import JobsDep, SessionDep, SettingsDep, StaffUser
from scheduler.day_json.problem import parse_problem
from scheduler.errors import InvalidRequest
from solver.params import Params

router = APIRouter(tags=["solve"])

# The request waits for the search: keep it well inside common proxy timeouts.
MAX_SOLVE_TIME_LIMIT_S = 120.0

EXAMPLE_PROBLEM: dict[str, Any] = {
    "date": "2026-11-30",
    "timezone": "Europe/Andorra",
    "locations": [
        {"id": "home-t1", "lat": 42.507, "lon": 1.521},
        {"id": "p1", "lat": 42.51, "lon": 1.53},
    ],
    "therapists": [
        {
            "id": "t1",
            "start_location": "home-t1",
            "shift": {"start": "08:00", "end": "16:30"},
            "skills": ["PT"],
            "break": {"earliest": "11:30", "latest_end": "14:00", "minutes": 30},
        }
    ],
    "visits": [
        {
            "id": "v1",
            "location": "p1",
            "duration_minutes": 45,
            "windows": [{"start": "09:00", "end": "12:00"}],
            "skills": ["PT"],
        }
    ],
    "options": {"time_limit_s": 1},
}
ProblemBody = Annotated[
    dict[str, Any],
    Body(
        description="One day as the problem JSON of DESIGN.md section 9.",
        openapi_examples={"one visit": {"value": EXAMPLE_PROBLEM}},
    ),
]


@router.post("/solve")
def solve_problem(
    problem: ProblemBody,
    _user: StaffUser,
    session: SessionDep,
    settings: SettingsDep,
    jobs: JobsDep,
) -> dict[str, Any]:
    """Plan one self-contained day and return the plan JSON (waits for the search)."""
    session.close()  # the search needs no database: give the connection back meanwhile
    parsed = parse_problem(problem)
    time_limit_s = parsed.time_limit_s or settings.solver_time_limit_s
    if time_limit_s > MAX_SOLVE_TIME_LIMIT_S:
        raise InvalidRequest.single(
            "options.time_limit_s",
            f"must be at most {MAX_SOLVE_TIME_LIMIT_S:g} s here; use POST /plans for longer",
        )
    params = Params(time_limit_s=time_limit_s, seed=parsed.seed or 0)
    # Parsed here so that a bad field is a 422 at once; the runner (this server, or a worker
    # through the broker) solves the same JSON.
    return jobs.solve_problem(problem, params)
