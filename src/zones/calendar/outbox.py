"""The outbox of calendar invites: written in the booking's own transaction, so none is lost or invented.

A booking change writes only what the invite says (`outbox_row`, `desk_invite_row`): building the
iCalendar object is left to the sender, which calls `render` when it sends. `zones.calendar.sender`
delivers what is written here; `zones outbox show` lists it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.calendar.events import (
    CalendarConfig,
    DeskBookingLike,
    EventFacts,
    Person,
    Place,
    calendar,
    desk_booking_facts,
    event,
    room_booking_facts,
    to_text,
)
from zones.calendar.mail import header_text
from zones.models import (
    Booking,
    Desk,
    Employee,
    Floor,
    OutboxMessage,
    OutboxStatus,
    Room,
    RoomAttendee,
    RoomBooking,
    Site,
    Zone,
)
from zones.models.outbox import RECIPIENT_NAME_LENGTH, SUBJECT_LENGTH
from zones.settings import Settings

REQUEST, CANCEL = "REQUEST", "CANCEL"


def calendar_config(settings: Settings) -> CalendarConfig:
    """Who the settings say sends invites, and where their links point."""
    return CalendarConfig(
        public_url=settings.public_url,
        organizer=settings.mail.organizer,
        organizer_name=settings.mail.organizer_name,
    )


async def list_messages(
    session: AsyncSession, status: OutboxStatus | None = None, limit: int = 30
) -> list[OutboxMessage]:
    """The newest `limit` messages in the outbox, of one `status` or of every status."""
    statement = select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(limit)
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return list(await session.scalars(statement))


async def _place(session: AsyncSession, model: type[Desk] | type[Room], place_id: UUID) -> tuple[Any, ...]:
    """Site, floor and zone names (and the time zone) of a desk or room."""
    spot = Desk.code if model is Desk else Room.name
    return tuple(
        (
            await session.execute(
                select(Site.name, Site.timezone, Floor.name, Zone.name, Zone.activity, spot)
                .select_from(model)
                .join(Zone, Zone.id == model.zone_id)
                .join(Floor, Floor.id == Zone.floor_id)
                .join(Site, Site.id == model.site_id)
                .where(model.id == place_id)
            )
        ).one()
    )


async def desk_place(session: AsyncSession, desk_id: UUID) -> Place:
    """Site, floor, zone and desk names for a desk."""
    site, timezone, floor, zone, activity, code = await _place(session, Desk, desk_id)
    return Place(site, floor, zone, activity, f"Desk {code}", timezone)


async def room_place(session: AsyncSession, room_id: UUID) -> Place:
    """Site, floor, zone and room names for a room."""
    site, timezone, floor, zone, activity, name = await _place(session, Room, room_id)
    return Place(site, floor, zone, activity, name, timezone)


async def desk_booking_facts_for(
    session: AsyncSession, booking: Booking, config: CalendarConfig, stamp: datetime
) -> EventFacts:
    """The event facts of a desk booking, loading what it needs."""
    place = await desk_place(session, booking.desk_id)
    employee = await session.get_one(Employee, booking.employee_id)
    return desk_booking_facts(booking, place, Person(employee.email, employee.name), config, stamp)


async def room_booking_facts_for(
    session: AsyncSession,
    booking: RoomBooking,
    attendees: list[RoomAttendee],
    config: CalendarConfig,
    stamp: datetime,
) -> EventFacts:
    """The event facts of a room booking; the organiser chairs, the others are invited."""
    place = await room_place(session, booking.room_id)
    people = [
        Person(
            a.email,
            a.name,
            "CHAIR" if a.employee_id == booking.organiser_id else "REQ-PARTICIPANT",
            "ACCEPTED" if a.employee_id == booking.organiser_id else "NEEDS-ACTION",
        )
        for a in attendees
    ]
    return room_booking_facts(booking, place, people, config, stamp)


def _when(facts: EventFacts) -> str:
    zone = ZoneInfo(facts.timezone)
    start, end = facts.start.astimezone(zone), facts.end.astimezone(zone)
    return f"{start:%a %d %b %Y}, {start:%H:%M}–{end:%H:%M} ({facts.timezone})"


FACTS_VERSION = 1
"""The shape of `OutboxMessage.facts`; a reader that meets another version refuses to guess."""


def _stored_facts(
    facts: EventFacts,
    config: CalendarConfig,
    attendees: list[Person],
    verb: str,
    *,
    only_attendee: bool,
    check_in: bool,
) -> dict[str, Any]:
    """The JSON an invite is rendered from: the event facts, its organizer and the e-mail's words."""
    return {
        "version": FACTS_VERSION,
        "uid": facts.uid,
        "sequence": facts.sequence,
        "summary": facts.summary,
        "location": facts.location,
        "start": facts.start.isoformat(),
        "end": facts.end.isoformat(),
        "timezone": facts.timezone,
        "url": facts.url,
        "attendees": [
            {"email": p.email, "name": p.name, "role": p.role, "partstat": p.partstat} for p in attendees
        ],
        "transparent": facts.transparent,
        "cancelled": facts.cancelled,
        "stamp": facts.stamp.isoformat(),
        "description": facts.description,
        "categories": list(facts.categories),
        # The ORGANIZER (and so the e-mail's From) is who sent it when the change was made.
        "organizer": config.organizer,
        "organizer_name": config.organizer_name,
        "verb": verb,
        "only_attendee": only_attendee,
        "check_in": check_in,
    }


def outbox_row(
    facts: EventFacts,
    config: CalendarConfig,
    method: str,
    recipient: Person,
    verb: str,
    now: datetime,
    *,
    booking_id: UUID | None = None,
    room_booking_id: UUID | None = None,
    only_attendee: bool = False,
) -> dict[str, Any]:
    """The column values of one outbox message, with the invite's facts and no iCalendar text.

    Cheap on purpose: it runs inside every booking change. The dict fits `OutboxMessage(**row)` and
    `insert(OutboxMessage).values(row)` alike; id and timestamps come from the columns' defaults.
    With `only_attendee` the event names the recipient alone (a CANCEL to someone removed).
    """
    return {
        "recipient": recipient.email,
        "recipient_name": header_text(recipient.name, RECIPIENT_NAME_LENGTH),
        "subject": header_text(f"{verb}: {facts.summary}, {_when(facts).split(',')[0]}", SUBJECT_LENGTH),
        "method": method,
        "uid": facts.uid,
        "sequence": facts.sequence,
        "facts": _stored_facts(
            facts,
            config,
            [recipient] if only_attendee else facts.attendees,
            verb,
            only_attendee=only_attendee,
            check_in=method == REQUEST and booking_id is not None,
        ),
        "ics": None,
        "body": None,
        "booking_id": booking_id,
        "room_booking_id": room_booking_id,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
    }


def desk_invite_row(
    booking: DeskBookingLike, place: Place, person: Person, config: CalendarConfig, now: datetime, verb: str
) -> dict[str, Any]:
    """The outbox row announcing a desk booking to the person booked, without a query.

    A REQUEST while the booking holds its desk (booked, moved), else a CANCEL (cancelled, released).
    """
    facts = desk_booking_facts(booking, place, person, config, now)
    method = REQUEST if booking.status.active else CANCEL
    return outbox_row(facts, config, method, person, verb, now, booking_id=booking.id)


@dataclass(frozen=True)
class RenderedInvite:
    """The text of one outbox message as it is e-mailed: the iCalendar object and the plain text."""

    ics: str
    body: str


def event_facts(stored: Mapping[str, Any]) -> EventFacts:
    """The event facts an outbox message's `facts` were written from."""
    if stored.get("version") != FACTS_VERSION:
        version = stored.get("version")
        raise ValueError(f"outbox facts of version {version!r}; this Zones reads version {FACTS_VERSION}")
    return EventFacts(
        uid=stored["uid"],
        sequence=stored["sequence"],
        summary=stored["summary"],
        location=stored["location"],
        start=datetime.fromisoformat(stored["start"]),
        end=datetime.fromisoformat(stored["end"]),
        timezone=stored["timezone"],
        url=stored["url"],
        attendees=[Person(a["email"], a["name"], a["role"], a["partstat"]) for a in stored["attendees"]],
        transparent=stored["transparent"],
        cancelled=stored["cancelled"],
        stamp=datetime.fromisoformat(stored["stamp"]),
        description=stored["description"],
        categories=list(stored["categories"]),
    )


def render_facts(method: str, stored: Mapping[str, Any]) -> RenderedInvite:
    """The iCalendar object (METHOD `method`) and the e-mail text that `stored` facts describe."""
    facts = event_facts(stored)
    config = CalendarConfig(organizer=stored["organizer"], organizer_name=stored["organizer_name"])
    cal = calendar(method, [event(facts, config, cancelled=method == CANCEL)], {facts.timezone})
    verb = stored["verb"]
    lines = [f"{verb}: {facts.summary}", f"When: {_when(facts)}", f"Where: {facts.location}"]
    if stored["check_in"]:
        lines.append("Check in at the desk when you arrive, or it is released for others.")
    lines.append(f"Details: {facts.url}")
    return RenderedInvite(ics=to_text(cal), body="\n".join(lines))


def render(message: OutboxMessage) -> RenderedInvite:
    """What `message` e-mails: its stored text (queued before 0007), else rendered from its facts.

    The calendar's METHOD is the message's `method`, the value the e-mail part's `method=` carries.
    """
    if message.ics is not None and message.body is not None:
        return RenderedInvite(ics=message.ics, body=message.body)
    if message.facts is None:
        raise ValueError(f"outbox message {message.id} has neither stored text nor facts to render")
    return render_facts(message.method, message.facts)


def _queue(
    session: AsyncSession,
    facts: EventFacts,
    config: CalendarConfig,
    method: str,
    recipient: Person,
    verb: str,
    now: datetime,
    *,
    booking_id: UUID | None = None,
    room_booking_id: UUID | None = None,
    only_attendee: bool = False,
) -> None:
    row = outbox_row(
        facts,
        config,
        method,
        recipient,
        verb,
        now,
        booking_id=booking_id,
        room_booking_id=room_booking_id,
        only_attendee=only_attendee,
    )
    session.add(OutboxMessage(**row))


async def announce_desk_booking(
    session: AsyncSession, booking: Booking, config: CalendarConfig, now: datetime, verb: str
) -> None:
    """Queue a REQUEST (booked, moved) or CANCEL (cancelled, released) for the person booked."""
    place = await desk_place(session, booking.desk_id)
    employee = await session.get_one(Employee, booking.employee_id)
    person = Person(employee.email, employee.name)
    session.add(OutboxMessage(**desk_invite_row(booking, place, person, config, now, verb)))


async def announce_room_booking(
    session: AsyncSession,
    booking: RoomBooking,
    config: CalendarConfig,
    now: datetime,
    verb: str,
    removed: list[RoomAttendee] | None = None,
) -> None:
    """Queue the room booking to every attendee (REQUEST or CANCEL) and a CANCEL to anyone removed."""
    attendees = list(
        await session.scalars(select(RoomAttendee).where(RoomAttendee.room_booking_id == booking.id))
    )
    facts = await room_booking_facts_for(session, booking, attendees, config, now)
    method = CANCEL if booking.status.value == "cancelled" else REQUEST
    for person in facts.attendees:
        _queue(session, facts, config, method, person, verb, now, room_booking_id=booking.id)
    for gone in removed or []:
        _queue(
            session,
            facts,
            config,
            CANCEL,
            Person(gone.email, gone.name),
            "Removed",
            now,
            room_booking_id=booking.id,
            only_attendee=True,
        )
