"""A booking's UID is fixed when it is first announced and stored with it: changing ZONES_PUBLIC_URL
later gives no booking a second UID, so every update, CANCEL, download and feed matches the event
people already have."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from icalendar import Calendar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from booking_support import World, build_world, weekday
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings, release_no_shows
from zones.bookings.rooms import RoomBookings
from zones.calendar.events import CalendarConfig
from zones.calendar.outbox import render
from zones.db import Database
from zones.models import Booking, OutboxMessage, Period, RoomBooking
from zones.server.app import create_app
from zones.settings import Settings

BEFORE = CalendarConfig(public_url="https://zones.old.example.org")
AFTER = CalendarConfig(public_url="https://zones.new.example.org")


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


async def as_at(
    world: World, who: str, config: CalendarConfig, action: Callable[[BookingContext], Any]
) -> Any:
    """Run one booking action as `who`, with the calendar settings of that moment."""
    async with world.db.write_session() as session:
        return await action(BookingContext(session, world.people[who], clock=world.clock, calendar=config))


async def book_havnen_before(world: World, start: datetime, attendees: list[str]) -> RoomBooking:
    """Ann books the Havnen room for two hours from `start` (local), under the old public URL."""
    room_id, end = world.rooms["W-HAVNEN"].id, start + timedelta(hours=2)
    booking: RoomBooking = await as_at(
        world, "ann", BEFORE, lambda ctx: RoomBookings(ctx).book(room_id, "Budget", start, end, attendees)
    )
    return booking


async def outbox(world: World) -> list[OutboxMessage]:
    async with world.db.read_session() as session:
        return list(
            await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id))
        )


def ics_uid(ics: str) -> str:
    return str(Calendar.from_ical(ics).events[0]["UID"])


def event_uid(message: OutboxMessage) -> str:
    """The UID in the iCalendar object the sender e-mails for `message`."""
    return ics_uid(render(message).ics)


async def test_a_desk_booking_keeps_its_uid_when_the_public_url_changes(world: World) -> None:
    booking = await as_at(
        world, "ann", BEFORE, lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL)
    )
    uid = f"desk-booking-{booking.id}@zones.old.example.org"
    await as_at(world, "ann", AFTER, lambda ctx: DeskBookings(ctx).move(booking.id, world.desk("Q1-04")))
    await as_at(world, "ann", AFTER, lambda ctx: DeskBookings(ctx).cancel(booking.id))
    messages = await outbox(world)
    assert [m.method for m in messages] == ["REQUEST", "REQUEST", "CANCEL"]
    assert {m.uid for m in messages} == {event_uid(m) for m in messages} == {uid}
    assert str(Calendar.from_ical(render(messages[-1]).ics).events[0]["URL"]).startswith(AFTER.public_url), (
        "links follow the settings of the moment; only the UID is fixed"
    )
    async with world.db.read_session() as session:
        assert (await session.get_one(Booking, booking.id)).uid == uid


async def test_a_no_show_release_cancels_with_the_uid_the_booking_was_sent_with(world: World) -> None:
    booking = await as_at(
        world, "ann", BEFORE, lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(0), Period.FULL)
    )
    async with world.db.write_session() as session:
        released = await release_no_shows(session, world.clock() + timedelta(hours=5), AFTER)
    assert [b.id for b in released] == [booking.id]
    cancel = (await outbox(world))[-1]
    assert cancel.method == "CANCEL"
    assert cancel.uid == event_uid(cancel) == f"desk-booking-{booking.id}@zones.old.example.org"


async def test_a_room_booking_keeps_its_uid_for_updates_removals_and_its_cancel(world: World) -> None:
    booking = await book_havnen_before(world, datetime(2026, 12, 1, 9), ["b@example.org"])
    await as_at(
        world, "ann", AFTER, lambda ctx: RoomBookings(ctx).set_attendees(booking.id, ["c@example.org"])
    )
    await as_at(world, "ann", AFTER, lambda ctx: RoomBookings(ctx).cancel(booking.id))
    messages = await outbox(world)
    assert {m.method for m in messages} == {"REQUEST", "CANCEL"} and len(messages) == 7
    uid = f"room-booking-{booking.id}@zones.old.example.org"
    assert {m.uid for m in messages} == {event_uid(m) for m in messages} == {uid}
    async with world.db.read_session() as session:
        assert (await session.get_one(RoomBooking, booking.id)).uid == uid


@pytest.fixture
async def client(world: World) -> AsyncIterator[AsyncClient]:
    settings = Settings(
        database_url=world.db.engine.url.render_as_string(hide_password=False),
        release_interval_s=0,
        public_url=AFTER.public_url,
    )
    async with AsyncTestClient(create_app(settings, clock=world.clock)) as test_client:
        yield test_client


async def test_downloads_and_feeds_carry_the_stored_uid(world: World, client: AsyncClient) -> None:
    desk = await as_at(
        world, "ann", BEFORE, lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL)
    )
    room = await book_havnen_before(world, datetime(2026, 12, 2, 9), [])
    download = await client.get(f"/bookings/{desk.id}.ics", headers=world.headers("ann"))
    assert ics_uid(download.text) == f"desk-booking-{desk.id}@zones.old.example.org"
    feed_url = (await client.post("/calendar/feed", headers=world.headers("ann"))).json()["url"]
    feed = await client.get(feed_url.removeprefix(AFTER.public_url))
    assert {str(e["UID"]) for e in Calendar.from_ical(feed.text).events} == {
        f"desk-booking-{desk.id}@zones.old.example.org",
        f"room-booking-{room.id}@zones.old.example.org",
    }
