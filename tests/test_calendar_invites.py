"""Invites for every booking change: written atomically to the outbox, standards-correct, readable by
icalendar and by ical.js (Thunderbird's parser), with stable UIDs and rising SEQUENCEs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from booking_support import World, as_, build_world, weekday
from calendar_support import assert_wire_format, parse_both
from helpers import minimal_office, write_office
from zones.bookings.desks import DeskBookings, release_no_shows
from zones.bookings.rooms import RoomBookings
from zones.calendar.events import CalendarConfig
from zones.db import Database
from zones.errors import ZonesError
from zones.models import OutboxMessage, Period, Site
from zones.office.load import load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


async def outbox(world: World) -> list[OutboxMessage]:
    async with world.db.read_session() as session:
        return list(
            await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id))
        )


def only_event(text: str) -> Calendar:
    cal = Calendar.from_ical(text)
    assert len(cal.events) == 1
    return cal


async def test_a_booking_queues_one_request_with_everything_a_client_needs(world: World) -> None:
    booking = await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL)
    )
    [message] = await outbox(world)
    ann = world.people["ann"]
    assert (message.method, message.sequence, message.recipient) == ("REQUEST", 0, ann.email)
    assert message.subject.startswith("Booked: Desk Q1-03 · Quiet zone")
    cal, seen = parse_both(message.ics)
    assert_wire_format(message.ics)
    assert cal["METHOD"] == "REQUEST"
    vevent = cal.events[0]
    assert str(vevent["UID"]) == message.uid == f"desk-booking-{booking.id}@127.0.0.1"
    assert str(vevent["SUMMARY"]) == "Desk Q1-03 · Quiet zone"
    assert str(vevent["LOCATION"]).endswith("/ 1st floor / Quiet zone · north / Desk Q1-03")
    assert str(vevent["TRANSP"]) == "TRANSPARENT"
    assert str(vevent["URL"]).endswith(f"/bookings/{booking.id}")
    assert vevent["DTSTAMP"].dt.tzinfo is not None and vevent["DTSTAMP"].to_ical().endswith(b"Z")
    assert str(vevent["ORGANIZER"]) == "mailto:bookings@zones.localhost"
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == f"mailto:{ann.email}"
    assert (attendee.params["PARTSTAT"], attendee.params["RSVP"]) == ("ACCEPTED", "FALSE")
    # Local time with its VTIMEZONE: 08:00 in Copenhagen is 07:00 UTC in December.
    assert vevent["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    [event] = seen["events"]
    assert (event["start_local"], event["start_utc"]) == ("2026-12-01T08:00:00", "2026-12-01T07:00:00.000Z")
    assert event["attendees"][0]["partstat"] == "ACCEPTED"


async def test_refused_or_rolled_back_bookings_queue_nothing(world: World) -> None:
    with pytest.raises(ZonesError):
        await as_(
            world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(5), Period.FULL)
        )
    with pytest.raises(RuntimeError):
        async with world.db.write_session() as session:
            await DeskBookings(world.context(session, "ann")).book(
                world.desk("Q1-03"), weekday(1), Period.FULL
            )
            raise RuntimeError("crash before commit")
    assert await outbox(world) == []


async def test_updates_keep_the_uid_and_raise_the_sequence_and_cancel_matches(world: World) -> None:
    booking = await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL)
    )
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).move(booking.id, world.desk("Q1-04"), weekday(2)))
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).cancel(booking.id))
    messages = await outbox(world)
    assert [(m.method, m.sequence) for m in messages] == [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]
    assert len({m.uid for m in messages}) == 1
    cancel = only_event(messages[-1].ics)
    assert cancel["METHOD"] == "CANCEL"
    assert str(cancel.events[0]["STATUS"]) == "CANCELLED"
    assert int(cancel.events[0]["SEQUENCE"]) == 2
    moved = only_event(messages[1].ics).events[0]
    assert str(moved["SUMMARY"]) == "Desk Q1-04 · Quiet zone"
    for message in messages:
        parse_both(message.ics)


async def test_a_released_no_show_gets_a_cancel(world: World) -> None:
    booking = await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL)
    )
    world.clock.set_local(weekday(1), 9, 30)
    async with world.db.write_session() as session:
        await release_no_shows(session, world.clock(), world.calendar)
    messages = await outbox(world)
    assert [(m.method, m.sequence, m.booking_id) for m in messages] == [
        ("REQUEST", 0, booking.id),
        ("CANCEL", 1, booking.id),
    ]
    assert messages[1].subject.startswith("Released (no check-in)")


async def test_a_series_sends_one_invite_per_booked_occurrence(world: World) -> None:
    await as_(world, "bob", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(3), Period.FULL))
    outcome = await as_(
        world,
        "ann",
        lambda ctx: DeskBookings(ctx).book_series(
            world.desk("Q1-03"), [2, 4], weekday(1), weekday(10), Period.MORNING
        ),
    )
    mine = [m for m in await outbox(world) if m.recipient == world.people["ann"].email]
    assert len(mine) == len(outcome.booked) == 3  # Tue 1, Tue 8, Thu 10; Thu 3 was taken
    assert len({m.uid for m in mine}) == 3


async def test_room_invites_go_to_everyone_and_removed_people_get_a_cancel(world: World) -> None:
    start = datetime(2026, 12, 2, 10, 0)
    bob, eve = world.people["bob"].email, world.people["eve"].email
    booking = await as_(
        world,
        "ann",
        lambda ctx: RoomBookings(ctx).book(
            world.rooms["W-HAVNEN"].id,
            "Budget workshop; part 1",
            start,
            start + timedelta(hours=2),
            [bob, eve],
        ),
    )
    await as_(world, "ann", lambda ctx: RoomBookings(ctx).set_attendees(booking.id, [bob]))
    messages = await outbox(world)
    first = [m for m in messages if m.sequence == 0]
    assert {m.recipient for m in first} == {world.people["ann"].email, bob, eve}
    assert {m.method for m in first} == {"REQUEST"}
    invite = only_event(first[0].ics).events[0]
    assert str(invite["TRANSP"]) == "OPAQUE"
    roles = {str(a): a.params["ROLE"] for a in invite["ATTENDEE"]}
    assert roles[f"mailto:{world.people['ann'].email}"] == "CHAIR"
    second = [m for m in messages if m.sequence == 1]
    assert {(m.recipient, m.method) for m in second} == {
        (world.people["ann"].email, "REQUEST"),
        (bob, "REQUEST"),
        (eve, "CANCEL"),
    }
    removal = next(m for m in second if m.method == "CANCEL")
    cancel_event = only_event(removal.ics).events[0]
    assert [str(a) for a in [cancel_event["ATTENDEE"]]] == [f"mailto:{eve}"]
    assert str(cancel_event["SUMMARY"]) == "Budget workshop; part 1 · Havnen"
    for message in messages:
        parse_both(message.ics)


@pytest.mark.parametrize(
    ("timezone", "day", "utc_start"),
    [
        ("Europe/Copenhagen", date(2026, 3, 29), "2026-03-29T06:00:00.000Z"),  # clocks go forward
        ("Europe/Copenhagen", date(2026, 10, 25), "2026-10-25T07:00:00.000Z"),  # clocks go back
        ("America/New_York", date(2026, 3, 8), "2026-03-08T12:00:00.000Z"),
        ("America/New_York", date(2026, 11, 1), "2026-11-01T13:00:00.000Z"),
    ],
)
async def test_bookings_on_clock_change_days_land_at_local_eight(
    db: Database,
    tmp_path,
    timezone: str,
    day: date,
    utc_start: str,  # type: ignore[no-untyped-def]
) -> None:
    document = minimal_office()
    document["site"] |= {
        "timezone": timezone,
        "country": "US" if "New_York" in timezone else "DK",
        "working_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    }
    document["teams"][0].pop("team_day")
    async with db.write_session() as session:
        await load_office(
            session,
            load_office_file(write_office(tmp_path / "o.toml", document)),
            load_policy_file(default_policy_file()),
        )
    from helpers import import_csv

    csv = tmp_path / "staff.csv"
    csv.write_text("email,name\nkim@example.org,Kim\n", encoding="utf-8")
    await import_csv(db, csv)
    from booking_support import Clock
    from zones.auth import Principal
    from zones.bookings.context import BookingContext
    from zones.models import Desk, Employee

    clock = Clock(datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=3))
    async with db.write_session() as session:
        kim = Principal.of((await session.scalars(select(Employee))).one())
        desk = (await session.scalars(select(Desk).where(Desk.code == "C-1"))).one()
        await DeskBookings(BookingContext(session, kim, clock, CalendarConfig())).book(
            desk.id, day, Period.FULL
        )
    async with db.read_session() as session:
        message = (await session.scalars(select(OutboxMessage))).one()
        assert (await session.scalars(select(Site.timezone))).one() == timezone
    cal, seen = parse_both(message.ics)
    vevent = cal.events[0]
    assert vevent["DTSTART"].dt.hour == 8 and str(vevent["DTSTART"].dt.tzinfo) == timezone
    assert vevent["DTSTART"].dt.astimezone(UTC).isoformat().replace("+00:00", ".000Z") == utc_start
    # ical.js converts with the file's own VTIMEZONE rules, as Thunderbird and Outlook do.
    assert seen["events"][0]["start_utc"] == utc_start
    assert seen["events"][0]["start_local"] == f"{day.isoformat()}T08:00:00"
