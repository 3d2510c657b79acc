"""Zones scaled out: two API processes (`zones serve --workers 1 --no-worker`) and a plan worker
(`zones worker`) on one PostgreSQL database with the demo office, once with the database carrying
everything and once with Redis carrying web sessions, rate limits and the job queue.

Across the two API processes a web session started on one is honoured by the other and ends on
both, concurrent bookings of one desk leave exactly one winner, bookings of many desks all succeed
without a double booking, and a plan run started on one is refused a twin on the other, followed
there (polling and server-sent events), run by the worker process and cancelled from the other.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final
from uuid import UUID

import asyncpg
import httpx
import pytest
from sqlalchemy import func, make_url, select

from conftest import create_postgres_database, drop_postgres_database, require_postgres
from server_support import zones_serve
from zones.auth.tokens import issue_token
from zones.closures.days import holiday_on
from zones.db import create_database
from zones.models import ACTIVE_STATUSES, Booking, Desk, DeskSlot, Employee, Role, Site, WebSession

pytestmark = pytest.mark.slow

REDIS_URL: Final = "redis://127.0.0.1:6379/8"
"""A Redis database of its own: the test empties it first."""
DEMO_SITE: Final = "kff-cph"
SERVE_ARGS: Final = ("--workers", "1", "--no-worker")
AUTH_CACHE_S: Final = 1.0
"""How long each API process trusts a session it looked up (ZONES_AUTH_CACHE_SECONDS): a session
signed out on one process is refused by the others once this has passed."""
RACERS: Final = 20
"""People trying to book one desk for one day at once, half of them through each API process."""
SPREAD: Final = 40
"""People booking one desk each (all different) for that day, half through each API process."""
CSRF: Final = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML: Final = {"Accept": "text/html"}


@dataclass(frozen=True)
class Demo:
    """A database with the demo office and API tokens, the template of each carrier's database."""

    url: str
    site_id: UUID
    planner: str
    """The planner's API token."""
    people: list[tuple[str, str]]
    """(email, API token) of employees, each booking at most once."""
    desks: list[UUID]
    """Bookable desks that are not accessible (those are held for people who need them)."""


@dataclass(frozen=True)
class Cluster:
    """The running processes of one carrier, on a copy of the demo database."""

    carrier: str
    a: str
    """Base URL of the first API process."""
    b: str
    """Base URL of the second API process."""
    worker_pid: int
    database_url: str
    redis_url: str
    env: dict[str, str]
    demo: Demo

    def api(self, base: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base, timeout=30, limits=httpx.Limits(max_connections=64))


def _require_redis(url: str) -> None:
    """Empty the test's Redis database, or skip (fail under CI) when Redis cannot be reached."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).flushdb()
    except (redis.RedisError, OSError) as error:
        reason = f"Redis at {url} is unreachable: {error}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so Redis tests must run)")
        pytest.skip(reason)


def _load_demo(env: dict[str, str], folder: Path) -> None:
    """`zones demo --no-serve`: migrate the database (SAQ's tables too) and load the demo office."""
    log = folder / "demo.log"
    with log.open("w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "zones", "demo", "--no-serve"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
    if done.returncode != 0:
        pytest.fail(f"`zones demo --no-serve` failed: {log.read_text()[-3000:]}")


async def _demo_facts(url: str) -> Demo:
    """The demo site, an API token for a planner and for employees, and the desks to book."""
    database = create_database(url, 2)
    try:
        async with database.write_session() as session:
            site = (await session.scalars(select(Site).where(Site.key == DEMO_SITE))).one()
            planner_email = await session.scalar(
                select(Employee.email).where(Employee.role == Role.PLANNER).order_by(Employee.email).limit(1)
            )
            assert planner_email is not None
            planner, _ = await issue_token(session, planner_email, "scale-out test")
            emails = list(
                await session.scalars(
                    select(Employee.email)
                    .where(Employee.role == Role.EMPLOYEE, Employee.active, Employee.home_site_id == site.id)
                    .order_by(Employee.email)
                    .limit(RACERS + SPREAD)
                )
            )
            people = [(email, (await issue_token(session, email, "scale-out test"))[0]) for email in emails]
            desks = [
                desk.id
                for desk in await session.scalars(
                    select(Desk).where(Desk.site_id == site.id, Desk.bookable).order_by(Desk.code)
                )
                if "accessible" not in desk.attributes
            ]
        return Demo(url, site.id, planner, people, desks)
    finally:
        await database.dispose()


@contextmanager
def _worker(env: dict[str, str], folder: Path, carrier: str) -> Iterator[subprocess.Popen[bytes]]:
    """`zones worker` in its own process, once it says which queue it works on."""
    log_path = folder / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "zones", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while f"worker {process.pid} on {carrier}" not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start on {carrier}: {log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _environment(url: str, folder: Path, redis_url: str = "") -> dict[str, str]:
    """What every process of the test runs with: this shell's environment without its ZONES_*."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ZONES_")} | {
        "ZONES_DATABASE_URL": url,
        "ZONES_DATA_DIR": str(folder),
        "ZONES_REDIS_URL": redis_url,
        "ZONES_RELEASE_INTERVAL": "0",
        "ZONES_AUTH_CACHE_SECONDS": str(AUTH_CACHE_S),
        # After a run ends `done` its worker draws the plan's what-if curve (up to half a minute),
        # taking no other run meanwhile and not stopping on SIGTERM until it is drawn. These tests
        # are about processes, not the curve.
        "ZONES_WHATIF_STEPS": "0",
    }


def _copy_database(template: str) -> str:
    """A new database copied from `template`: PostgreSQL copies it file by file, far quicker than
    loading the demo office again."""
    admin, name = require_postgres(), f"zones_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        connection = await asyncpg.connect(
            make_url(admin).set(drivername="postgresql").render_as_string(False)
        )
        try:
            await connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template).database}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return make_url(template).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A fresh PostgreSQL database, migrated by `zones demo --no-serve`, with the demo office."""
    url = create_postgres_database()  # skips (fails under CI) without PostgreSQL
    folder = tmp_path_factory.mktemp("scale-out-demo")
    try:
        _load_demo(_environment(url, folder), folder)
        facts = asyncio.run(_demo_facts(url))
        assert len(facts.people) == RACERS + SPREAD and len(facts.desks) > SPREAD
        yield facts
    finally:
        drop_postgres_database(url)


@pytest.fixture(scope="module", params=["postgresql", "redis"])
def cluster(
    request: pytest.FixtureRequest, demo: Demo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Two API processes and one worker on a fresh copy of the demo database; with `redis`, all three
    share Redis too. Everything is stopped and dropped afterwards, also on failure."""
    carrier = str(request.param)
    redis_url = REDIS_URL if carrier == "redis" else ""
    if redis_url:
        _require_redis(redis_url)
    url = _copy_database(demo.url)
    folder = tmp_path_factory.mktemp(f"scale-out-{carrier}")
    env = _environment(url, folder, redis_url)
    try:
        with ExitStack() as running:
            # Side by side: each process takes a few seconds to import Zones and connect. Whatever
            # started is registered with `running`, so it is stopped also when another failed.
            with ThreadPoolExecutor(3) as starting:
                worker = starting.submit(running.enter_context, _worker(env, folder, carrier))
                a, b = (
                    starting.submit(running.enter_context, zones_serve(env, folder, name, args=SERVE_ARGS))
                    for name in ("api-a", "api-b")
                )
            yield Cluster(carrier, a.result(), b.result(), worker.result().pid, url, redis_url, env, demo)
    finally:
        drop_postgres_database(url)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _logs(cluster: Cluster) -> str:
    folder = Path(cluster.env["ZONES_DATA_DIR"])
    return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(folder.glob("*.log")))


def _booking_day() -> date:
    """A working day a few days ahead (past the accessible-desk hold), not a Danish public holiday:
    the servers book on the wall clock."""
    day = date.today() + timedelta(days=3)
    while day.isoweekday() > 5 or holiday_on("DK", day):
        day += timedelta(days=1)
    return day


def _plan_week() -> str:
    """An ISO week two weeks ahead."""
    year, week, _ = (date.today() + timedelta(days=14)).isocalendar()
    return f"{year}-W{week:02d}"


# Sessions ---------------------------------------------------------------------------------------


def _sign_in_link(cluster: Cluster, email: str) -> str:
    """`zones user link EMAIL`, as an administrator would run it: a one-time link to process A."""
    done = subprocess.run(
        [sys.executable, "-m", "zones", "user", "link", email],
        env=cluster.env | {"ZONES_PUBLIC_URL": cluster.a},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return next(word for word in done.stdout.split() if word.startswith(cluster.a))


def _csrf(page: httpx.Response) -> str:
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_a_session_started_on_one_api_process_is_honoured_by_the_other_and_ends_on_both(
    cluster: Cluster,
) -> None:
    email = cluster.demo.people[0][0]
    link = _sign_in_link(cluster, email)
    with httpx.Client(base_url=cluster.a, headers=HTML, timeout=30) as on_a:
        confirm = on_a.get(link)
        assert confirm.status_code == 200, confirm.text[:500]
        token = re.search(r'name="token" value="([^"]+)"', confirm.text)
        assert token, confirm.text[:500]
        signed_in = on_a.post(
            "/sign-in/link/use", data={"token": token.group(1), "next": "/", "csrf_token": _csrf(confirm)}
        )
        assert signed_in.status_code == 303, signed_in.text[:500]
        cookie = on_a.cookies.get("zones_session")
        assert cookie, signed_in.headers
        # A has looked the session up (and cached it).
        assert on_a.get("/me", headers={"Accept": "application/json"}).json()["email"] == email
        asyncio.run(_check_where_the_session_lives(cluster, email))

        with httpx.Client(
            base_url=cluster.b, headers=HTML, cookies={"zones_session": cookie}, timeout=30
        ) as on_b:
            me = on_b.get("/me", headers={"Accept": "application/json"})
            assert me.status_code == 200 and me.json()["email"] == email, me.text
            week = on_b.get("/")
            assert week.status_code == 200 and me.json()["name"] in week.text, week.text[:500]
            # B's page carries the session's own CSRF token (kept with the session, not per process).
            signed_out = on_b.post("/sign-out", data={"csrf_token": _csrf(week)})
            assert signed_out.status_code == 303 and signed_out.headers["location"] == "/signed-out"

        # A trusts what it looked up for at most ZONES_AUTH_CACHE_SECONDS, then refuses the session.
        signed_out_at = time.monotonic()
        while (refused := on_a.get("/me", headers={"Accept": "application/json"})).status_code == 200:
            assert time.monotonic() - signed_out_at < AUTH_CACHE_S + 2, "A still accepts the session"
            time.sleep(0.1)
        assert refused.status_code == 401, refused.text
        assert on_a.get("/").status_code == 303, "a page sends the browser to sign in"


async def _check_where_the_session_lives(cluster: Cluster, email: str) -> None:
    """With Redis the session lives there and not in the database; without it, in the database."""
    database = create_database(cluster.database_url, 1)
    try:
        async with database.read_session() as session:
            rows = await session.scalar(
                select(func.count())
                .select_from(WebSession)
                .join(Employee, Employee.id == WebSession.employee_id)
                .where(Employee.email == email)
            )
    finally:
        await database.dispose()
    if cluster.redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(cluster.redis_url)
        try:
            assert [key async for key in redis.scan_iter("zones:session:*")], "the session is in Redis"
        finally:
            await redis.aclose()
        assert rows == 0
    else:
        assert rows == 1


# Bookings ---------------------------------------------------------------------------------------


async def _book_across(cluster: Cluster, attempts: list[tuple[str, UUID]], day: date) -> list[httpx.Response]:
    """Send every (token, desk) booking at once, alternately to A and to B."""
    async with cluster.api(cluster.a) as on_a, cluster.api(cluster.b) as on_b:
        # One request each first, so both have warm connections and the race is the bookings'.
        for client in (on_a, on_b):
            assert (await client.get("/health")).status_code == 200
        return list(
            await asyncio.gather(
                *(
                    (on_a if n % 2 == 0 else on_b).post(
                        "/bookings",
                        json={"desk_id": str(desk), "day": day.isoformat()},
                        headers=_bearer(token),
                    )
                    for n, (token, desk) in enumerate(attempts)
                )
            )
        )


async def _active_bookings(cluster: Cluster, day: date) -> tuple[int, int, int]:
    """Active bookings of the day, the desks they hold, and desk slots held more than once."""
    database = create_database(cluster.database_url, 1)
    try:
        async with database.read_session() as session:
            active = select(Booking).where(Booking.day == day, Booking.status.in_(ACTIVE_STATUSES)).subquery()
            count = await session.scalar(select(func.count()).select_from(active))
            desks = await session.scalar(select(func.count(func.distinct(active.c.desk_id))))
            doubled = await session.scalar(
                select(func.count()).select_from(
                    select(DeskSlot.desk_id)
                    .where(DeskSlot.day == day)
                    .group_by(DeskSlot.desk_id, DeskSlot.half)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
    finally:
        await database.dispose()
    return int(count or 0), int(desks or 0), int(doubled or 0)


def test_bookings_through_both_api_processes_never_double_book_a_desk(cluster: Cluster) -> None:
    day = _booking_day()
    contested, *free = cluster.demo.desks
    racers, spread = cluster.demo.people[:RACERS], cluster.demo.people[RACERS:]

    answers = asyncio.run(_book_across(cluster, [(token, contested) for _, token in racers], day))
    codes = [answer.status_code for answer in answers]
    assert codes.count(201) == 1 and codes.count(409) == RACERS - 1, [
        a.text for a in answers if a.status_code != 409
    ]

    answers = asyncio.run(
        _book_across(cluster, [(token, free[n]) for n, (_, token) in enumerate(spread)], day)
    )
    assert [answer.status_code for answer in answers] == [201] * SPREAD, [a.text for a in answers]

    bookings, desks, doubled = asyncio.run(_active_bookings(cluster, day))
    assert (bookings, desks, doubled) == (1 + SPREAD, 1 + SPREAD, 0)


# Plan runs --------------------------------------------------------------------------------------


async def _follow_events(
    client: httpx.AsyncClient, plan_id: str, headers: dict[str, str]
) -> list[tuple[str, Any]]:
    """The run's server-sent events until its `end`."""
    events: list[tuple[str, Any]] = []
    async with client.stream("GET", f"/plans/{plan_id}/events", headers=headers, timeout=60) as stream:
        assert stream.status_code == 200 and stream.headers["content-type"].startswith("text/event-stream")
        kind = ""
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((kind, json.loads(line.split(":", 1)[1])))
                if kind == "end":
                    break
    return events


async def _poll_until_finished(client: httpx.AsyncClient, plan_id: str, headers: dict[str, str]) -> list[str]:
    """The statuses `GET /plans/{id}` answers, polled until the run has finished."""
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while not seen or seen[-1] not in {"done", "failed", "cancelled"}:
        assert time.monotonic() < deadline, seen
        answer = await client.get(f"/plans/{plan_id}", headers=headers)
        assert answer.status_code == 200, answer.text
        if not seen or seen[-1] != answer.json()["status"]:
            seen.append(answer.json()["status"])
        await asyncio.sleep(0.1)
    return seen


async def _run_a_plan(cluster: Cluster) -> None:
    planner = _bearer(cluster.demo.planner)
    body = {"site_id": str(cluster.demo.site_id), "week": _plan_week(), "time_limit_s": 3, "seed": 1}
    async with cluster.api(cluster.a) as on_a, cluster.api(cluster.b) as on_b:
        started = await on_a.post("/plans", json=body, headers=planner)
        assert started.status_code == 202 and started.json()["status"] == "queued", started.text
        plan_id = started.json()["id"]
        # One active run per site and horizon, whichever process is asked.
        twin = await on_b.post("/plans", json=body, headers=planner)
        assert twin.status_code == 409 and twin.json()["plan_id"] == plan_id, twin.text

        events, statuses = await asyncio.gather(
            _follow_events(on_b, plan_id, planner), _poll_until_finished(on_b, plan_id, planner)
        )
        kinds = [kind for kind, _ in events]
        assert kinds[-1] == "end" and kinds.count("end") == 1 and "progress" in kinds, kinds
        assert statuses[-1] == "done" and "running" in statuses, (statuses, _logs(cluster))
        final = events[-1][1]
        assert final["status"] == "done" and final["id"] == plan_id, (final, _logs(cluster))
        # The worker process ran it (plans name their worker as host:pid), not an API process.
        assert final["worker"] == f"{socket.gethostname()}:{cluster.worker_pid}", final["worker"]
        seats = await on_b.get(f"/plans/{plan_id}/seats", headers=planner)
        assert seats.status_code == 200 and len(seats.json()) > 0, seats.text


async def _cancel_a_running_plan(cluster: Cluster) -> None:
    planner = _bearer(cluster.demo.planner)
    body = {
        "site_id": str(cluster.demo.site_id),
        "week": _plan_week(),
        "weeks": 4,
        "time_limit_s": 120,
        "seed": 1,
    }
    async with cluster.api(cluster.a) as on_a, cluster.api(cluster.b) as on_b:
        started = await on_a.post("/plans", json=body, headers=planner)
        assert started.status_code == 202, started.text
        plan_id = started.json()["id"]
        deadline = time.monotonic() + 40
        while True:  # running, with stage 1's first complete plan
            plan = (await on_a.get(f"/plans/{plan_id}", headers=planner)).json()
            if plan["status"] == "running" and plan["progress"].get("solutions"):
                break
            assert plan["status"] in {"queued", "running"} and time.monotonic() < deadline, (
                plan,
                _logs(cluster),
            )
            await asyncio.sleep(0.2)

        cancelled_at = time.monotonic()
        cancel = await on_b.post(f"/plans/{plan_id}/cancel", headers=planner)
        assert cancel.status_code == 202 and cancel.json()["cancel_requested"], cancel.text
        while (plan := (await on_a.get(f"/plans/{plan_id}", headers=planner)).json())["status"] == "running":
            assert time.monotonic() - cancelled_at <= 5.0, (plan, _logs(cluster))
            await asyncio.sleep(0.1)
        stopped_in = time.monotonic() - cancelled_at
        assert plan["status"] == "cancelled" and plan["best_found"], (plan, _logs(cluster))
        assert stopped_in <= 5.0, stopped_in
        assert plan["worker"] == f"{socket.gethostname()}:{cluster.worker_pid}"


# The cancelled run goes first: should the worker draw a what-if curve after a run that ends `done`
# (ZONES_WHATIF_STEPS), it takes the next run only after that.


def test_a_running_plan_is_cancelled_through_the_other_api_process_within_5_s(cluster: Cluster) -> None:
    asyncio.run(_cancel_a_running_plan(cluster))


def test_a_plan_run_started_on_one_api_process_is_followed_on_the_other_and_run_by_the_worker(
    cluster: Cluster,
) -> None:
    asyncio.run(_run_a_plan(cluster))
