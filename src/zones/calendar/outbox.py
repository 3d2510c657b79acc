"""The outbox of calendar invites: written in the booking's own transaction, so none is lost or invented.

`zones.calendar.sender` delivers what is written here; `zones outbox show` lists it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.calendar.events import (
    CalendarConfig,
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
    shown = EventFacts(**{**facts.__dict__, "attendees": [recipient]}) if only_attendee else facts
    cal = calendar(method, [event(shown, config, cancelled=method == CANCEL)], {facts.timezone})
    subject = header_text(f"{verb}: {facts.summary}, {_when(facts).split(',')[0]}", SUBJECT_LENGTH)
    lines = [f"{verb}: {facts.summary}", f"When: {_when(facts)}", f"Where: {facts.location}"]
    if method == REQUEST and booking_id is not None:
        lines.append("Check in at the desk when you arrive, or it is released for others.")
    lines.append(f"Details: {facts.url}")
    body = "\n".join(lines)
    session.add(
        OutboxMessage(
            recipient=recipient.email,
            recipient_name=header_text(recipient.name, RECIPIENT_NAME_LENGTH),
            subject=subject,
            method=method,
            uid=facts.uid,
            sequence=facts.sequence,
            ics=to_text(cal),
            body=body,
            booking_id=booking_id,
            room_booking_id=room_booking_id,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
        )
    )


async def announce_desk_booking(
    session: AsyncSession, booking: Booking, config: CalendarConfig, now: datetime, verb: str
) -> None:
    """Queue a REQUEST (booked, moved) or CANCEL (cancelled, released) for the person booked."""
    facts = await desk_booking_facts_for(session, booking, config, now)
    method = REQUEST if booking.status.active else CANCEL
    _queue(session, facts, config, method, facts.attendees[0], verb, now, booking_id=booking.id)


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
