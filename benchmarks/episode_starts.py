"""Booking a new episode over published weeks: one ``POST /care-plans/suggestions``, timed.

Run: ``python -m benchmarks.episode_starts [--size medium] [--weeks 4] [--database-url URL]``

Books the generated day (``medium``: 25 therapists, about 180 visits) on every weekday of
the horizon the request prices, solves the first day once and publishes its routes on each
of those days (the same patients and order, each day's own visits: a clinic whose weeks
look alike). The generator fills a day to its capacity, which leaves no room for anyone
new, so every ``--drop``-th stop of a route is left out of the published copies (default
4: three quarters of the solved day). Then it times the request for a new patient: PT
three times a week, 45 minutes, a day between visits, from the horizon's first Monday.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, selectinload

from api.app import create_app
from api.deps import get_clock
from scheduler.accounts.tokens import issue_token
from scheduler.accounts.users import add_user
from scheduler.cli.demo import seed_demo_day
from scheduler.config import Settings
from scheduler.db.engine import make_engine, upgrade
from scheduler.models import Patient, Plan, PlanRoute, PlanStatus, PlanStop, Role, Visit
from scheduler.planning import PlanOptions, create_plan

FIRST = dt.date(2026, 11, 30)  # a Monday
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--time-limit", type=float, default=10.0, help="the first day's solve")
    parser.add_argument("--drop", type=int, default=4, help="leave out every N-th stop (0: none)")
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        # Every first date of the week from FIRST, then the episode's weeks from it.
        days = [FIRST + dt.timedelta(days=d) for d in range(7 * args.weeks + 6)]
        weekdays = [day for day in days if day.weekday() < 5]
        with Session(engine) as session:
            started = time.monotonic()
            headers, patient_id = _seed(session, weekdays, args.size, args.time_limit, args.drop)
            print(f"seeded {len(weekdays)} published days in {time.monotonic() - started:.1f} s")
        settings = Settings(database_url=url, secret_key="bench-secret-key-not-for-production")
        app = create_app(settings, engine)
        app.dependency_overrides[get_clock] = lambda: lambda: NOW
        body = {
            "patient_id": patient_id,
            "discipline": "PT",
            "visits_per_week": 3,
            "weeks": args.weeks,
            "duration_minutes": 45,
            "earliest_date": FIRST.isoformat(),
            "min_days_between": 1,
            "limit": 3,
        }
        with TestClient(app) as client:
            timings = []
            for _ in range(args.repeat):
                began = time.perf_counter()
                answer = client.post("/care-plans/suggestions", headers=headers, json=body)
                timings.append(time.perf_counter() - began)
                assert answer.status_code == 200, answer.json()
        app.state.jobs.shutdown()
        engine.dispose()
    best = answer.json()["suggestions"]
    print(
        f"{args.size} days on {engine.dialect.name}, {args.weeks} weeks of 3 a week: "
        f"median {statistics.median(timings):.2f} s, min {min(timings):.2f} s, "
        f"max {max(timings):.2f} s over {args.repeat} requests"
    )
    for item in best:
        print(
            f"  {item['first_date']} {','.join(item['weekdays'])} "
            f"{item['therapist']['external_id']}: +{item['added_travel_s']} s, "
            f"whole episode {item['keeps_whole_episode']}, missed {len(item['dates_not_kept'])}"
        )


def _seed(
    session: Session, weekdays: list[dt.date], size: str, time_limit_s: float, drop: int
) -> tuple[dict[str, str], int]:
    """The days booked and published, a coordinator's headers and the new patient's id."""
    clinic = seed_demo_day(session, weekdays[0], size=size)
    for day in weekdays[1:]:
        seed_demo_day(session, day, size=size)
    session.commit()
    first = create_plan(session, clinic.id, weekdays[0], PlanOptions(time_limit_s=time_limit_s))
    session.commit()
    routes = session.scalars(
        sa.select(PlanRoute)
        .where(PlanRoute.plan_id == first.id)
        .options(selectinload(PlanRoute.stops).selectinload(PlanStop.visit))
    ).all()
    for day in weekdays:
        visits = {
            v.external_id.split("-", 3)[3]: v
            for v in session.scalars(sa.select(Visit).where(Visit.date == day))
        }
        version = 2 if day == first.date else 1
        plan = Plan(clinic_id=clinic.id, date=day, version=version, status=PlanStatus.PUBLISHED)
        plan.routes = [_copy(route, visits, drop) for route in routes]
        plan.kpis = first.kpis
        session.add(plan)
    centre = session.scalars(sa.select(Patient).where(Patient.clinic_id == clinic.id)).first()
    assert centre is not None
    assert centre.lat is not None
    assert centre.lon is not None
    patient = Patient(
        clinic_id=clinic.id,
        external_id="referral",
        name="New Referral",
        address="1 New Street, Leeds",
        lat=centre.lat + 0.004,
        lon=centre.lon - 0.003,
    )
    session.add(patient)
    user = add_user(
        session, clinic, "bench@clinic.example", "correct horse battery", Role.COORDINATOR
    )
    token = issue_token(session, "bench-secret-key-not-for-production", user).token
    session.commit()
    return {"Authorization": f"Bearer {token}"}, patient.id


def _copy(route: PlanRoute, visits: dict[str, Visit], drop: int) -> PlanRoute:
    """The route on another day: the same stops at the same times, that day's visits,
    less every ``drop``-th stop."""
    copy = PlanRoute(
        therapist_id=route.therapist_id,
        start_s=route.start_s,
        end_s=route.end_s,
        break_start_s=route.break_start_s,
        break_end_s=route.break_end_s,
        travel_s=route.travel_s,
        distance_m=route.distance_m,
        work_s=route.work_s,
    )
    kept = [stop for stop in route.stops if not drop or stop.position % drop != drop - 1]
    copy.stops = [
        PlanStop(
            visit=visits[stop.visit.external_id.split("-", 3)[3]],
            position=position,
            arrival_s=stop.arrival_s,
            start_s=stop.start_s,
            end_s=stop.end_s,
            travel_s=stop.travel_s,
            distance_m=stop.distance_m,
            wait_s=stop.wait_s,
        )
        for position, stop in enumerate(kept)
    ]
    return copy


if __name__ == "__main__":
    main()
