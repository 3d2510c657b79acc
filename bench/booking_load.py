"""Booking under load: the real server on PostgreSQL, driven over loopback by a second process.

Prints, per concurrency level, bookings/s, p50/p99 latency and the double bookings found in the
database afterwards (must be 0), beside the same figures for a baseline endpoint that does one
plain INSERT in the same server and run.

    .venv/bin/python bench/booking_load.py [--levels 32,128] [--requests 3000] [--seconds 30]

It creates a scratch database (ZONES_TEST_DATABASE_URL or postgresql://postgres@127.0.0.1/postgres
as the admin URL) and drops it at the end. Traffic stays on 127.0.0.1 and every loop is bounded by
a request count and a time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import make_url, text, update

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import load_demo  # noqa: E402
from zones.auth.tokens import issue_token  # noqa: E402
from zones.db import create_database  # noqa: E402
from zones.db.migrate import upgrade  # noqa: E402
from zones.models import Desk, Employee, Policy  # noqa: E402
from zones.server.bench import BENCH_TABLE_DDL  # noqa: E402

ADMIN_URL = os.environ.get("ZONES_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class Fixture:
    """What the load generator needs: the server's address, tokens and bookable desks and days."""

    base_url: str
    tokens: list[str]
    desks: list[str]
    days: list[str]


@dataclass
class Result:
    """One run of one endpoint at one concurrency level."""

    endpoint: str
    concurrency: int
    requests: int
    statuses: dict[int, int]
    seconds: float
    latencies_ms: list[float]

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    @property
    def successes_per_s(self) -> float:
        return self.ok / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(
        make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(False)
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def prepare(url: str) -> tuple[list[str], list[str], list[str]]:
    """Demo office and staff, a permissive policy (so load is about the database, not the weekly cap),
    one token per person, and the baseline table."""
    database = create_database(url)
    await load_demo(database)
    tokens = []
    async with database.write_session() as session:
        await session.execute(update(Policy).values(attendance_max_share=1.0, booking_horizon_days=60))
        await session.execute(text(BENCH_TABLE_DDL))
        emails = list(await session.scalars(Employee.__table__.select().with_only_columns(Employee.email)))
        for email in emails:
            tokens.append((await issue_token(session, email, "bench"))[0])
        desks = [
            str(d)
            for d in await session.scalars(
                Desk.__table__.select().with_only_columns(Desk.id).where(Desk.bookable.is_(True))
            )
        ]
    await database.dispose()
    start = date.today() + timedelta(days=1)
    days = [
        str(start + timedelta(days=i)) for i in range(56) if (start + timedelta(days=i)).isoweekday() <= 5
    ]
    return tokens, desks, days


async def drive(fixture: Fixture, endpoint: str, concurrency: int, requests: int, seconds: float) -> Result:
    """Send `requests` requests (or for `seconds`) from `concurrency` concurrent clients."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    remaining = [requests]
    deadline = time.monotonic() + seconds
    rng = random.Random(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=fixture.base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while remaining[0] > 0 and time.monotonic() < deadline:
                remaining[0] -= 1
                headers = {"Authorization": f"Bearer {rng.choice(fixture.tokens)}"}
                if endpoint == "booking":
                    body = {
                        "desk_id": rng.choice(fixture.desks),
                        "day": rng.choice(fixture.days),
                        "period": rng.choice(["full", "morning", "afternoon"]),
                    }
                    path = "/bookings"
                else:
                    body, path = {}, "/_bench/insert"
                started = time.perf_counter()
                response = await client.post(path, json=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return Result(endpoint, concurrency, sum(statuses.values()), statuses, elapsed, latencies)


def _drive_in_process(
    fixture: Fixture, endpoint: str, concurrency: int, requests: int, seconds: float, queue: Any
) -> None:
    queue.put(asyncio.run(drive(fixture, endpoint, concurrency, requests, seconds)))


def drive_from_another_process(
    fixture: Fixture, endpoint: str, concurrency: int, requests: int, seconds: float
) -> Result:
    """Run the load generator in its own process, so it does not share the server's interpreter."""
    queue: Any = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_drive_in_process, args=(fixture, endpoint, concurrency, requests, seconds, queue)
    )
    process.start()
    result = queue.get(timeout=seconds + 120)
    process.join(timeout=30)
    return result


async def double_bookings(url: str) -> tuple[int, int]:
    """Active bookings that overlap on one desk, and on one person (both must be 0)."""
    overlap = """
        SELECT count(*) FROM booking a JOIN booking b
          ON a.{key} = b.{key} AND a.day = b.day AND a.id < b.id
         WHERE a.status IN ('booked', 'checked_in') AND b.status IN ('booked', 'checked_in')
           AND (a.period = 'full' OR b.period = 'full' OR a.period = b.period)"""
    database = create_database(url)
    async with database.read_session() as session:
        desks = int((await session.execute(text(overlap.format(key="desk_id")))).scalar_one())
        people = int((await session.execute(text(overlap.format(key="employee_id")))).scalar_one())
    await database.dispose()
    return desks, people


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--levels", default="32,128", help="concurrency levels, comma-separated")
    parser.add_argument("--requests", type=int, default=3000, help="requests per endpoint and level (bound)")
    parser.add_argument("--seconds", type=float, default=30.0, help="time per endpoint and level (bound)")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]

    name = f"zones_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    server = None
    try:
        upgrade(url)
        tokens, desks, days = asyncio.run(prepare(url))
        port = _free_port()
        env = os.environ | {
            "ZONES_DATABASE_URL": url,
            "ZONES_BENCH_ENDPOINTS": "1",
            "ZONES_RELEASE_INTERVAL": "0",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "zones.server.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        fixture = Fixture(base, tokens, desks, days)
        print(
            f"PostgreSQL, 1 uvicorn worker; load from a separate process; {len(desks)} desks, "
            f"{len(tokens)} people, {len(days)} days; "
            f"bounds: {args.requests} requests or {args.seconds:.0f} s"
        )
        header = (
            f"{'clients':>7} {'endpoint':<9} {'requests':>8} {'2xx':>6} {'409':>6} {'req/s':>8} "
            f"{'2xx/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        )
        print(header)
        print("-" * len(header))
        summary = []
        for level in levels:
            # Warm up at this concurrency (new HTTP and database connections), unmeasured.
            drive_from_another_process(fixture, "baseline", level, 4 * level, args.seconds)
            pair = {}
            for endpoint in ("baseline", "booking"):
                result = drive_from_another_process(fixture, endpoint, level, args.requests, args.seconds)
                pair[endpoint] = result
                print(
                    f"{level:>7} {endpoint:<9} {result.requests:>8} {result.ok:>6} "
                    f"{result.statuses.get(409, 0):>6} {result.throughput:>8.0f} "
                    f"{result.successes_per_s:>8.0f} "
                    f"{result.percentile(0.5):>8.1f} {result.percentile(0.99):>8.1f}"
                )
                unexpected = {s: n for s, n in result.statuses.items() if s >= 500 or s in (400, 401)}
                if unexpected:
                    print(f"        unexpected statuses: {unexpected}")
            summary.append((level, pair))
        desk_doubles, person_doubles = asyncio.run(double_bookings(url))
        print()
        print(f"double bookings in the database afterwards: desks {desk_doubles}, people {person_doubles}")
        for level, pair in summary:
            booking, baseline = pair["booking"], pair["baseline"]
            print(
                f"{level:>4} clients: booking/baseline throughput "
                f"{booking.throughput / baseline.throughput:.2f}, "
                f"p50 {booking.percentile(0.5) / baseline.percentile(0.5):.2f}×, "
                f"p99 {booking.percentile(0.99) / baseline.percentile(0.99):.2f}× "
                f"(booking mean {statistics.mean(booking.latencies_ms):.1f} ms)"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
