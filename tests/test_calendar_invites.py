"""Invites for every booking change: written atomically to the outbox, standards-correct, readable by
icalendar and by ical.js (Thunderbird's parser), with stable UIDs and rising SEQUENCEs."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from icalendar import Calendar
from sqlalchemy import insert, select

from booking_support import World, as_, build_world, weekday
from calendar_support import assert_wire_format, parse_both
from helpers import minimal_office, write_office
from zones.bookings.desks import DeskBookings, release_no_shows
from zones.bookings.rooms import RoomBookings
from zones.calendar.events import (
    CalendarConfig,
    EventFacts,
    Person,
    Place,
    calendar,
    desk_booking_facts,
    event,
    to_text,
)
from zones.calendar.outbox import desk_invite_row, desk_place, outbox_row, render, render_facts
from zones.db import Database
from zones.errors import ZonesError
from zones.models import Activity, Booking, BookingStatus, Employee, OutboxMessage, Period, Site
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


def ics(message: OutboxMessage) -> str:
    """The iCalendar object the sender e-mails for `message`."""
    return render(message).ics


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
    cal, seen = parse_both(ics(message))
    assert_wire_format(ics(message))
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
    cancel = only_event(ics(messages[-1]))
    assert cancel["METHOD"] == "CANCEL"
    assert str(cancel.events[0]["STATUS"]) == "CANCELLED"
    assert int(cancel.events[0]["SEQUENCE"]) == 2
    moved = only_event(ics(messages[1])).events[0]
    assert str(moved["SUMMARY"]) == "Desk Q1-04 · Quiet zone"
    for message in messages:
        parse_both(ics(message))


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
    invite = only_event(ics(first[0])).events[0]
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
    cancel_event = only_event(ics(removal)).events[0]
    assert [str(a) for a in [cancel_event["ATTENDEE"]]] == [f"mailto:{eve}"]
    assert str(cancel_event["SUMMARY"]) == "Budget workshop; part 1 · Havnen"
    for message in messages:
        parse_both(ics(message))


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
    cal, seen = parse_both(ics(message))
    vevent = cal.events[0]
    assert vevent["DTSTART"].dt.hour == 8 and str(vevent["DTSTART"].dt.tzinfo) == timezone
    assert vevent["DTSTART"].dt.astimezone(UTC).isoformat().replace("+00:00", ".000Z") == utc_start
    # ical.js converts with the file's own VTIMEZONE rules, as Thunderbird and Outlook do.
    assert seen["events"][0]["start_utc"] == utc_start
    assert seen["events"][0]["start_local"] == f"{day.isoformat()}T08:00:00"


@dataclass(frozen=True)
class LightBooking:
    """A desk booking as the booking hot path holds it: no ORM object."""

    id: UUID
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus


SENDER = CalendarConfig(
    public_url="https://zones.kommune.example.dk",
    organizer="desks@kommune.example.dk",
    organizer_name="Kommunens skriveborde",
)
DESK_Q1_03 = Place(
    "Rådhuset", "1st floor", "Quiet zone · north", Activity.QUIET, "Desk Q1-03", "Europe/Copenhagen"
)
ANN = Person("ann@example.org", "Ann Holm")
QUEUED_AT = datetime(2026, 11, 30, 9, 15, 42, tzinfo=UTC)
BOOKING_ID = UUID("01936f4e-0000-7000-8000-000000000001")


def light_booking(status: BookingStatus = BookingStatus.BOOKED) -> LightBooking:
    return LightBooking(
        id=BOOKING_ID,
        uid=f"desk-booking-{BOOKING_ID}@zones.old.example.org",
        sequence=3,
        starts_at=datetime(2026, 12, 1, 7, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 16, tzinfo=UTC),
        status=status,
    )


def as_stored(row: dict[str, object]) -> OutboxMessage:
    """The message `row` becomes once its facts have been through a JSON column and back."""
    return OutboxMessage(**row | {"facts": json.loads(json.dumps(row["facts"]))})


@pytest.mark.parametrize(
    ("status", "verb", "method", "check_in"),
    [
        (
            BookingStatus.BOOKED,
            "Booked",
            "REQUEST",
            ["Check in at the desk when you arrive, or it is released for others."],
        ),
        (BookingStatus.CANCELLED, "Cancelled", "CANCEL", []),
    ],
)
def test_a_desk_invite_row_holds_facts_only_and_renders_the_invite_the_booking_describes(
    status: BookingStatus, verb: str, method: str, check_in: list[str]
) -> None:
    booking = light_booking(status)
    row = desk_invite_row(booking, DESK_Q1_03, ANN, SENDER, QUEUED_AT, verb)
    assert (row["ics"], row["body"]) == (None, None), "no iCalendar text is built in the booking request"
    assert (row["method"], row["uid"], row["sequence"], row["booking_id"]) == (
        method,
        booking.uid,
        3,
        BOOKING_ID,
    )
    assert (row["recipient"], row["recipient_name"]) == (ANN.email, "Ann Holm")
    assert row["subject"] == f"{verb}: Desk Q1-03 · Quiet zone, Tue 01 Dec 2026"
    assert not {"id", "created_at", "updated_at"} & row.keys(), "the columns' defaults fill those"

    rendered = render(as_stored(row))

    facts = desk_booking_facts(booking, DESK_Q1_03, ANN, SENDER, QUEUED_AT)
    cal = calendar(method, [event(facts, SENDER, cancelled=method == "CANCEL")], {"Europe/Copenhagen"})
    assert rendered.ics == to_text(cal)
    assert rendered.body == "\n".join(
        [
            f"{verb}: Desk Q1-03 · Quiet zone",
            "When: Tue 01 Dec 2026, 08:00–17:00 (Europe/Copenhagen)",
            "Where: Rådhuset / 1st floor / Quiet zone · north / Desk Q1-03",
            *check_in,
            f"Details: https://zones.kommune.example.dk/bookings/{BOOKING_ID}",
        ]
    )
    vevent = Calendar.from_ical(rendered.ics).events[0]
    assert vevent["DTSTAMP"].dt == QUEUED_AT, "stamped when the change was made, not when it is sent"
    assert str(vevent["ORGANIZER"]) == "mailto:desks@kommune.example.dk"


def test_a_cancel_to_a_removed_attendee_renders_with_that_attendee_alone() -> None:
    chair = Person("ann@example.org", "Ann Holm", "CHAIR", "ACCEPTED")
    bob = Person("bob@example.org", "Bob", "REQ-PARTICIPANT", "NEEDS-ACTION")
    eve = Person("eve@example.org", "Eve\nLine")
    facts = EventFacts(
        uid="room-booking-1@zones.kommune.example.dk",
        sequence=1,
        summary="Budget workshop; part 1 · Havnen",
        location="Rådhuset / 2nd floor / Workshops / Havnen",
        start=datetime(2026, 12, 2, 9, tzinfo=UTC),
        end=datetime(2026, 12, 2, 11, tzinfo=UTC),
        timezone="Europe/Copenhagen",
        url="https://zones.kommune.example.dk/room-bookings/1",
        attendees=[chair, bob],
        transparent=False,
        cancelled=False,
        stamp=QUEUED_AT,
        categories=["Workshop"],
    )
    room_booking_id = UUID("01936f4e-0000-7000-8000-000000000002")
    row = outbox_row(
        facts,
        SENDER,
        "CANCEL",
        eve,
        "Removed",
        QUEUED_AT,
        room_booking_id=room_booking_id,
        only_attendee=True,
    )
    assert (row["recipient_name"], row["room_booking_id"], row["booking_id"]) == (
        "Eve Line",
        room_booking_id,
        None,
    )

    rendered = render(as_stored(row))

    shown = replace(facts, attendees=[eve])
    assert rendered.ics == to_text(
        calendar("CANCEL", [event(shown, SENDER, cancelled=True)], {"Europe/Copenhagen"})
    )
    assert rendered.body == "\n".join(
        [
            "Removed: Budget workshop; part 1 · Havnen",
            "When: Wed 02 Dec 2026, 10:00–12:00 (Europe/Copenhagen)",
            "Where: Rådhuset / 2nd floor / Workshops / Havnen",
            "Details: https://zones.kommune.example.dk/room-bookings/1",
        ]
    )


def test_facts_of_an_unknown_version_are_refused_rather_than_guessed() -> None:
    row = desk_invite_row(light_booking(), DESK_Q1_03, ANN, SENDER, QUEUED_AT, "Booked")
    with pytest.raises(ValueError, match="version 2"):
        render_facts("REQUEST", row["facts"] | {"version": 2})


async def test_a_desk_invite_row_inserted_with_sqlalchemy_core_is_the_invite_the_booking_queued(
    world: World,
) -> None:
    booked = await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL)
    )
    [queued] = await outbox(world)
    async with world.db.write_session() as session:
        stored = await session.get_one(Booking, booked.id)
        light = LightBooking(
            stored.id, stored.uid, stored.sequence, stored.starts_at, stored.ends_at, stored.status
        )
        place = await desk_place(session, stored.desk_id)
        ann = await session.get_one(Employee, stored.employee_id)
        row = desk_invite_row(
            light, place, Person(ann.email, ann.name), world.calendar, world.clock(), "Booked"
        )
        await session.execute(insert(OutboxMessage.__table__).values(row))
    again = next(m for m in await outbox(world) if m.id != queued.id)
    assert again.created_at is not None and again.facts == queued.facts
    assert render(again) == render(queued)
