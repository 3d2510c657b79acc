"""Plan runs as jobs, end to end: the API queues a run, a real `zones worker` process claims and runs
it, progress arrives over server-sent events, a cancel stops the solver within 5 s keeping the best
plan, a killed worker leaves its run failed (never half-written), one active run per site and
horizon. The same tests run on every carrier: the job table (SQLite), SAQ on PostgreSQL and SAQ on
Redis.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import AsyncClient
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, text

from booking_support import World, build_world
from zones.db import Database
from zones.jobs.carriers import uses_saq
from zones.models import Plan, PlanSeat, QueuedJob
from zones.server.app import create_app
from zones.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/7"
"""A Redis database of its own: the tests empty it."""


@pytest.fixture(params=["own", "redis"])
def carrier(request: pytest.FixtureRequest, backend: str) -> str:
    """The database's own carrier (the job table on SQLite, SAQ on PostgreSQL), or SAQ on Redis."""
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS_URL).flushdb()
        except redis.ConnectionError:
            if os.environ.get("CI"):
                raise
            pytest.skip("Redis is not running on 127.0.0.1:6379 (required in CI)")
        return "redis"
    return "table" if backend == "sqlite" else "saq-postgresql"


@pytest.fixture
async def world(db: Database) -> World:
    if db.dialect == "postgresql":  # SAQ's tables are not Zones' models: empty them here
        async with db.write_session() as session:
            await session.execute(text("DELETE FROM saq_jobs"))
    return await build_world(db)


def _settings(world: World, carrier: str) -> Settings:
    return Settings(
        database_url=world.db.engine.url.render_as_string(hide_password=False),
        release_interval_s=0,
        redis_url=REDIS_URL if carrier == "redis" else "",
    )


@pytest.fixture
async def client(world: World, carrier: str) -> AsyncIterator[AsyncClient]:
    settings = _settings(world, carrier)
    assert uses_saq(settings) == (carrier != "table")
    async with AsyncTestClient(create_app(settings, clock=world.clock)) as test_client:
        yield test_client


class Workers:
    """`zones worker` processes of one test, each logging to a file."""

    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings, self.folder = settings, folder
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, stale_s: float = 15.0, whatif_steps: int = 0) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "ZONES_WHATIF_STEPS": str(whatif_steps),
            "ZONES_WHATIF_STEP_SECONDS": "1",
            "ZONES_DATABASE_URL": self.settings.database_url,
            "ZONES_REDIS_URL": self.settings.redis_url,
            "ZONES_JOB_STALE_SECONDS": str(stale_s),
            "ZONES_WORKER_POLL_SECONDS": "0.2",
        }
        log = (self.folder / f"worker-{len(self.processes)}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "zones", "worker"], env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(path.read_text()[-3000:] for path in sorted(self.folder.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def workers(world: World, carrier: str, tmp_path: Path) -> Iterator[Workers]:
    running = Workers(_settings(world, carrier), tmp_path)
    yield running
    running.stop_all()


def _body(world: World, **changes: Any) -> dict[str, Any]:
    return {"site_id": str(world.site.id), "week": "2026-W50", "time_limit_s": 3, "seed": 3, **changes}


async def _plan(client: AsyncClient, world: World, plan_id: str) -> dict[str, Any]:
    answer = await client.get(f"/plans/{plan_id}", headers=world.headers("planner"))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def _until(
    client: AsyncClient, world: World, plan_id: str, statuses: set[str], seconds: float, workers: Workers
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        plan = await _plan(client, world, plan_id)
        if plan["status"] in statuses:
            return plan
        assert time.monotonic() < deadline, (plan, workers.logs())
        await asyncio.sleep(0.1)


async def _seats(db: Database, plan_id: str) -> int:
    async with db.read_session() as session:
        return int(await session.scalar(select(func.count()).where(PlanSeat.plan_id == plan_id)) or 0)


async def test_a_queued_run_is_claimed_by_a_worker_and_followed_over_server_sent_events(
    world: World, client: AsyncClient, workers: Workers, carrier: str
) -> None:
    started = await client.post("/plans", json=_body(world), headers=world.headers("planner"))
    assert started.status_code == 202, started.text
    plan = started.json()
    assert plan["status"] == "queued" and plan["weeks"] == 1
    # One active run per site and horizon: a second start is refused, naming the first.
    again = await client.post("/plans", json=_body(world), headers=world.headers("planner"))
    assert again.status_code == 409 and again.json()["plan_id"] == plan["id"], again.text
    if carrier == "table":
        async with world.db.read_session() as session:
            job = (await session.scalars(select(QueuedJob))).one()
        assert job.arguments["plan_id"] == plan["id"] and job.status == "queued"
    # Nothing runs it in the API process: without a worker it stays queued.
    await asyncio.sleep(1.0)
    assert (await _plan(client, world, plan["id"]))["status"] == "queued"

    workers.start(whatif_steps=1)
    events: list[tuple[str, dict[str, Any]]] = []
    async with client.stream(
        "GET", f"/plans/{plan['id']}/events", headers=world.headers("planner"), timeout=60
    ) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        event = ""
        async for line in stream.aiter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((event, json.loads(line.split(":", 1)[1])))
                if event == "end":
                    break
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "end" and kinds.count("end") == 1, kinds
    statuses = [data["status"] for _, data in events]
    assert "running" in statuses, statuses
    final = events[-1][1]
    assert final["status"] == "done", (final, workers.logs())
    assert final["worker"] and final["started_at"] and final["finished_at"]
    assert final["kpis"]["plan"] and final["progress"]["done"]
    assert await _seats(world.db, plan["id"]) > 0
    # After the plan, the worker draws its what-if curve (here one step of fewer desks).
    deadline = time.monotonic() + 30
    while "whatif" not in (await _plan(client, world, plan["id"]))["kpis"]:
        assert time.monotonic() < deadline, workers.logs()
        await asyncio.sleep(0.2)
    chart = await client.get(f"/plans/{plan['id']}/charts/whatif.svg", headers=world.headers("planner"))
    assert chart.status_code == 200 and b"<svg" in chart.content
    if carrier != "redis":  # the apply does not depend on the carrier
        await _apply_and_see_it_in_calendars(world, client, plan["id"])
    # Finished: another run of the same horizon may start.
    assert (
        await client.post("/plans", json=_body(world), headers=world.headers("planner"))
    ).status_code == 202
    employee = await client.get(f"/plans/{plan['id']}/events", headers=world.headers("ann"))
    assert employee.status_code == 403


OWN_CARRIER = pytest.mark.parametrize("carrier", ["own"], indirect=True)


@OWN_CARRIER
async def test_cancelling_a_queued_run_ends_it_at_once(world: World, client: AsyncClient) -> None:
    plan = (await client.post("/plans", json=_body(world), headers=world.headers("planner"))).json()
    cancelled = await client.post(f"/plans/{plan['id']}/cancel", headers=world.headers("planner"))
    assert cancelled.status_code == 202, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and not cancelled.json()["best_found"]
    again = await client.post(f"/plans/{plan['id']}/cancel", headers=world.headers("planner"))
    assert again.status_code == 409
    refused = await client.post(f"/plans/{plan['id']}/cancel", headers=world.headers("ann"))
    assert refused.status_code == 403


async def test_cancelling_a_running_plan_stops_the_solver_within_5_s_keeping_the_best_plan(
    world: World, client: AsyncClient, workers: Workers
) -> None:
    workers.start()
    body = _body(world, weeks=4, time_limit_s=120)
    plan = (await client.post("/plans", json=body, headers=world.headers("planner"))).json()
    running = await _until(client, world, plan["id"], {"running"}, 30, workers)
    # Wait for stage 1's first solutions (a complete plan exists), then cancel.
    deadline = time.monotonic() + 30
    while not running["progress"].get("solutions"):
        assert time.monotonic() < deadline, (running, workers.logs())
        await asyncio.sleep(0.2)
        running = await _plan(client, world, plan["id"])
    cancelled_at = time.monotonic()
    answer = await client.post(f"/plans/{plan['id']}/cancel", headers=world.headers("planner"))
    assert answer.status_code == 202 and answer.json()["cancel_requested"], answer.text
    ended = await _until(client, world, plan["id"], {"cancelled", "done", "failed"}, 15, workers)
    stopped_in = time.monotonic() - cancelled_at
    assert ended["status"] == "cancelled" and ended["best_found"], (ended, workers.logs())
    print(f"cancel to cancelled: {stopped_in:.2f} s")
    assert stopped_in <= 5.0, stopped_in
    assert await _seats(world.db, plan["id"]) > 0 and ended["kpis"]["plan"]


@OWN_CARRIER
async def test_a_worker_killed_mid_run_leaves_the_run_failed_and_never_half_written(
    world: World, client: AsyncClient, workers: Workers
) -> None:
    first = workers.start()
    body = _body(world, weeks=4, time_limit_s=120)
    plan = (await client.post("/plans", json=body, headers=world.headers("planner"))).json()
    await _until(client, world, plan["id"], {"running"}, 30, workers)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    workers.start(stale_s=2)  # another worker notices the silence
    failed = await _until(client, world, plan["id"], {"failed"}, 30, workers)
    assert "worker" in failed["error"], failed
    assert await _seats(world.db, plan["id"]) == 0
    async with world.db.read_session() as session:
        assert (await session.get_one(Plan, plan["id"])).heartbeat_at is not None
    # The planner starts it again, and the live worker runs it.
    again = await client.post("/plans", json=_body(world), headers=world.headers("planner"))
    assert again.status_code == 202, again.text
    assert (await _until(client, world, again.json()["id"], {"done"}, 60, workers))["status"] == "done"


@OWN_CARRIER
async def test_a_worker_stopped_mid_run_says_so_on_the_run(
    world: World, client: AsyncClient, workers: Workers
) -> None:
    worker = workers.start()
    body = _body(world, weeks=4, time_limit_s=120)
    plan = (await client.post("/plans", json=body, headers=world.headers("planner"))).json()
    await _until(client, world, plan["id"], {"running"}, 30, workers)
    worker.terminate()
    worker.wait(20)
    failed = await _until(client, world, plan["id"], {"failed"}, 5, workers)
    assert "stopped" in failed["error"] and await _seats(world.db, plan["id"]) == 0


async def _apply_and_see_it_in_calendars(world: World, client: AsyncClient, plan_id: str) -> None:
    """The applied plan is in people's bookings and calendars, with an invite queued for each."""
    planner = world.headers("planner")
    preview = await client.post(f"/plans/{plan_id}/apply", params={"dry_run": "true"}, headers=planner)
    assert preview.status_code == 200, preview.text
    counts = preview.json()["counts"]
    assert counts["created"] > 0 and counts["blocking"] == 0, preview.json()["conflicts"]
    applied = await client.post(f"/plans/{plan_id}/apply", headers=planner)
    assert applied.status_code == 200, applied.text
    assert (
        applied.json()["counts"]["created"] == counts["created"] == applied.json()["counts"]["invites_queued"]
    )
    ann = world.people["ann"]
    async with world.db.read_session() as session:
        planned_days = set(
            await session.scalars(
                select(PlanSeat.day).where(
                    PlanSeat.plan_id == plan_id, PlanSeat.employee_id == ann.employee_id
                )
            )
        )
    mine = await client.get("/bookings", params={"scope": "all"}, headers=world.headers("ann"))
    assert mine.status_code == 200, mine.text
    booked = [b for b in mine.json()["items"] if b["day"] in {d.isoformat() for d in planned_days}]
    assert planned_days and len(booked) == len(planned_days), (planned_days, mine.json())
    ics = await client.get(f"/bookings/{booked[0]['id']}.ics", headers=world.headers("ann"))
    assert ics.status_code == 200 and "BEGIN:VEVENT" in ics.text
    again = await client.post(f"/plans/{plan_id}/apply", headers=planner)
    assert again.json()["counts"]["created"] == 0
