"""The office layout version: every layout change raises it, bookings and people leave it alone.

Each process caches the layout with the version it read and reloads when the version differs, so a
layout change that does not raise it serves a stale layout, and a booking that does would throw the
cache away on every request.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select, text, update

from booking_support import as_, build_world, weekday
from helpers import load_demo
from zones.bookings.desks import DeskBookings
from zones.bookings.rooms import RoomBookings
from zones.db import Database, create_database
from zones.db.migrate import downgrade, upgrade
from zones.models import (
    Activity,
    Desk,
    Employee,
    Floor,
    OfficeVersion,
    Period,
    Policy,
    PolicyThreshold,
    Team,
    Zone,
    office_version_now,
)
from zones.models.office_version import LAYOUT_TABLES


async def version(db: Database) -> int:
    async with db.read_session() as session:
        return int(await session.scalar(office_version_now()) or 0)


class Abandoned(Exception):
    """Raised inside a write transaction to roll it back."""


async def test_loading_an_office_raises_the_version(db: Database) -> None:
    before = await version(db)
    await load_demo(db, staff=False)
    after = await version(db)
    assert after > before
    async with db.read_session() as session:
        rows = list(await session.scalars(select(OfficeVersion)))
    assert [(row.id, row.version) for row in rows] == [(1, after)], "one row, id 1"


async def test_each_kind_of_layout_change_raises_the_version(db: Database) -> None:
    await load_demo(db, staff=False)
    seen = [await version(db)]

    async def changed() -> None:
        seen.append(await version(db))
        assert seen[-1] > seen[-2], seen

    async with db.write_session() as session:
        desk = (await session.scalars(select(Desk).order_by(Desk.code).limit(1))).one()
        desk.bookable = False
    await changed()

    async with db.write_session() as session:
        floor = (await session.scalars(select(Floor).limit(1))).one()
        session.add(
            Zone(
                site_id=floor.site_id,
                floor_id=floor.id,
                key="new-quiet",
                name="New quiet zone",
                activity=Activity.QUIET,
                area_m2=20.0,
                ceiling_height_m=2.7,
            )
        )
    await changed()

    async with db.write_session() as session:
        desk = (await session.scalars(select(Desk).order_by(Desk.code).limit(1))).one()
        await session.delete(desk)
    await changed()

    async with db.write_session() as session:
        policy = (await session.scalars(select(Policy))).one()
        policy.booking_horizon_days += 1
    await changed()

    async with db.write_session() as session:
        threshold = (await session.scalars(select(PolicyThreshold).limit(1))).one()
        threshold.note = "changed"
    await changed()


@pytest.mark.parametrize("table", LAYOUT_TABLES)
async def test_every_layout_table_raises_the_version(db: Database, table: str) -> None:
    await load_demo(db, staff=False)
    before = await version(db)
    async with db.write_session() as session:
        assert await session.scalar(text(f"SELECT count(*) FROM {table}")), f"the demo has no {table} rows"
        await session.execute(text(f"UPDATE {table} SET updated_at = updated_at"))
    assert await version(db) > before


async def test_postgresql_bumps_once_per_statement_and_sqlite_once_per_row(db: Database) -> None:
    await load_demo(db, staff=False)
    before = await version(db)
    async with db.write_session() as session:
        desks = await session.scalar(select(func.count()).select_from(Desk))
        await session.execute(update(Desk).values(bookable=False))
    assert desks is not None and desks > 1
    expected = 1 if db.dialect == "postgresql" else desks
    assert await version(db) - before == expected


async def test_bookings_and_people_leave_the_version_alone(db: Database) -> None:
    world = await build_world(db)
    before = await version(db)

    desk_id, room_id = world.desk("Q1-03"), world.rooms["W-HAVNEN"].id
    booking = await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(desk_id, weekday(1), Period.FULL))
    start, end = datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 11)
    await as_(world, "bob", lambda ctx: RoomBookings(ctx).book(room_id, "Budget", start, end, []))
    assert booking.id is not None
    assert await version(db) == before, "a booking is not a layout change"

    async with db.write_session() as session:
        employee = await session.get(Employee, world.people["eve"].employee_id)
        assert employee is not None
        employee.name = "Eve Renamed"
        employee.needs = ["accessible"]
        team = (await session.scalars(select(Team).limit(1))).one()
        team.overlap_days = 1
    assert await version(db) == before, "people and teams are not the layout"


async def test_a_rolled_back_change_leaves_the_version_alone(db: Database) -> None:
    await load_demo(db, staff=False)
    before = await version(db)
    with pytest.raises(Abandoned):
        async with db.write_session() as session:
            await session.execute(update(Desk).values(bookable=False))
            inside = await session.scalar(office_version_now())
            assert inside is not None and inside > before, "the bump is part of the transaction"
            raise Abandoned
    assert await version(db) == before
    async with db.read_session() as session:
        assert await session.scalar(select(Desk.bookable).limit(1)) is True


async def _triggers_and_row(url: str) -> tuple[set[str], set[str], list[tuple[int, int]] | None]:
    """Triggers and functions named after office_version, and the table's rows (None: no table)."""
    database = create_database(url)
    async with database.read_session() as session:
        if database.dialect == "postgresql":
            triggers = "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%office_version%'"
            functions = "SELECT proname FROM pg_proc WHERE proname LIKE '%office_version%'"
            exists = "SELECT to_regclass('office_version') IS NOT NULL"
        else:
            triggers = (
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%office_version%'"
            )
            functions = "SELECT name FROM sqlite_master WHERE 0"
            exists = "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'office_version'"
        found = set(await session.scalars(text(triggers))), set(await session.scalars(text(functions)))
        rows = None
        if await session.scalar(text(exists)):
            rows = [
                (row[0], row[1])
                for row in await session.execute(text("SELECT id, version FROM office_version"))
            ]
    await database.dispose()
    return (*found, rows)


def test_the_migration_adds_the_row_and_triggers_and_its_downgrade_removes_them(
    empty_url: str, backend: str
) -> None:
    upgrade(empty_url)
    triggers, functions, rows = asyncio.run(_triggers_and_row(empty_url))
    assert rows == [(1, 0)]
    if backend == "postgresql":
        assert triggers == {f"{table}_office_version" for table in LAYOUT_TABLES}
        assert functions == {"office_version_bump"}
    else:
        events = ("insert", "update", "delete")
        assert triggers == {f"{table}_office_version_{event}" for table in LAYOUT_TABLES for event in events}
    downgrade(empty_url, "0007")
    assert asyncio.run(_triggers_and_row(empty_url)) == (set(), set(), None)
    upgrade(empty_url)
    assert asyncio.run(_triggers_and_row(empty_url))[2] == [(1, 0)]
