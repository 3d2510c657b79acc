"""Migrations build the whole schema from empty, match the models exactly, and undo cleanly."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from zones.db import create_database
from zones.db.migrate import current_revision, downgrade, head_revision, upgrade
from zones.models import metadata


def _inspect(url: str):  # type: ignore[no-untyped-def]
    async def run():  # type: ignore[no-untyped-def]
        database = create_database(url)
        async with database.engine.connect() as connection:
            result = await connection.run_sync(
                lambda sync: (
                    set(inspect(sync).get_table_names()),
                    compare_metadata(MigrationContext.configure(sync), metadata),
                )
            )
        revision = await current_revision(database.engine)
        await database.dispose()
        return (*result, revision)

    return asyncio.run(run())


SAQ_TABLES = ("saq_jobs", "saq_stats", "saq_versions")


def _real(differences: list, backend: str) -> list:  # type: ignore[type-arg]
    """Drop what reflection cannot round-trip: expression indexes, and SQLite's loose column types."""
    real = []
    for difference in differences:
        entries = difference if isinstance(difference, list) else [difference]
        for entry in entries:
            if entry[0] in ("add_index", "remove_index") and entry[1].name.startswith("uq_"):
                continue
            if backend == "sqlite" and entry[0] == "modify_type":
                continue
            table = entry[1] if entry[0] == "remove_table" else getattr(entry[1], "table", None)
            if entry[0] in ("remove_table", "remove_index") and table.name.startswith(SAQ_TABLES):
                continue  # SAQ's queue tables (PostgreSQL): created by migration 0011, not Zones' models
            real.append(entry)
    return real


def test_upgrade_from_empty_builds_the_model_schema(empty_url: str, backend: str) -> None:
    tables, _, revision = _inspect(empty_url)
    assert revision is None
    upgrade(empty_url)
    tables, differences, revision = _inspect(empty_url)
    assert revision == head_revision()
    assert {table.name for table in metadata.sorted_tables} <= tables
    assert _real(differences, backend) == [], _real(differences, backend)


def test_downgrade_to_base_removes_everything_and_upgrade_again_works(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url, "base")
    tables, _, revision = _inspect(empty_url)
    assert revision is None
    assert tables <= {"alembic_version"}
    upgrade(empty_url)
    assert _inspect(empty_url)[2] == head_revision()


def test_upgrade_is_idempotent(empty_url: str) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    assert _inspect(empty_url)[2] == head_revision()


async def _demo_then(url: str) -> None:
    from helpers import load_demo

    database = create_database(url)
    await load_demo(database)
    await database.dispose()


async def _staff(url: str) -> list[tuple[str, object, int, int]]:
    from sqlalchemy import text

    database = create_database(url)
    async with database.read_session() as session:
        rows = (
            await session.execute(
                text("SELECT email, preferred_days, focus_days, team_days FROM employee ORDER BY email")
            )
        ).all()
    await database.dispose()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_upgrading_a_database_with_data_from_the_previous_release_keeps_it(empty_url: str) -> None:
    upgrade(empty_url)
    asyncio.run(_demo_then(empty_url))
    downgrade(empty_url, "0003")  # back to the previous release, data and all
    upgrade(empty_url)
    staff = asyncio.run(_staff(empty_url))
    assert len(staff) == 140
    assert all(focus == 0 and team == 0 for _, _, focus, team in staff), "new columns get their defaults"


async def _policy_weights(url: str) -> list[dict[str, int]]:
    from sqlalchemy import select

    from zones.models import Policy

    database = create_database(url)
    async with database.read_session() as session:
        weights = list(await session.scalars(select(Policy.planning_weights)))
    await database.dispose()
    return weights


def test_upgrading_a_policy_from_before_planning_weights_gives_the_planners_defaults(empty_url: str) -> None:
    upgrade(empty_url)
    asyncio.run(_demo_then(empty_url))
    downgrade(empty_url, "0004")
    upgrade(empty_url)
    assert asyncio.run(_policy_weights(empty_url)) == [{}], "an empty object: the planner's defaults"
    assert len(asyncio.run(_staff(empty_url))) == 140


async def _book_desk_and_room(url: str) -> tuple[object, object]:
    """The demo with one desk booking and one room booking, as a database of the previous release had."""
    from datetime import datetime

    from booking_support import as_, build_world, weekday
    from zones.bookings.desks import DeskBookings
    from zones.bookings.rooms import RoomBookings
    from zones.models import Period

    database = create_database(url)
    world = await build_world(database)
    desk_id, room_id = world.desk("Q1-03"), world.rooms["W-HAVNEN"].id
    start, end = datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 11)
    desk = await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(desk_id, weekday(1), Period.FULL))
    room = await as_(world, "ann", lambda ctx: RoomBookings(ctx).book(room_id, "Budget", start, end, []))
    await database.dispose()
    return desk.id, room.id


async def _uids_and_an_overlapping_room_booking(url: str) -> dict[object, str]:
    """Every booking's UID; and the room of the room booking must still refuse an overlapping one."""
    from sqlalchemy import select

    from helpers import refused_by_the_database
    from zones.models import Booking, RoomBooking

    database = create_database(url)
    async with database.read_session() as session:
        uids: dict[object, str] = {
            booking_id: uid for booking_id, uid in await session.execute(select(Booking.id, Booking.uid))
        }
        room_booking = (await session.scalars(select(RoomBooking))).one()
        uids[room_booking.id] = room_booking.uid
    with refused_by_the_database():
        async with database.write_session() as session:
            session.add(
                RoomBooking(
                    site_id=room_booking.site_id,
                    room_id=room_booking.room_id,
                    organiser_id=room_booking.organiser_id,
                    title="Overlapping",
                    starts_at=room_booking.starts_at,
                    ends_at=room_booking.ends_at,
                )
            )
    await database.dispose()
    return uids


@pytest.mark.parametrize(
    ("public_url", "domain"), [("https://Zones.Example.dk/", "zones.example.dk"), (None, "127.0.0.1")]
)
def test_upgrading_bookings_from_before_stored_uids_keeps_the_uids_their_invites_were_sent_with(
    empty_url: str, backend: str, monkeypatch: pytest.MonkeyPatch, public_url: str | None, domain: str
) -> None:
    upgrade(empty_url)
    desk_id, room_id = asyncio.run(_book_desk_and_room(empty_url))
    downgrade(empty_url, "0005")
    monkeypatch.delenv("ZONES_HOST", raising=False)
    if public_url is None:
        monkeypatch.delenv("ZONES_PUBLIC_URL", raising=False)
    else:
        monkeypatch.setenv("ZONES_PUBLIC_URL", public_url)
    upgrade(empty_url)
    uids = asyncio.run(_uids_and_an_overlapping_room_booking(empty_url))
    assert uids == {desk_id: f"desk-booking-{desk_id}@{domain}", room_id: f"room-booking-{room_id}@{domain}"}
    _, differences, revision = _inspect(empty_url)
    assert revision == head_revision()
    assert _real(differences, backend) == [], "NOT NULL and unique, as the models say"
    downgrade(empty_url, "0005")
    upgrade(empty_url)
    assert asyncio.run(_uids_and_an_overlapping_room_booking(empty_url)) == uids, "down and up again"


async def _invites(url: str) -> dict[object, tuple[str, str]]:
    """Every outbox message's iCalendar object and text, as the sender would e-mail them."""
    from sqlalchemy import select

    from zones.calendar.outbox import render
    from zones.models import OutboxMessage

    database = create_database(url)
    async with database.read_session() as session:
        messages = list(await session.scalars(select(OutboxMessage)))
    await database.dispose()
    return {message.id: (render(message).ics, render(message).body) for message in messages}


async def _stored_text(url: str) -> dict[object, tuple[str, str]]:
    """The `ics` and `body` columns as a release before 0007 reads them."""
    from advanced_alchemy.types import GUID
    from sqlalchemy import column, select, table

    outbox = table("outbox_message", column("id", GUID()), column("ics"), column("body"))
    database = create_database(url)
    async with database.read_session() as session:
        rows = (await session.execute(select(outbox.c.id, outbox.c.ics, outbox.c.body))).all()
    await database.dispose()
    return {row_id: (ics, body) for row_id, ics, body in rows}


def test_downgrading_below_outbox_facts_renders_the_text_of_every_waiting_invite(empty_url: str) -> None:
    upgrade(empty_url)
    asyncio.run(_book_desk_and_room(empty_url))
    invites = asyncio.run(_invites(empty_url))
    assert len(invites) == 2
    downgrade(empty_url, "0006")
    assert asyncio.run(_stored_text(empty_url)) == invites, "the previous release sends the same invites"
    upgrade(empty_url)
    assert asyncio.run(_invites(empty_url)) == invites, "and so does this one, from the stored text"
