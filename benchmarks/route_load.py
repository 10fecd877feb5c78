"""Load on the therapist's hot reads: ``GET /me/route`` and the calendar feed, 200 clients.

Run: ``python -m benchmarks.route_load [--clients 200] [--duration 20] [--server-workers 2]``

Needs PostgreSQL (``--postgres-url``, default this machine's ``test`` database) and ``wrk``
(Debian package ``wrk``). Creates a schema of its own in that database, books, plans and
publishes today's large generated day (80 therapists, 600 visits) with a login and a token
for every therapist with stops, starts ``homevisit serve --workers N`` on it, and lets ``wrk``
(one thread, a process of its own) hold ``--clients`` connections for ``--duration`` seconds
per case, each request with the next therapist's credentials:

- ``route``: ``GET /me/route`` with a bearer token;
- ``feed``: ``GET /feeds/<user>/<secret>/route.ics``, the URL calendar apps poll;

each without and with ``If-None-Match`` (the ETag of a first fetch, so an unchanged route
can be answered 304; a server without ETags answers 200 to both), after ``--warmup``
seconds of the same load that are not measured. Prints requests/s and the latency
percentiles per case, then stops the servers and drops the schema. Server settings
come from the environment (``HOMEVISIT_ROUTE_CACHE_MB=0`` measures without the cache).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from scheduler.accounts.tokens import issue_token
from scheduler.accounts.users import add_user
from scheduler.cli.demo import seed_demo_day
from scheduler.day_json.towns import TOWNS
from scheduler.db.engine import make_engine, upgrade
from scheduler.models import PlanRoute, Role, Therapist
from scheduler.planning import PlanOptions, create_plan, publish_plan

SECRET_KEY = secrets.token_urlsafe(32)
# The generator's default town: today there, so the feed's window holds the day.
TOWN = "leeds"
# wrk sends the requests of this table in turn, one per therapist (headers pre-formatted).
LUA = """
local requests = {}
for i, spec in ipairs({%s}) do
  requests[i] = wrk.format("GET", spec[1], spec[2])
end
local i = 0
request = function()
  i = i + 1
  return requests[(i %% #requests) + 1]
end
"""
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class Caller:
    """One therapist's credentials and what a first fetch answered."""

    token: str
    feed_path: str
    route_etag: str | None
    feed_etag: str | None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(url: str, date: dt.date, time_limit_s: float) -> list[str]:
    """Book, plan and publish the day; one token per therapist with stops."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        clinic = seed_demo_day(session, date, size="large")
        session.commit()
        plan = create_plan(session, clinic.id, date, PlanOptions(time_limit_s=time_limit_s))
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


def _get(url: str, headers: dict[str, str]) -> tuple[bytes, str | None]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), response.headers.get("ETag")


def _wait_for(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            _get(url, {})
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {timeout_s:g} s")


def _callers(base: str, tokens: list[str]) -> list[Caller]:
    """Each therapist's feed URL (asked of the API) and the ETags of a first fetch."""
    callers = []
    for token in tokens:
        bearer = {"Authorization": f"Bearer {token}"}
        _, route_etag = _get(f"{base}/me/route", bearer)
        feed, _ = _get(f"{base}/me/calendar-feed", bearer)
        feed_path = urlsplit(json.loads(feed)["url"]).path
        _, feed_etag = _get(base + feed_path, {})
        callers.append(Caller(token, feed_path, route_etag, feed_etag))
    return callers


def _lua_table(requests: list[tuple[str, dict[str, str]]]) -> str:
    def text(value: str) -> str:
        return json.dumps(value)  # a JSON string is a Lua string for these characters

    rows = []
    for path, headers in requests:
        pairs = ", ".join(f"[{text(name)}] = {text(value)}" for name, value in headers.items())
        rows.append(f"{{{text(path)}, {{{pairs}}}}}")
    return ", ".join(rows)


def _cases(callers: list[Caller]) -> dict[str, list[tuple[str, dict[str, str]]]]:
    def conditional(etag: str | None) -> dict[str, str]:
        return {"If-None-Match": etag} if etag else {}

    return {
        "GET /me/route": [("/me/route", {"Authorization": f"Bearer {c.token}"}) for c in callers],
        "GET /me/route, If-None-Match": [
            ("/me/route", {"Authorization": f"Bearer {c.token}", **conditional(c.route_etag)})
            for c in callers
        ],
        "GET feed": [(c.feed_path, {}) for c in callers],
        "GET feed, If-None-Match": [(c.feed_path, conditional(c.feed_etag)) for c in callers],
    }


def _run_wrk(
    base: str, requests: list[tuple[str, dict[str, str]]], args: argparse.Namespace
) -> str:
    """wrk's report of ``args.duration`` s of load, after ``args.warmup`` s not measured
    (in which every server process renders and keeps each body once, as for phones that
    poll all day)."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "requests.lua"
        script.write_text(LUA % _lua_table(requests))
        # --timeout: wrk counts slower answers as errors, not as latency.
        wrk = ["wrk", f"-t{args.wrk_threads}", f"-c{args.clients}", "--timeout", "30s"]
        wrk += ["-s", str(script)]
        if args.warmup > 0:
            subprocess.run([*wrk, f"-d{args.warmup}s", base], capture_output=True, check=True)
        measured = [*wrk, f"-d{args.duration}s", "--latency", base]
        return subprocess.run(measured, capture_output=True, text=True, check=True).stdout


def _milliseconds(text: str | None) -> str:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text or "")
    if found is None:
        return "?"
    return f"{float(found.group(1)) * _UNITS_MS[found.group(2)]:.1f}"


def _summary(case: str, wrk_output: str) -> str:
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", wrk_output, re.MULTILINE))
    rate = re.search(r"Requests/sec:\s+(\S+)", wrk_output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk_output)
    socket_errors = re.search(r"Socket errors: (.*)", wrk_output)
    row = (
        f"{case:<30} {rate.group(1) if rate else '?':>10} "
        f"{_milliseconds(percentiles.get('50')):>9} {_milliseconds(percentiles.get('99')):>9}"
    )
    if errors:
        row += f"  {errors.group(1)} non-2xx/3xx"
    if socket_errors:
        row += f"  socket errors: {socket_errors.group(1)}"
    return row


def _serve(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HOMEVISIT_DATABASE_URL": url,
        "HOMEVISIT_SECRET_KEY": SECRET_KEY,
        # Feed URLs are handed out under the public base URL only.
        "HOMEVISIT_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [sys.executable, "-m", "scheduler.cli.main", "serve", "--port", str(port)]
    return subprocess.Popen([*command, "--workers", str(workers)], env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1/test")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per case")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3, help="seconds before each case")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=5.0, help="seconds to plan the day")
    args = parser.parse_args()

    schema = f"homevisit_load_{secrets.token_hex(4)}"
    admin = sa.create_engine(args.postgres_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(args.postgres_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    server = None
    try:
        date = dt.datetime.now(ZoneInfo(TOWNS[TOWN].timezone)).date()
        tokens = _seed(url, date, args.time_limit)
        port = _free_port()
        server = _serve(url, port, args.server_workers)
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/health")
        callers = _callers(base, tokens)
        print(
            f"{args.clients} clients, {args.duration} s a case, {args.server_workers} server "
            f"processes, PostgreSQL, {len(callers)} therapists with stops on {date}"
        )
        print(f"{'case':<30} {'requests/s':>10} {'p50 ms':>9} {'p99 ms':>9}")
        for case, requests in _cases(callers).items():
            print(_summary(case, _run_wrk(base, requests, args)), flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
