"""Planning through the service: a generated day stored as records, planned, published.

Run: ``python -m benchmarks.service [--size large] [--database-url URL] [--time-limit S]``

Times each step on a fresh database (default: a temporary SQLite file): booking the
generated day, building the solver problem from the records (shifts, matrices), the
solve in its worker process with the check, storing the plan, and publishing it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from scheduler.cli.demo import seed_demo_day
from scheduler.db.engine import make_engine, upgrade
from scheduler.planning import PlanOptions, build_day, create_plan, publish_plan
from scheduler.travel.geodesic import GeodesicProvider

DATE = dt.date(2026, 11, 30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large")
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite)")
    parser.add_argument("--time-limit", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            started = time.monotonic()
            clinic = seed_demo_day(session, DATE, size=args.size)
            session.commit()
            booked = time.monotonic()
            day = build_day(session, clinic, DATE, GeodesicProvider())
            built = time.monotonic()
            options = PlanOptions(time_limit_s=args.time_limit)
            plan = create_plan(session, clinic.id, DATE, options)
            session.commit()
            planned = time.monotonic()
            publish_plan(session, plan.clinic_id, plan.id)
            session.commit()
            published = time.monotonic()
            kpis, status = dict(plan.kpis or {}), plan.status
        engine.dispose()
    print(
        f"{args.size} day on {engine.dialect.name}: {len(day.problem.therapists)} therapists, "
        f"{len(day.problem.visits)} visits, time limit {args.time_limit:g} s"
    )
    print(
        f"book {booked - started:.2f} s, build {built - booked:.2f} s, "
        f"plan (solve + check + store) {planned - built:.2f} s, "
        f"publish {published - planned:.2f} s, total {published - started:.2f} s"
    )
    print(f"status {status}, planned {kpis.get('visits_planned')} of {kpis.get('visits_total')}")


if __name__ == "__main__":
    main()
