"""Load on the therapist's route: 200 concurrent clients on ``GET /me/route``.

Run: ``python -m benchmarks.api_load [--clients 200] [--duration 20] [--server-workers 2]``

Needs PostgreSQL (``--postgres-url``, default this machine's ``test`` server) and ``wrk``
(Debian package). Creates a database of its own, books and plans a generated day (80
therapists, 600 visits), publishes it, gives every therapist a login and a token, starts
``homevisit serve`` on it, lets ``wrk`` fetch the route with the therapists' tokens in turn,
prints requests/s and latency percentiles, then stops the server and drops the database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from scheduler.accounts.tokens import issue_token
from scheduler.accounts.users import add_user
from scheduler.cli.demo import seed_demo_day
from scheduler.db.engine import make_engine, upgrade
from scheduler.models import PlanRoute, Role, Therapist
from scheduler.planning import PlanOptions, create_plan, publish_plan

DATE = dt.date(2026, 11, 30)
SECRET_KEY = secrets.token_urlsafe(32)
LUA = """
local tokens = {%s}
local i = 0
request = function()
  i = i + 1
  local headers = {["Authorization"] = "Bearer " .. tokens[(i %% #tokens) + 1]}
  return wrk.format("GET", "/me/route?date=%s", headers)
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(url: str, time_limit_s: float) -> list[str]:
    """Book, plan and publish the day; one token per therapist with stops."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        clinic = seed_demo_day(session, DATE, size="large")
        session.commit()
        plan = create_plan(session, clinic.id, DATE, PlanOptions(time_limit_s=time_limit_s))
        publish_plan(session, plan.clinic_id, plan.id)
        routed = session.scalars(
            sa.select(Therapist)
            .join(PlanRoute, PlanRoute.therapist_id == Therapist.id)
            .where(PlanRoute.plan_id == plan.id, PlanRoute.start_s.is_not(None))
        ).all()
        tokens = []
        for therapist in routed:
            email = f"{therapist.external_id}@load.example"
            user = add_user(session, clinic, email, "load test password", Role.THERAPIST, therapist)
            tokens.append(issue_token(session, SECRET_KEY, user).token)
        session.commit()
    engine.dispose()
    return tokens


def _wait_for(url: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {timeout_s:g} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1/test")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds to plan the day")
    args = parser.parse_args()

    server_url = make_url(args.postgres_url)
    name = f"homevisit_load_{secrets.token_hex(4)}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server_url.set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        tokens = _seed(url, args.time_limit)
        port = _free_port()
        env = {**os.environ, "HOMEVISIT_DATABASE_URL": url, "HOMEVISIT_SECRET_KEY": SECRET_KEY}
        command = [sys.executable, "-m", "scheduler.cli.main", "serve", "--port", str(port)]
        command += ["--workers", str(args.server_workers)]
        server = subprocess.Popen(command, env=env)
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/health")
        with tempfile.TemporaryDirectory() as folder:
            script = Path(folder) / "route.lua"
            quoted = ", ".join(f'"{token}"' for token in tokens)
            script.write_text(LUA % (quoted, DATE.isoformat()))
            wrk = ["wrk", "-t1", f"-c{args.clients}", f"-d{args.duration}s", "--latency"]
            wrk += ["--timeout", "30s"]  # wrk counts slower answers as errors, not latency
            result = subprocess.run(
                [*wrk, "-s", str(script), base], capture_output=True, text=True, check=True
            )
        _report(result.stdout, args, len(tokens))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _report(wrk_output: str, args: argparse.Namespace, therapists: int) -> None:
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", wrk_output, re.MULTILINE))
    rate = re.search(r"Requests/sec:\s+(\S+)", wrk_output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk_output)
    socket_errors = re.search(r"Socket errors: (.*)", wrk_output)
    print(
        f"GET /me/route, {args.clients} clients, {args.duration} s, "
        f"{args.server_workers} server processes, {therapists} therapists' tokens"
    )
    print(f"requests/s {rate.group(1) if rate else '?'}")
    p50, p90, p99 = (percentiles.get(key) for key in ("50", "90", "99"))
    print(f"latency p50 {p50}, p90 {p90}, p99 {p99}")
    print(f"non-2xx responses: {errors.group(1) if errors else 0}")
    if socket_errors:
        print(f"socket errors: {socket_errors.group(1)}")


if __name__ == "__main__":
    main()
