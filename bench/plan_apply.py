"""Applying a plan: the time from "apply" to its invites queued, beside booking the same seats one by one.

    .venv/bin/python bench/plan_apply.py [--databases sqlite,postgresql] [--people 1000]
        [--rounds 3] [--hand-rounds 1] [--json out.json]

On each database (a SQLite file in a temporary folder; a scratch PostgreSQL database made with
ZONES_TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres, an account that may
create databases, and dropped afterwards, also after an error) the bench loads two offices:

- the demo office (`zones demo`: config/demo.toml and config/demo-staff.csv, 140 people), and
- a generated office of --people people (`planning.generate_scenario`, 0.65 desks per person, with
  zones that have occupancy caps), written straight into the tables with SQLAlchemy Core,

and stores a plan for one week of each: the seats of the first-come baseline (`planning.greedy_plan`),
so the bench never waits for the solver. The clock is fixed on the Monday before that week.

Per office and round the bookings and the outbox are cleared, then:
- **apply**: `zones.plans.apply.apply_plan` in one write transaction, timed from the call to the
  commit; the outbox rows are then in the database (the bench counts them, and checks that no desk
  and no person is booked twice);
- **dry run**: the same, without writing;
- **one by one** (the hand path, --hand-rounds times): the same seats booked through
  `DeskBookings.book`, each in its own write transaction as a hand booking is made, with every rule
  checked (a seat the rules refuse, e.g. an accessible desk still held, is counted, not booked).
The table shows the medians; the ratio is one-by-one time over apply time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import func, insert, make_url, select
from uuid_utils.compat import uuid7

import office as bench_office
from zones.auth import Principal
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings
from zones.calendar.events import CalendarConfig
from zones.db import Database, create_database
from zones.db.migrate import upgrade
from zones.errors import RuleRefused
from zones.models import (
    Activity,
    Desk,
    Employee,
    Floor,
    OutboxMessage,
    Period,
    Plan,
    PlanSeat,
    PlanStatus,
    Policy,
    Role,
    Site,
    Zone,
)
from zones.office.layout import LayoutCache
from zones.office.load import load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file, demo_office_file, demo_staff_file
from zones.optimizer import planning
from zones.plans.apply import apply_plan
from zones.plans.scenario_from_db import scenario_for_site, week_days
from zones.staff.csv_import import import_staff, read_staff_csv

ADMIN_URL = os.environ.get("ZONES_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASES = ("sqlite", "postgresql")
PLAN_MONDAY = date(2027, 1, 11)
"""The planned week: an ordinary working week in Denmark (no public holiday)."""
NOW = datetime.combine(PLAN_MONDAY - timedelta(days=7), clock_time(7, 0), tzinfo=UTC)
"""The bench's clock: 08:00 in Copenhagen on the Monday before."""
CALENDAR = CalendarConfig()


@dataclass
class PlannedOffice:
    """An office in the database with a stored plan, and the seats to book one by one."""

    name: str
    people: int
    plan_id: UUID
    planner: Principal
    seats: list[tuple[UUID, UUID, date]]
    """(person, desk, day) of every planned seat."""


@dataclass
class Row:
    """One office on one database: the medians of the rounds."""

    office: str
    database: str
    people: int
    seats: int
    created: int = 0
    conflicts: int = 0
    """Seats the apply skipped (conflicts with the booking rules)."""
    invites: int = 0
    apply_s: list[float] = field(default_factory=list)
    dry_run_s: list[float] = field(default_factory=list)
    hand_s: list[float] = field(default_factory=list)
    hand_booked: int = 0
    hand_refused: dict[str, int] = field(default_factory=dict)
    double_bookings: tuple[int, int] = (0, 0)

    @property
    def ratio(self) -> float | None:
        if not self.apply_s or not self.hand_s:
            return None
        return statistics.median(self.hand_s) / statistics.median(self.apply_s)


def clock() -> datetime:
    return NOW


# --- offices and plans ----------------------------------------------------------------------------


async def load_demo(database: Database) -> PlannedOffice:
    """The demo office and its staff, with a plan of the first-come baseline for the planned week."""
    async with database.write_session() as session:
        await load_office(
            session, load_office_file(demo_office_file()), load_policy_file(default_policy_file())
        )
    async with database.write_session() as session:
        await import_staff(session, read_staff_csv(demo_staff_file(), ["kff-cph"]))
    async with database.read_session() as session:
        site = (await session.scalars(select(Site).where(Site.key == "kff-cph"))).one()
        scenario, keys = await scenario_for_site(session, site.id, week_days(site, PLAN_MONDAY, 1))
        planner = (
            await session.scalars(select(Employee).where(Employee.role == Role.PLANNER).limit(1))
        ).one()
    plan = planning.greedy_plan(scenario, 0)
    seats = [
        (keys.employees[person], keys.desks[seat.desk], keys.zones[seat.zone], day, seat.activity)
        for (person, day), seat in plan.seats.items()
        if seat.desk is not None and seat.zone is not None
    ]
    plan_id = await store_plan(database, site.id, seats)
    return PlannedOffice(
        "demo",
        len(scenario.employees),
        plan_id,
        Principal.of(planner),
        [(p, d, day) for p, d, _, day, _ in seats],
    )


async def load_generated(database: Database, people: int) -> PlannedOffice:
    """A generated office of `people` written into the tables, with a first-come plan of its week."""
    scenario = planning.generate_scenario(
        employees=people, desk_ratio=0.65, weeks=1, seed=1, start=PLAN_MONDAY
    )
    stamp = {"created_at": NOW, "updated_at": NOW}
    site_id = uuid7()
    site = {
        "id": site_id,
        "key": f"generated-{people}",
        "name": f"Generated office ({people} people)",
        "timezone": "Europe/Copenhagen",
        "country": "DK",
        "working_days": [1, 2, 3, 4, 5],
        "opens_at": clock_time(8, 0),
        "closes_at": clock_time(17, 0),
    }
    policy = {
        "id": uuid7(),
        "site_id": site_id,
        "attendance_min_share": scenario.policy.attendance_min_share,
        "attendance_max_share": scenario.policy.attendance_max_share,
        "booking_horizon_days": 60,
        "checkin_opens_minutes_before": 30,
        "checkin_deadline_minutes_after": 60,
        "accessible_hold_days": 0,
        "planning_weights": {},
    }
    floors: dict[str, dict[str, Any]] = {}
    zones, desks = [], []
    zone_ids, desk_ids = {}, {}
    for zone in scenario.zones:
        if zone.floor not in floors:
            floors[zone.floor] = {
                "id": uuid7(),
                "site_id": site_id,
                "name": f"Floor {zone.floor}",
                "level": len(floors),
            }
        zone_ids[zone.key] = zone_id = uuid7()
        zones.append(
            {
                "id": zone_id,
                "site_id": site_id,
                "floor_id": floors[zone.floor]["id"],
                "key": zone.key,
                "name": zone.name or zone.key,
                "activity": Activity(zone.activity),
                "area_m2": zone.area_m2,
                "ceiling_height_m": zone.ceiling_height_m,
                "occupancy_cap": zone.occupancy_cap,
            }
        )
        for desk in zone.desks:
            desk_ids[desk.code] = desk_id = uuid7()
            desks.append(
                {
                    "id": desk_id,
                    "site_id": site_id,
                    "zone_id": zone_id,
                    "code": desk.code,
                    "attributes": list(desk.attributes),
                    "bookable": True,
                }
            )
    person_ids = {e.key: uuid7() for e in scenario.employees}
    employees = [
        {
            "id": person_ids[e.key],
            "email": f"{e.key.lower()}@generated.zones.test",
            "name": e.name or f"Person {e.key}",
            "role": Role.EMPLOYEE,
            "home_site_id": site_id,
            "contracted_share": e.share,
            "needs": list(e.needs),
            "shares_presence": True,
            "active": True,
        }
        for e in scenario.employees
    ]
    planner_id = uuid7()
    employees.append(
        {
            "id": planner_id,
            "email": "planner@generated.zones.test",
            "name": "Planner",
            "role": Role.PLANNER,
            "home_site_id": None,
            "contracted_share": 1.0,
            "needs": [],
            "shares_presence": True,
            "active": True,
        }
    )
    async with database.write_session() as session:
        for model, rows in (
            (Site, [site]),
            (Policy, [policy]),
            (Floor, list(floors.values())),
            (Zone, zones),
            (Desk, desks),
            (Employee, employees),
        ):
            await session.execute(insert(model.__table__), [row | stamp for row in rows])
    plan = planning.greedy_plan(scenario, 0)
    seats = [
        (person_ids[person], desk_ids[seat.desk], zone_ids[seat.zone], day, seat.activity)
        for (person, day), seat in plan.seats.items()
        if seat.desk is not None and seat.zone is not None
    ]
    plan_id = await store_plan(database, site_id, seats)
    planner = Principal(planner_id, "planner@generated.zones.test", "Planner", Role.PLANNER)
    return PlannedOffice(
        f"generated {people}", people, plan_id, planner, [(p, d, day) for p, d, _, day, _ in seats]
    )


async def store_plan(
    database: Database, site_id: UUID, seats: list[tuple[UUID, UUID, UUID, date, str]]
) -> UUID:
    """A finished plan of the planned week with `seats` (person, desk, zone, day, activity)."""
    plan_id = uuid7()
    stamp = {"created_at": NOW, "updated_at": NOW}
    async with database.write_session() as session:
        await session.execute(
            insert(Plan.__table__),
            {
                "id": plan_id,
                "site_id": site_id,
                "starts_on": PLAN_MONDAY,
                "ends_on": PLAN_MONDAY + timedelta(days=4),
                "status": PlanStatus.DONE,
                "time_limit_s": 0.0,
                "weeks": 1,
                "cancel_requested": False,
                "best_found": False,
                "progress": {},
                "kpis": {},
                "flags": [],
                "violations": [],
                **stamp,
            },
        )
        await session.execute(
            insert(PlanSeat.__table__),
            [
                {
                    "id": uuid7(),
                    "plan_id": plan_id,
                    "employee_id": person,
                    "desk_id": desk,
                    "zone_id": zone,
                    "day": day,
                    "activity": activity,
                    **stamp,
                }
                for person, desk, zone, day, activity in seats
            ],
        )
    return plan_id


# --- the measurements -----------------------------------------------------------------------------


async def timed_apply(
    database: Database, planned: PlannedOffice, *, dry_run: bool
) -> tuple[float, int, int, int]:
    """Seconds from the call to the commit, bookings created, conflicts skipped, and the invites then
    in the outbox. Conflicts are skipped: a first-come plan may give a part-timer a workshop day
    beyond their weekly cap, which the booking rules refuse."""
    started = time.perf_counter()
    async with database.write_session() as session:
        report = await apply_plan(
            session,
            planned.plan_id,
            applied_by=planned.planner.employee_id,
            now=NOW,
            calendar=CALENDAR,
            dry_run=dry_run,
            skip_conflicts=True,
        )
    seconds = time.perf_counter() - started
    async with database.read_session() as session:
        invites = int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
    return seconds, report.counts.created, report.counts.conflicts, invites


async def one_by_one(database: Database, planned: PlannedOffice) -> tuple[float, int, dict[str, int]]:
    """Book every seat through the hand path, one transaction each; seconds, booked, refusals by rule."""
    layouts = LayoutCache()
    booked, refused = 0, dict[str, int]()
    started = time.perf_counter()
    for person, desk, day in planned.seats:
        try:
            async with database.write_session() as session:
                context = BookingContext(session, planned.planner, clock, CALENDAR, layouts)
                await DeskBookings(context).book(desk, day, Period.FULL, employee_id=person)
            booked += 1
        except RuleRefused as refusal:
            refused[refusal.rule] = refused.get(refusal.rule, 0) + 1
    return time.perf_counter() - started, booked, refused


async def measure(database: Database, planned: PlannedOffice, name: str, args: argparse.Namespace) -> Row:
    row = Row(planned.name, name, planned.people, len(planned.seats))
    for round_ in range(1, args.rounds + 1):
        await bench_office.clear_bookings(database)
        seconds, _, _, _ = await timed_apply(database, planned, dry_run=True)
        row.dry_run_s.append(seconds)
        seconds, row.created, row.conflicts, row.invites = await timed_apply(database, planned, dry_run=False)
        row.apply_s.append(seconds)
        row.double_bookings = await bench_office.double_bookings(database)
        print(
            f"  {planned.name} on {name}, round {round_}: apply {seconds:.3f} s, {row.created:,} bookings,"
            f" {row.invites:,} invites, {row.conflicts} skipped; dry run {row.dry_run_s[-1]:.3f} s",
            flush=True,
        )
    for round_ in range(1, args.hand_rounds + 1):
        await bench_office.clear_bookings(database)
        seconds, row.hand_booked, row.hand_refused = await one_by_one(database, planned)
        row.hand_s.append(seconds)
        print(
            f"  {planned.name} on {name}, one by one {round_}: {seconds:.2f} s, {row.hand_booked:,} booked,"
            f" refused {row.hand_refused or 'none'}",
            flush=True,
        )
    await bench_office.clear_bookings(database)
    return row


async def bench_database(url: str, name: str, args: argparse.Namespace) -> list[Row]:
    database = create_database(url, pool_size=2)
    try:
        offices = [await load_demo(database), await load_generated(database, args.people)]
        for planned in offices:
            print(
                f"{name}: {planned.name}: {planned.people:,} people, a plan of {len(planned.seats):,} seats"
            )
        return [await measure(database, planned, name, args) for planned in offices]
    finally:
        await database.dispose()


def on_sqlite(folder: Path, args: argparse.Namespace) -> list[Row]:
    url = f"sqlite:///{folder / 'zones.db'}"
    upgrade(url)
    return asyncio.run(bench_database(url, "SQLite", args))


def on_postgresql(args: argparse.Namespace) -> list[Row]:
    name = f"zones_bench_{uuid.uuid4().hex[:8]}"
    url = make_url(ADMIN_URL).set(drivername="postgresql", database=name).render_as_string(False)
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        upgrade(url)
        return asyncio.run(bench_database(url, "PostgreSQL", args))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(
        make_url(ADMIN_URL).set(drivername="postgresql").render_as_string(False)
    )
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


# --- the table ------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    """The results as a markdown table (medians over the rounds)."""
    header = (
        "| office | database | people | planned seats | bookings created | skipped | invites queued "
        "| apply s | ms per booking | dry run s | one by one s | booked / refused one by one | ratio "
        "| double bookings |"
    )
    lines = [header, "|" + "---|" * header.count(" | ") + "---|"]
    for row in rows:
        apply_s = statistics.median(row.apply_s)
        hand_s = statistics.median(row.hand_s) if row.hand_s else None
        refused = sum(row.hand_refused.values())
        cells = [
            row.office,
            row.database,
            f"{row.people:,}",
            f"{row.seats:,}",
            f"{row.created:,}",
            f"{row.conflicts:,}",
            f"{row.invites:,}",
            f"{apply_s:.3f}",
            f"{1000 * apply_s / max(1, row.created):.2f}",
            f"{statistics.median(row.dry_run_s):.3f}",
            "—" if hand_s is None else f"{hand_s:.2f}",
            "—" if hand_s is None else f"{row.hand_booked:,} / {refused:,}",
            "—" if row.ratio is None else f"{row.ratio:.1f}×",
            f"{row.double_bookings[0]} desk, {row.double_bookings[1]} person",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--databases", default=",".join(DATABASES), help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument(
        "--people", type=int, default=1000, help="people in the generated office (default 1000)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed applies per office (default 3)")
    parser.add_argument("--hand-rounds", type=int, default=1, help="one-by-one runs per office (default 1)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args()
    wanted = [d.strip() for d in args.databases.split(",") if d.strip()]
    unknown = set(wanted) - set(DATABASES)
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="zones-plan-apply-") as folder:
        runs: dict[str, Callable[[], list[Row]]] = {
            "sqlite": lambda: on_sqlite(Path(folder), args),
            "postgresql": lambda: on_postgresql(args),
        }
        for name in wanted:
            rows.extend(runs[name]())
    print()
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2, default=str), encoding="utf-8")
    if any(r.double_bookings != (0, 0) or r.invites != r.created for r in rows):
        sys.exit("double bookings, or invites that do not match the bookings")


if __name__ == "__main__":
    main()
