"""Times in the site's zone across clock changes, and workshop rooms guarded by the database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from booking_support import World, as_, build_world, weekday
from helpers import refused_by_the_database
from zones.bookings.rooms import RoomBookings
from zones.bookings.times import period_bounds, to_utc
from zones.db import Database
from zones.errors import NotFound, ZonesError
from zones.models import Period, RoomBooking, Site


def _site(timezone: str) -> Site:
    from datetime import time

    return Site(
        key="x",
        name="X",
        timezone=timezone,
        country="DK",
        working_days=[1, 2, 3, 4, 5, 6, 7],
        opens_at=time(8, 0),
        closes_at=time(17, 0),
    )


@pytest.mark.parametrize(
    ("timezone", "day", "utc_hour"),
    [
        ("Europe/Copenhagen", date(2026, 3, 27), 7),  # Friday before the spring change: UTC+1
        ("Europe/Copenhagen", date(2026, 3, 29), 6),  # the change day itself: UTC+2
        ("Europe/Copenhagen", date(2026, 10, 23), 6),  # Friday before the autumn change: UTC+2
        ("Europe/Copenhagen", date(2026, 10, 25), 7),  # the change day itself: UTC+1
        ("America/New_York", date(2026, 3, 6), 13),  # before 8 March: UTC-5
        ("America/New_York", date(2026, 3, 9), 12),  # after: UTC-4
        ("America/New_York", date(2026, 11, 2), 13),  # after 1 November: UTC-5
    ],
)
def test_office_hours_stay_at_local_eight_across_clock_changes(
    timezone: str, day: date, utc_hour: int
) -> None:
    starts, ends = period_bounds(_site(timezone), day, Period.FULL)
    assert starts.tzinfo is UTC
    assert (starts.hour, (ends - starts)) == (utc_hour, timedelta(hours=9))


def test_half_days_split_at_local_noon() -> None:
    site = _site("Europe/Copenhagen")
    morning = period_bounds(site, date(2026, 10, 25), Period.MORNING)
    afternoon = period_bounds(site, date(2026, 10, 25), Period.AFTERNOON)
    assert morning[1] == afternoon[0] == datetime(2026, 10, 25, 11, 0, tzinfo=UTC)


def test_local_times_that_do_not_exist_or_repeat_are_refused_not_guessed() -> None:
    site = _site("Europe/Copenhagen")
    with pytest.raises(ZonesError, match="does not exist in Europe/Copenhagen"):
        to_utc(datetime(2026, 3, 29, 2, 30), site, "starts_at")
    with pytest.raises(ZonesError, match="happens twice"):
        to_utc(datetime(2026, 10, 25, 2, 30), site, "starts_at")
    assert to_utc(datetime(2026, 10, 25, 2, 30, tzinfo=UTC), site, "starts_at").hour == 2
    assert to_utc(datetime(2026, 7, 1, 9, 0), site, "starts_at") == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


async def book_room(world: World, who: str, code: str, start: datetime, end: datetime, attendees: list[str]):  # type: ignore[no-untyped-def]
    return await as_(
        world,
        who,
        lambda ctx: RoomBookings(ctx).book(world.rooms[code].id, "Workshop", start, end, attendees),
    )


async def test_room_booking_reads_local_times_and_seats_the_organiser(world: World) -> None:
    booking = await book_room(
        world,
        "ann",
        "W-AMAGER",
        _local(weekday(1), 10),
        _local(weekday(1), 12),
        ["guest@partner.example.org", world.people["bob"].email],
    )
    assert booking.starts_at == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    emails = {a.email for a in booking.attendees}
    assert world.people["ann"].email in emails and "guest@partner.example.org" in emails
    assert len(booking.attendees) == 3


async def test_room_capacity_counts_everyone(world: World) -> None:
    people = [f"p{i}@example.org" for i in range(6)]  # six guests and the organiser: 7 > 6 seats
    with pytest.raises(ZonesError) as caught:
        await book_room(world, "ann", "W-AMAGER", _local(weekday(1), 10), _local(weekday(1), 11), people)
    assert (caught.value.code, caught.value.extra["capacity"], caught.value.extra["attendees"]) == (
        "room-too-small",
        6,
        7,
    )


async def test_overlapping_room_bookings_are_refused_but_back_to_back_is_fine(world: World) -> None:
    await book_room(world, "ann", "W-HAVNEN", _local(weekday(1), 9), _local(weekday(1), 12), [])
    with pytest.raises(ZonesError) as caught:
        await book_room(world, "bob", "W-HAVNEN", _local(weekday(1), 11), _local(weekday(1), 13), [])
    assert caught.value.code == "room-taken"
    assert {alt["code"] for alt in caught.value.extra["alternatives"]} == {"W-VESTERBRO", "W-AMAGER"}
    after = await book_room(world, "bob", "W-HAVNEN", _local(weekday(1), 12), _local(weekday(1), 14), [])
    assert after.starts_at == datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


async def test_the_database_itself_refuses_overlapping_room_bookings(world: World) -> None:
    room, site = world.rooms["W-VESTERBRO"], world.site
    start = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    async with world.db.write_session() as session:
        session.add(
            RoomBooking(
                site_id=site.id,
                room_id=room.id,
                organiser_id=world.people["ann"].employee_id,
                title="A",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
            )
        )
    with refused_by_the_database():
        async with world.db.write_session() as session:
            session.add(
                RoomBooking(
                    site_id=site.id,
                    room_id=room.id,
                    organiser_id=world.people["bob"].employee_id,
                    title="B",
                    starts_at=start + timedelta(hours=1),
                    ends_at=start + timedelta(hours=3),
                )
            )
    async with world.db.write_session() as session:  # back to back passes the constraint
        session.add(
            RoomBooking(
                site_id=site.id,
                room_id=room.id,
                organiser_id=world.people["bob"].employee_id,
                title="C",
                starts_at=start + timedelta(hours=2),
                ends_at=start + timedelta(hours=3),
            )
        )


async def test_changing_attendees_reports_who_was_removed_and_raises_the_sequence(world: World) -> None:
    booking = await book_room(
        world,
        "ann",
        "W-HAVNEN",
        _local(weekday(2), 9),
        _local(weekday(2), 10),
        ["a@example.org", "b@example.org"],
    )
    change = await as_(
        world,
        "ann",
        lambda ctx: RoomBookings(ctx).set_attendees(booking.id, ["b@example.org", "c@example.org"]),
    )
    assert [a.email for a in change.removed] == ["a@example.org"]
    assert [a.email for a in change.added] == ["c@example.org"]
    with pytest.raises(ZonesError) as caught:
        await as_(world, "bob", lambda ctx: RoomBookings(ctx).set_attendees(booking.id, []))
    assert isinstance(caught.value, NotFound), "bob is neither organiser nor attendee"
    cancelled = await as_(world, "ann", lambda ctx: RoomBookings(ctx).cancel(booking.id))
    assert cancelled.sequence == 2


async def test_room_bookings_follow_the_site_calendar(world: World) -> None:
    with pytest.raises(ZonesError) as caught:
        await book_room(world, "ann", "W-HAVNEN", _local(weekday(5), 9), _local(weekday(5), 10), [])
    assert caught.value.code == "not-a-working-day"
    with pytest.raises(ZonesError) as caught:
        await book_room(world, "ann", "W-HAVNEN", _local(weekday(1), 12), _local(weekday(1), 10), [])
    assert caught.value.code == "invalid-time"
