"""A generated office for the load bench: 20,000 people, 13,000 desks, one API token each.

One site, 26 floors of 500 bookable desks, each floor two quiet zones of 100 desks and two
collaboration zones of 150. Rows go straight into the Zones tables with SQLAlchemy Core after
`zones db upgrade` (the office loader and `issue_token` go row by row: far too slow for this
many). The policy lets anyone book every working day up to 60 days ahead, so the weekly cap and
the horizon refuse nothing the bench sends; no desk is `accessible` (those are held for people
who need them) and no zone has an occupancy cap (a capped zone takes its bookings one at a time).

Also here: the request files the scenarios send (`token<TAB>json body` per line), and the checks
run on the database between runs (clear the bookings, count double bookings).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from uuid_utils.compat import uuid7

from zones.auth.tokens import hash_token, new_token
from zones.db import Database
from zones.models import (
    ACTIVE_STATUSES,
    Activity,
    ApiToken,
    Booking,
    Desk,
    Employee,
    Floor,
    Policy,
    Role,
    Site,
    Zone,
)

FLOORS = 26
ZONES_PER_FLOOR = (
    (Activity.QUIET, 100),
    (Activity.COLLABORATION, 150),
    (Activity.QUIET, 100),
    (Activity.COLLABORATION, 150),
)
DESKS_PER_FLOOR = sum(desks for _, desks in ZONES_PER_FLOOR)  # 500: the availability floor
PEOPLE = 20_000
TIMEZONE = "Europe/Copenhagen"
DAY_WEIGHTS = (0.16, 0.24, 0.24, 0.22, 0.14)
"""How the rush spreads over Monday … Friday: most people want Tuesday to Thursday."""


@dataclass(frozen=True)
class Person:
    id: UUID
    token: str
    zone: int
    """Index into `Office.zones`: where the person usually sits."""


@dataclass(frozen=True)
class Office:
    """What the scenarios need to know about the generated office."""

    site_id: UUID
    floor_ids: list[UUID]
    zones: list[list[UUID]]
    """Desk ids per zone, zones in order floor by floor."""
    people: list[Person]

    @property
    def desks(self) -> list[UUID]:
        return [desk for zone in self.zones for desk in zone]

    def floor_zones(self, floor: int) -> range:
        """Indexes into `zones` of one floor's zones."""
        return range(floor * len(ZONES_PER_FLOOR), (floor + 1) * len(ZONES_PER_FLOOR))


def next_week() -> list[date]:
    """Monday to Friday of next week, in the site's time zone."""
    today = datetime.now(ZoneInfo(TIMEZONE)).date()
    monday = today + timedelta(days=7 - today.weekday())
    return [monday + timedelta(days=i) for i in range(5)]


async def generate(database: Database) -> Office:
    """Insert the office, its people and their tokens into an upgraded, empty Zones database."""
    now = datetime.now(UTC)
    stamp = {"created_at": now, "updated_at": now}
    site_id = uuid7()
    floors, zones, desks, zone_desks = [], [], [], []
    for level in range(FLOORS):
        floor_id = uuid7()
        floors.append({"id": floor_id, "site_id": site_id, "name": f"Floor {level}", "level": level})
        for number, (activity, count) in enumerate(ZONES_PER_FLOOR):
            zone_id, x0 = uuid7(), number * 25.0
            zones.append(
                {
                    "id": zone_id,
                    "site_id": site_id,
                    "floor_id": floor_id,
                    "key": f"f{level}-{activity.value[0]}{number}",
                    "name": f"{activity.value.title()} {level}.{number}",
                    "activity": activity,
                    "area_m2": count * 8.0,
                    "ceiling_height_m": 2.7,
                    "x_m": x0,
                    "y_m": 0.0,
                    "width_m": 25.0,
                    "depth_m": 40.0,
                }
            )
            ids = [uuid7() for _ in range(count)]
            zone_desks.append(ids)
            desks += [
                {
                    "id": desk_id,
                    "site_id": site_id,
                    "zone_id": zone_id,
                    "code": f"{level}-{number}-{i:03d}",
                    "x_m": x0 + 1.0 + (i % 10) * 2.2,
                    "y_m": 1.0 + (i // 10) * 2.5,
                    "attributes": ["dual-screen"] if i % 4 == 0 else [],
                    "bookable": True,
                }
                for i, desk_id in enumerate(ids)
            ]
        floors[-1] |= {"width_m": 25.0 * len(ZONES_PER_FLOOR), "depth_m": 40.0}
    people, employees, tokens = [], [], []
    for i in range(PEOPLE):
        person_id, token = uuid7(), new_token()
        people.append(Person(person_id, token, i % len(zones)))
        employees.append(
            {
                "id": person_id,
                "email": f"person{i:05d}@bench.zones.test",
                "name": f"Person {i:05d}",
                "role": Role.EMPLOYEE,
                "home_site_id": site_id,
                "contracted_share": 1.0,
                "needs": [],
                "shares_presence": True,
                "active": True,
            }
        )
        tokens.append(
            {
                "id": uuid7(),
                "employee_id": person_id,
                "name": "bench",
                "token_hash": hash_token(token),
                "prefix": token[:10],
            }
        )
    site = {
        "id": site_id,
        "key": "bench",
        "name": "Bench tower",
        "timezone": TIMEZONE,
        "country": "DK",
        "working_days": [1, 2, 3, 4, 5],
        "opens_at": time(8, 0),
        "closes_at": time(17, 0),
    }
    policy = {
        "id": uuid7(),
        "site_id": site_id,
        "attendance_min_share": 0.0,
        "attendance_max_share": 1.0,
        "booking_horizon_days": 60,
        "checkin_opens_minutes_before": 30,
        "checkin_deadline_minutes_after": 60,
        "accessible_hold_days": 0,
        "planning_weights": {},
    }
    async with database.write_session() as session:
        for model, rows in (
            (Site, [site]),
            (Policy, [policy]),
            (Floor, floors),
            (Zone, zones),
            (Desk, desks),
            (Employee, employees),
            (ApiToken, tokens),
        ):
            await session.execute(insert(model.__table__), [row | stamp for row in rows])
    # Planner statistics, as a database that has been in use for a while would have.
    await _outside_a_transaction(database, "ANALYZE")
    return Office(site_id, [floor["id"] for floor in floors], zone_desks, people)


def write_lines(path: Path, lines: list[tuple[str, str]]) -> Path:
    """Write a request file for bench/requests.lua: `token<TAB>body` per line."""
    path.write_text("".join(f"{token}\t{body}\n" for token, body in lines), encoding="utf-8")
    return path


def _booking(person: Person, desk: UUID, day: date) -> tuple[str, str]:
    return person.token, f'{{"desk_id":"{desk}","day":"{day}","period":"full"}}'


def steady_bookings(office: Office, days: list[date], seed: int = 1) -> list[tuple[str, str]]:
    """Bookings that all succeed: every desk once a day, nobody twice a day (13,000 × 5 lines).

    Line k·5+d books day d; one desk and one person per line, so any prefix of the file is a
    stream of different people booking free desks across the week.
    """
    rng = random.Random(seed)
    desks = office.desks
    per_day = [rng.sample(desks, len(desks)) for _ in days]
    lines = []
    for k in range(len(desks)):
        for d, day in enumerate(days):
            # Day d's people are a window of len(desks) consecutive people: all different that day.
            person = office.people[(d * len(desks) + k) % len(office.people)]
            lines.append(_booking(person, per_day[d][k], day))
    return lines


def rush(office: Office, days: list[date], count: int, seed: int = 2) -> list[tuple[str, str]]:
    """Monday morning: `count` people each book once, a random desk in their own zone, on a day of
    next week (mostly Tuesday to Thursday); people in one zone on one day collide now and then."""
    rng = random.Random(seed)
    people = rng.sample(office.people, min(count, len(office.people)))
    chosen = rng.choices(days, weights=DAY_WEIGHTS, k=len(people))
    return [
        _booking(person, rng.choice(office.zones[person.zone]), day)
        for person, day in zip(people, chosen, strict=True)
    ]


def fill_floor(office: Office, floor: int, day: date, share: float = 0.5) -> list[tuple[str, str]]:
    """Bookings of `share` of one floor's desks on `day` (different people), so availability
    has both free and taken desks to show."""
    desks = [desk for zone in office.floor_zones(floor) for desk in office.zones[zone]]
    taken = desks[:: round(1 / share)]
    return [_booking(person, desk, day) for person, desk in zip(office.people, taken, strict=False)]


# --- checks between runs -----------------------------------------------------------------------

BOOKING_TABLES = ("desk_slot", "outbox_message", "booking", "booking_series")
DOUBLE_BOOKINGS = """
    SELECT count(*) FROM booking a JOIN booking b
      ON a.{key} = b.{key} AND a.day = b.day AND a.id < b.id
     WHERE a.status IN ('booked', 'checked_in') AND b.status IN ('booked', 'checked_in')
       AND (a.period = 'full' OR b.period = 'full' OR a.period = b.period)"""


async def clear_bookings(database: Database, *extra_tables: str) -> None:
    """Remove every booking (and what hangs off it), so the next run starts from the same state."""
    tables = (*BOOKING_TABLES, *extra_tables)
    if database.dialect == "postgresql":
        await _outside_a_transaction(database, f"TRUNCATE {', '.join(tables)} CASCADE", "CHECKPOINT")
    else:
        deletes = [f"DELETE FROM {table}" for table in tables]
        await _outside_a_transaction(database, *deletes, "PRAGMA wal_checkpoint(TRUNCATE)")


async def _outside_a_transaction(database: Database, *statements: str) -> None:
    """Run statements one by one, each committing on its own (CHECKPOINT refuses a transaction)."""
    async with database.autocommit_session() as session:
        for statement in statements:
            await session.execute(text(statement))


async def double_bookings(database: Database) -> tuple[int, int]:
    """Active bookings that overlap on one desk, and on one person (both must be 0)."""
    async with database.read_session() as session:
        desks = int((await session.execute(text(DOUBLE_BOOKINGS.format(key="desk_id")))).scalar_one())
        people = int((await session.execute(text(DOUBLE_BOOKINGS.format(key="employee_id")))).scalar_one())
    return desks, people


async def active_bookings(database: Database) -> int:
    """Bookings in the database that hold a desk."""
    async with database.read_session() as session:
        statement = select(func.count()).select_from(Booking).where(Booking.status.in_(ACTIVE_STATUSES))
        return int(await session.scalar(statement) or 0)
