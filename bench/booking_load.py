"""Booking under load: Zones beside a ceiling app, both real servers on 127.0.0.1, driven by wrk.

    .venv/bin/python bench/booking_load.py [--scenarios booking,rush,availability,sqlite]
        [--rounds 3] [--seconds 10] [--workers N] [--rush-requests 20000] [--json out.json]

Needs wrk (`apt-get install wrk`; the bench installs it itself when run as root) and PostgreSQL:
ZONES_TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres, an account that
may create databases. The bench creates a scratch database (and SQLite files in a temporary
folder), generates an office of 20,000 people and 13,000 desks with a token each (bench/office.py),
runs `zones serve --workers N` and the ceiling app (bench/ceiling.py: bare Litestar, one INSERT,
uvicorn with httptools and uvloop, also N workers), and drops everything again at the end, also
after an error or Ctrl-C.

Scenarios (each request a different person, token and desk; Zones and the ceiling take turns,
round by round, and the table shows the medians of the rounds):
  booking       POST /bookings at 32 and at 128 clients for --seconds each; all could succeed.
  rush          --rush-requests people (one request each, a random desk in their own zone, a day
                of next week) at 64 connections, every request sent once; wall time to the last
                answer, 201 and 409 (and 409s that offer alternatives). Target ≤ 60 s, p99 ≤ 250 ms.
  availability  GET /availability of a 500-desk floor (half of it booked) at 1 client (target
                p50 ≤ 10 ms) and 32 clients (target ≥ 300/s); the ceiling answers GET /read, one
                `SELECT 1`.
  sqlite        POST /bookings on a SQLite file at 32 clients; target ≥ 300 bookings/s.
With --quiet 0.5 each Zones run of booking at 32 clients (PostgreSQL and SQLite) waits (up to 5
minutes) for a 1-minute load average below 0.5 first: the throughput targets hold on a quiet machine.
Bookings are cleared before every run, and after every Zones run the database is checked for
double bookings (one desk or one person twice at a time): there must be none.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import make_url, text

import ceiling
import office
import servers
import wrk
from zones import __version__ as zones_version
from zones.db import Database, create_database
from zones.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("ZONES_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SCENARIOS = ("booking", "rush", "availability", "sqlite")
BOOKING_CLIENTS = (32, 128)
RUSH_CLIENTS = 64
RUSH_LIMIT_S = 90
"""The rush ends at its last answer, or here at the latest (its target is 60 s)."""
AVAILABILITY_CLIENTS = (1, 32)
SQLITE_CLIENTS = 32
WARMUP_S = 5
"""Unmeasured load before a scenario's first round: connections, pools and caches fill up."""
SETTLE_S = 1.0
"""Pause after a run before clearing: the servers finish the requests wrk left in flight."""
QUIET_CLIENTS = 32
"""The booking level whose throughput target holds on a quiet machine (load average below 0.5)."""
QUIET_LOAD = 0.5
QUIET_WAIT_S = 300
CONNECTIONS_KEPT_FREE = 10
"""PostgreSQL connections left for the bench itself and anyone else when sharing out the rest."""

T = TypeVar("T")


@dataclass
class Measurement:
    """One wrk run against one server."""

    server: str
    round: int
    load_avg: float
    """1-minute load average just before the run."""
    result: wrk.WrkResult | None = None
    error: str = ""
    double_bookings: tuple[int, int] | None = None
    """Desks, people held twice at a time after the run (Zones booking runs only)."""
    stored: int | None = None
    """Active bookings in the database after the run (Zones booking runs only)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "round": self.round,
            "load_avg": round(self.load_avg, 2),
            "error": self.error,
            "double_bookings": self.double_bookings,
            "stored_bookings": self.stored,
            "wrk": self.result.as_json() if self.result else None,
        }


METRICS: dict[str, Callable[[wrk.WrkResult], float]] = {
    "answered": lambda r: r.answered,
    "requests_per_s": lambda r: r.requests_per_s,
    "2xx_per_s": lambda r: r.ok_per_s,
    "p50_ms": lambda r: r.latency_ms["p50"],
    "p99_ms": lambda r: r.latency_ms["p99"],
    "seconds": lambda r: r.seconds,
    "2xx": lambda r: r.ok,
    "409": lambda r: r.conflicts,
    "409_with_alternatives": lambda r: r.alternatives,
    "other": lambda r: r.others,
}
"""What the table and the JSON show of each run, as medians over the rounds."""


@dataclass
class Row:
    """One line of the table: a scenario at one concurrency, Zones beside the ceiling."""

    scenario: str
    database: str
    connections: int
    ceiling_endpoint: str
    zones: list[Measurement] = field(default_factory=list)
    ceiling: list[Measurement] = field(default_factory=list)
    targets: list[tuple[str, bool | None]] = field(default_factory=list)
    """What the issue asks for, and whether it held (None: could not be measured)."""
    notes: list[str] = field(default_factory=list)
    error: str = ""

    def median(self, metric: str, *, ceiling: bool = False) -> float | None:
        """The median of a metric over the rounds of Zones (or of the ceiling)."""
        runs = self.ceiling if ceiling else self.zones
        values = [METRICS[metric](m.result) for m in runs if m.result]
        return statistics.median(values) if values else None

    @property
    def ratio(self) -> float | None:
        """Zones' requests/s over the ceiling's."""
        zones, ceiling_rps = self.median("requests_per_s"), self.median("requests_per_s", ceiling=True)
        return zones / ceiling_rps if zones is not None and ceiling_rps else None

    @property
    def load_avg(self) -> float | None:
        return statistics.median([m.load_avg for m in self.zones]) if self.zones else None

    @property
    def worst_double_bookings(self) -> tuple[int, int] | None:
        found = [m.double_bookings for m in self.zones if m.double_bookings is not None]
        return (max(d for d, _ in found), max(p for _, p in found)) if found else None

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "database": self.database,
            "connections": self.connections,
            "ceiling_endpoint": self.ceiling_endpoint,
            "zones_median": {metric: _rounded(self.median(metric)) for metric in METRICS},
            "ceiling_median": {metric: _rounded(self.median(metric, ceiling=True)) for metric in METRICS},
            "ratio": _rounded(self.ratio),
            "load_avg": _rounded(self.load_avg),
            "double_bookings": self.worst_double_bookings,
            "targets": [{"target": name, "passed": passed} for name, passed in self.targets],
            "notes": self.notes,
            "error": self.error,
            "zones_runs": [m.as_json() for m in self.zones],
            "ceiling_runs": [m.as_json() for m in self.ceiling],
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass
class Stage:
    """One database, its generated office, and Zones and the ceiling serving it."""

    name: str
    """PostgreSQL or SQLite."""
    database: Database
    ceiling_url: str
    generated: office.Office
    steady: Path
    """Bookings that all succeed (bench/office.py `steady_bookings`), for timed runs."""
    zones: servers.Server
    ceiling: servers.Server


class Bench:
    """The scenarios: servers, request files and the database checks between runs."""

    def __init__(self, args: argparse.Namespace, wrk_path: str, folder: Path, runner: asyncio.Runner) -> None:
        self.args = args
        self.wrk = wrk_path
        self.folder = folder
        self.runner = runner
        self.rows: list[Row] = []
        self.days = office.next_week()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a database coroutine on the bench's one event loop (its engines live there)."""
        return self.runner.run(coroutine)

    # --- one measured run ---------------------------------------------------------------------

    def measure(
        self,
        server: servers.Server,
        path: str,
        lines: Path,
        connections: int,
        label: str,
        round_: int,
        *,
        once: bool = False,
        method: str = "POST",
    ) -> Measurement:
        """One wrk run against `server`; a failed run is recorded with its error, not raised."""
        measurement = Measurement(server.name, round_, os.getloadavg()[0])
        print(f"  {label:<24} round {round_} {server.name:<8} load {measurement.load_avg:5.2f} → ", end="")
        sys.stdout.flush()
        try:
            measurement.result = wrk.run(
                self.wrk,
                server.url + path,
                lines,
                connections=connections,
                seconds=RUSH_LIMIT_S if once else self.args.seconds,
                once=once,
                method=method,
            )
        except wrk.WrkFailed as error:
            measurement.error = str(error)
        print(_describe(measurement), flush=True)
        result = measurement.result
        if result and not once and method == "POST" and result.answered > result.lines:
            print(f"    the file's {result.lines} requests were used up: later ones repeat them")
        if server.process.poll() is not None:
            raise servers.ServerFailed(f"{server.name} stopped during the run:\n{server.log_tail()}")
        return measurement

    def warm_up(self, server: servers.Server, path: str, lines: Path, connections: int, method: str) -> None:
        """Load the server unmeasured for a moment (its pool and caches fill up)."""
        wrk.run(self.wrk, server.url + path, lines, connections=connections, seconds=WARMUP_S, method=method)

    def clear(self, stage: Stage) -> None:
        """No bookings and an empty ceiling table: every run starts from the same state."""
        time.sleep(SETTLE_S)  # requests in flight when wrk stopped are still being answered
        self.run(ceiling.clear_table(stage.ceiling_url))
        self.run(office.clear_bookings(stage.database))

    def check_bookings(self, stage: Stage, measurement: Measurement) -> None:
        """After a Zones booking run: double bookings (must be 0) and what the database holds."""
        measurement.double_bookings = self.run(office.double_bookings(stage.database))
        measurement.stored = self.run(office.active_bookings(stage.database))
        desks, people = measurement.double_bookings
        if desks or people:
            print(f"    DOUBLE BOOKINGS: {desks} on one desk, {people} of one person")

    # --- scenarios ------------------------------------------------------------------------------

    def bookings(self, stage: Stage, label: str, lines: Path, connections: int, *, once: bool = False) -> Row:
        """POST /bookings against the ceiling's POST /insert, round by round, cleared before each run."""
        row = Row(label, stage.name, connections, "POST /insert, one INSERT")
        self.warm_up(stage.zones, "/bookings", stage.steady, connections, "POST")
        self.warm_up(stage.ceiling, "/insert", stage.steady, connections, "POST")
        for round_ in range(1, self.args.rounds + 1):
            self.clear(stage)
            if self.args.quiet and connections == QUIET_CLIENTS and not once:
                wait_until_quiet(self.args.quiet)
            zones = self.measure(stage.zones, "/bookings", lines, connections, label, round_, once=once)
            self.check_bookings(stage, zones)
            row.zones.append(zones)
            self.clear(stage)
            row.ceiling.append(
                self.measure(stage.ceiling, "/insert", lines, connections, label, round_, once=once)
            )
        self.clear(stage)
        _check_stored(row, once)
        return row

    def rush(self, stage: Stage) -> list[Row]:
        """Everyone books next week at once: each request sent once, timed to the last answer."""
        people = office.rush(stage.generated, self.days, self.args.rush_requests)
        lines = office.write_lines(self.folder / "rush.txt", people)
        label = f"rush, {len(people):,} at {RUSH_CLIENTS}"
        return [self.bookings(stage, label, lines, RUSH_CLIENTS, once=True)]

    def availability(self, stage: Stage) -> list[Row]:
        """GET /availability of one 500-desk floor, half of it booked, against the ceiling's GET /read."""
        day, floor = self.days[2], 0
        self.clear(stage)
        wanted = office.fill_floor(stage.generated, floor, day)
        fill = office.write_lines(self.folder / "fill-floor.txt", wanted)
        filled = wrk.run(self.wrk, stage.zones.url + "/bookings", fill, connections=8, seconds=60, once=True)
        generated = stage.generated
        query = f"/availability?site_id={generated.site_id}&day={day}&floor_id={generated.floor_ids[floor]}"
        token = generated.people[0].token
        shown = _get_json(stage.zones.url + query, token)
        desks = [desk for zone in shown["zones"] for desk in zone["desks"]]
        taken = sum(1 for desk in desks if not desk["free"])
        note = (
            f"{day}: {len(desks)} desks on the floor, {taken} taken "
            f"({filled.ok} of {len(wanted)} booked with 201)"
        )
        print(f"  availability of {note}")
        lines = office.write_lines(self.folder / "availability.txt", [(token, "")] * 64)
        rows = []
        for clients in AVAILABILITY_CLIENTS:
            label = f"availability, {clients} client{'s' if clients > 1 else ''}"
            row = Row(label, stage.name, clients, "GET /read, one SELECT 1", notes=[note])
            self.warm_up(stage.zones, query, lines, clients, "GET")
            self.warm_up(stage.ceiling, "/read", lines, clients, "GET")
            for round_ in range(1, self.args.rounds + 1):
                row.zones.append(
                    self.measure(stage.zones, query, lines, clients, label, round_, method="GET")
                )
                row.ceiling.append(
                    self.measure(stage.ceiling, "/read", lines, clients, label, round_, method="GET")
                )
            if len(desks) != office.DESKS_PER_FLOOR:
                row.notes.append(f"expected {office.DESKS_PER_FLOOR} desks on the floor, saw {len(desks)}")
            rows.append(row)
        self.clear(stage)
        return rows

    def scenario(self, name: str, run: Callable[[], list[Row]]) -> None:
        """Run one scenario; if it fails, say so in the table and go on with the next."""
        print(f"\n== {name}", flush=True)
        try:
            self.rows += run()
        except Exception as error:
            print(f"  ERROR: {error}")
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            self.rows.append(Row(name, "", 0, "", error=f"{type(error).__name__}: {first_line}"))

    # --- the two databases ------------------------------------------------------------------------

    def on_database(self, name: str, run: Callable[[], None]) -> None:
        """Set up one database and run its scenarios; a failed set-up is a row of the table too."""
        try:
            run()
        except Exception as error:
            print(f"{name}: ERROR {error}")
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            self.rows.append(Row("set-up", name, 0, "", error=f"{type(error).__name__}: {first_line}"))

    def postgresql(self, scenarios: list[str]) -> None:
        """Every PostgreSQL scenario on one scratch database, with both servers kept up."""
        name = f"zones_bench_{uuid.uuid4().hex[:8]}"
        url = make_url(ADMIN_URL).set(drivername="postgresql", database=name).render_as_string(False)
        self.run(_admin(f'CREATE DATABASE "{name}"'))
        try:
            with self.stage("PostgreSQL", url, url) as stage:
                if "booking" in scenarios:
                    for clients in BOOKING_CLIENTS:
                        label = f"booking, {clients} clients"
                        self.scenario(label, partial(self.timed_bookings, stage, label, clients))
                if "rush" in scenarios:
                    self.scenario("rush", partial(self.rush, stage))
                if "availability" in scenarios:
                    self.scenario("availability", partial(self.availability, stage))
        finally:
            self.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def sqlite(self) -> None:
        """Booking on a SQLite file, beside the ceiling inserting into a SQLite file of its own."""
        url = f"sqlite:///{self.folder / 'zones.db'}"
        with self.stage("SQLite", url, f"sqlite:///{self.folder / 'ceiling.db'}") as stage:
            label = f"booking, {SQLITE_CLIENTS} clients"
            self.scenario(f"{label} (SQLite)", partial(self.timed_bookings, stage, label, SQLITE_CLIENTS))

    def timed_bookings(self, stage: Stage, label: str, clients: int) -> list[Row]:
        return [self.bookings(stage, label, stage.steady, clients)]

    @contextmanager
    def stage(self, name: str, url: str, ceiling_url: str) -> Iterator[Stage]:
        """Schema, generated office, request file, and both servers up; all stopped afterwards."""
        with ExitStack() as stack:
            database = create_database(url, pool_size=2)
            stack.callback(lambda: self.run(database.dispose()))
            started = time.monotonic()
            servers.zones_upgrade(url, self.folder)
            generated = self.run(office.generate(database))
            steady = office.write_lines(
                self.folder / f"steady-{name}.txt", office.steady_bookings(generated, self.days)
            )
            print(
                f"{name}: office of {len(generated.people):,} people and {len(generated.desks):,} desks, "
                f"a token each, generated in {time.monotonic() - started:.1f} s"
            )
            self.run(ceiling.create_table(ceiling_url))
            if name == "PostgreSQL":
                zones_pool, ceiling_pool = self.pools(url, database)
                pools = f"; database connections per worker: Zones {zones_pool}, ceiling {ceiling_pool}"
            else:
                ceiling_pool, pools = 1, "; the ceiling has one SQLite connection per worker"
            # On SQLite Zones serves with one worker by default (one writer at a time); so does its ceiling.
            workers = self.args.workers if name == "PostgreSQL" else 1
            zones = stack.enter_context(_serving(servers.start_zones, url, workers, self.folder))
            ceiling_server = stack.enter_context(
                _serving(servers.start_ceiling, ceiling_url, workers, ceiling_pool, self.folder)
            )
            print(f"{name}: Zones and the ceiling serving with {workers} workers each{pools}")
            yield Stage(name, database, ceiling_url, generated, steady, zones, ceiling_server)

    def pools(self, url: str, database: Database) -> tuple[int, int]:
        """Connections per worker: Zones' own setting, and for the ceiling as many, as far as
        PostgreSQL's max_connections allows with both servers up."""
        zones = Settings.from_env({"ZONES_DATABASE_URL": url, "ZONES_WORKERS": str(self.args.workers)})
        zones_pool = int(getattr(zones, "pool_size", None) or zones.db_pool_size)
        limit = self.run(_max_connections(database))
        left = (limit - CONNECTIONS_KEPT_FREE - zones_pool * self.args.workers) // self.args.workers
        if left < 2:
            raise RuntimeError(
                f"PostgreSQL allows {limit} connections; Zones takes {zones_pool} × {self.args.workers} "
                "workers, which leaves too few for the ceiling: raise max_connections or use fewer workers"
            )
        return zones_pool, min(zones_pool, left)


def _check_stored(row: Row, once: bool) -> None:
    """Every 201 must be a booking in the database; after a timed run there may also be a few more,
    from requests still in flight when wrk stopped."""
    for measurement in row.zones:
        result, stored = measurement.result, measurement.stored
        if result is None or stored is None:
            continue
        unanswered = 0 if once and result.all_answered else row.connections
        if not result.ok <= stored <= result.ok + unanswered:
            row.notes.append(
                f"round {measurement.round}: {result.ok} answers 201 but {stored} bookings in the database"
            )


@contextmanager
def _serving(start: Callable[..., servers.Server], *args: Any) -> Iterator[servers.Server]:
    server = start(*args)
    try:
        yield server
    finally:
        servers.stop(server)


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(
        make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(False)
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _max_connections(database: Database) -> int:
    async with database.read_session() as session:
        return int((await session.execute(text("SHOW max_connections"))).scalar_one())


def _get_json(url: str, token: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return dict(json.load(answer))


# --- targets, the table and the JSON ---------------------------------------------------------------


def wait_until_quiet(load: float) -> None:
    """Wait (up to QUIET_WAIT_S) until the 1-minute load average is below `load`."""
    started = time.monotonic()
    while os.getloadavg()[0] >= load and time.monotonic() - started < QUIET_WAIT_S:
        print(f"    waiting for a quiet machine: load {os.getloadavg()[0]:.2f}", end="\r", flush=True)
        time.sleep(5)
    print(" " * 60, end="\r")


def judge(row: Row) -> None:
    """Mark the issue's targets on a row, from the medians of its Zones runs."""
    rps, ok_per_s = row.median("requests_per_s"), row.median("2xx_per_s")
    p50, p99 = row.median("p50_ms"), row.median("p99_ms")
    doubles = row.worst_double_bookings
    no_doubles = doubles == (0, 0) if doubles is not None else None
    runs = [m.result for m in row.zones if m.result]
    measured = bool(runs) and len(runs) == len(row.zones)
    others = sum(r.others for r in runs)
    if row.scenario.startswith("rush"):
        seconds = row.median("seconds")
        answered = measured and all(r.all_answered for r in runs)
        row.targets += [
            ("all answered", answered),
            ("≤ 60 s", answered and seconds is not None and seconds <= 60),
            ("p99 ≤ 250 ms", p99 is not None and p99 <= 250),
            ("0 double bookings", no_doubles),
        ]
    elif row.scenario.startswith("availability"):
        if row.connections == 1:
            row.targets.append(("p50 ≤ 10 ms", p50 is not None and p50 <= 10))
        else:
            row.targets.append(("≥ 300/s", rps is not None and rps >= 300))
        row.targets.append(("all 200", measured and others == 0))
    else:
        answered, ok = sum(r.answered for r in runs), sum(r.ok for r in runs)
        if row.database == "SQLite":
            row.targets.append(("≥ 300 bookings/s", ok_per_s is not None and ok_per_s >= 300))
        elif row.connections == QUIET_CLIENTS:
            quiet = [m.result.ok_per_s for m in row.zones if m.result and m.load_avg < QUIET_LOAD]
            row.targets += [
                ("ratio ≥ 0.25", row.ratio is not None and row.ratio >= 0.25),
                ("p99 ≤ 150 ms", p99 is not None and p99 <= 150),
                (
                    f"≥ 600 bookings/s quiet ({len(quiet)} of {len(row.zones)} runs at load < {QUIET_LOAD})",
                    statistics.median(quiet) >= 600 if quiet else None,
                ),
            ]
        row.targets += [("≥ 99 % 201", measured and ok >= 0.99 * answered), ("0 double bookings", no_doubles)]
    if others:
        row.notes.append(f"Zones answered {others} times with neither 2xx nor 409: {_unexpected(runs)}")


def _unexpected(runs: list[wrk.WrkResult]) -> str:
    problems: dict[str, int] = {}
    for result in runs:
        for kind, n in result.problems.items():
            if not kind.startswith("409"):
                problems[kind] = problems.get(kind, 0) + n
    sample = next((r.unexpected for r in runs if r.unexpected), "")
    return f"{problems}, e.g. {sample[:300]}"


def table(rows: list[Row]) -> str:
    """The results as a markdown table (medians over the rounds)."""
    header = (
        "| scenario | Zones req/s | Zones 2xx/s | p50 ms | p99 ms | 2xx / 409 (with alternatives) / other "
        "| ceiling req/s | ratio | load avg | double bookings | target |"
    )
    lines = [header, "|" + "---|" * (header.count(" | ") + 1)]
    for row in rows:
        name = f"{row.scenario} ({row.database})" if row.database else row.scenario
        if row.error:
            error = row.error.replace("|", "\\|")
            lines.append(f"| {name} | error: {error} |" + " |" * 8 + " FAIL |")
            continue
        ok, conflicts, alternatives, others = (
            _num(row.median(metric)) for metric in ("2xx", "409", "409_with_alternatives", "other")
        )
        in_time = _rush_time(row) if row.scenario.startswith("rush") else ""
        doubles = row.worst_double_bookings
        cells = [
            name,
            _num(row.median("requests_per_s")) + in_time,
            _num(row.median("2xx_per_s")),
            _num(row.median("p50_ms"), 1),
            _num(row.median("p99_ms"), 1),
            f"{ok} / {conflicts} ({alternatives}) / {others}",
            f"{_num(row.median('requests_per_s', ceiling=True))} ({row.ceiling_endpoint})",
            _num(row.ratio, 2),
            _num(row.load_avg, 2),
            f"{doubles[0]} desk, {doubles[1]} person" if doubles else "—",
            ", ".join(f"{target} {_verdict(passed)}" for target, passed in row.targets),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _rush_time(row: Row) -> str:
    """How long the rush took to answer everyone, or how far it got by the limit."""
    runs = [m.result for m in row.zones if m.result]
    seconds = row.median("seconds")
    if not runs or seconds is None:
        return ""
    if all(r.all_answered for r in runs):
        return f" (all {runs[0].lines:,} in {seconds:.1f} s)"
    answered = statistics.median(r.answered for r in runs)
    return f" (only {answered:,.0f} of {runs[0].lines:,} answered in {seconds:.0f} s)"


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _verdict(passed: bool | None) -> str:
    return "PASS" if passed else ("FAIL" if passed is False else "n/a")


def _describe(m: Measurement) -> str:
    if m.result is None:
        return f"ERROR {m.error}"
    r = m.result
    line = (
        f"{r.requests_per_s:7.0f} req/s {r.ok_per_s:7.0f} 2xx/s  p50 {r.latency_ms['p50']:7.1f} ms  "
        f"p99 {r.latency_ms['p99']:7.1f} ms  2xx {r.ok} 409 {r.conflicts} (alt {r.alternatives}) "
        f"other {r.others} in {r.seconds:.1f} s"
    )
    if r.socket_errors:
        line += f"  socket errors {r.socket_errors}"
    if r.extra:
        line += f"  resent after connection errors: {r.extra}"
    return line


def _git_commit() -> str:
    shown = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return shown.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated: " + ", ".join(SCENARIOS)
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds of Zones then ceiling (default 3)")
    parser.add_argument("--seconds", type=int, default=10, help="length of each timed run (default 10)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server processes each")
    parser.add_argument("--rush-requests", type=int, default=office.PEOPLE, help="people in the rush")
    parser.add_argument(
        "--quiet",
        type=float,
        default=0.0,
        metavar="LOAD",
        help="before each Zones run of booking at 32 clients, wait (up to 5 min) until the "
        "1-minute load average is below LOAD, e.g. 0.5 for the quiet-machine target (default: no wait)",
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args()
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenario {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    args.rush_requests = max(2, min(args.rush_requests, office.PEOPLE))

    wrk_path = wrk.ensure_wrk()
    meta = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "zones_version": zones_version,
        "git_commit": _git_commit(),
        "cores": os.cpu_count(),
        "workers": args.workers,
        "wrk": wrk.wrk_version(wrk_path),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "load_avg_at_start": round(os.getloadavg()[0], 2),
    }
    print(
        f"Zones {zones_version} ({meta['git_commit'][:10]}), {meta['cores']} cores, {args.workers} workers "
        f"per server, {meta['wrk']}, {args.rounds} rounds, load average {meta['load_avg_at_start']}"
    )
    with tempfile.TemporaryDirectory(prefix="zones-bench-") as scratch, asyncio.Runner() as runner:
        bench = Bench(args, wrk_path, Path(scratch), runner)
        try:
            if set(scenarios) & {"booking", "rush", "availability"}:
                bench.on_database("PostgreSQL", partial(bench.postgresql, scenarios))
            if "sqlite" in scenarios:
                bench.on_database("SQLite", bench.sqlite)
        except KeyboardInterrupt:
            print("\ninterrupted: servers stopped and scratch databases dropped", file=sys.stderr)
            raise SystemExit(130) from None
    rows = bench.rows
    for row in rows:
        if not row.error:
            judge(row)
    print(
        "\nMedians over the rounds; ratio = Zones req/s ÷ ceiling req/s; "
        "load avg = 1-minute load average before the Zones runs."
    )
    print(table(rows))
    for row in rows:
        for note in row.notes:
            print(f"- {row.scenario} ({row.database}): {note}")
    if args.json:
        args.json.write_text(
            json.dumps({"meta": meta, "rows": [row.as_json() for row in rows]}, indent=2, ensure_ascii=False),
            encoding="utf-8",
        )
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
