"""Personal calendar feeds: a secret URL that lists one person's bookings (METHOD:PUBLISH)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zones.auth.tokens import hash_token, new_token
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings
from zones.calendar.events import CalendarConfig, calendar, event, to_text
from zones.calendar.outbox import desk_booking_facts_for, room_booking_facts_for
from zones.errors import NotFound
from zones.models import (
    ACTIVE_STATUSES,
    Booking,
    CalendarFeed,
    Employee,
    RoomAttendee,
    RoomBooking,
    RoomBookingStatus,
)

FEED_PREFIX = "zf_"
HISTORY = timedelta(days=30)
REFRESH_HOURS = 1


async def create_feed(session: AsyncSession, employee_id: UUID, now: datetime) -> str:
    """A new secret feed token for the person; any previous one stops working."""
    await revoke_feeds(session, employee_id, now)
    token = new_token(FEED_PREFIX)
    session.add(CalendarFeed(employee_id=employee_id, token_hash=hash_token(token)))
    await session.flush()
    return token


def feed_urls(config: CalendarConfig, token: str) -> tuple[str, str]:
    """A feed token's subscription URL, and the same as `webcal://` (which opens a calendar app)."""
    url = f"{config.public_url}/calendar/{token}.ics"
    return url, "webcal://" + url.split("://", 1)[1]


async def revoke_feeds(session: AsyncSession, employee_id: UUID, now: datetime) -> int:
    """Revoke the person's feed tokens; returns how many were live."""
    live = list(
        await session.scalars(
            select(CalendarFeed).where(
                CalendarFeed.employee_id == employee_id, CalendarFeed.revoked_at.is_(None)
            )
        )
    )
    for feed in live:
        feed.revoked_at = now
    return len(live)


async def has_live_feed(session: AsyncSession, employee_id: UUID) -> bool:
    """Whether the person has a subscription URL that still works (its token is not kept, only this)."""
    live = await session.scalar(
        select(CalendarFeed.id)
        .where(CalendarFeed.employee_id == employee_id, CalendarFeed.revoked_at.is_(None))
        .limit(1)
    )
    return live is not None


async def feed_owner(session: AsyncSession, token: str) -> Employee | None:
    """Whose feed a token opens, or None (unknown, revoked, or the person left)."""
    if not token.startswith(FEED_PREFIX):
        return None
    employee = await session.scalar(
        select(Employee)
        .join(CalendarFeed, CalendarFeed.employee_id == Employee.id)
        .where(CalendarFeed.token_hash == hash_token(token), CalendarFeed.revoked_at.is_(None))
    )
    return employee if employee is not None and employee.active else None


async def feed_text(
    session: AsyncSession, employee: Employee, config: CalendarConfig, now: datetime
) -> tuple[str, str]:
    """The person's bookings from a month back onwards, and an ETag that changes only with them.

    DTSTAMP is each booking's last change, so an unchanged feed renders byte for byte the same.
    """
    since = now - HISTORY
    desk_bookings = list(
        await session.scalars(
            select(Booking)
            .where(
                Booking.employee_id == employee.id,
                Booking.status.in_(ACTIVE_STATUSES),
                Booking.ends_at >= since,
            )
            .order_by(Booking.starts_at, Booking.id)
        )
    )
    attending = select(RoomAttendee.room_booking_id).where(RoomAttendee.employee_id == employee.id)
    room_bookings = list(
        await session.scalars(
            select(RoomBooking)
            .where(or_(RoomBooking.organiser_id == employee.id, RoomBooking.id.in_(attending)))
            .where(RoomBooking.status == RoomBookingStatus.BOOKED, RoomBooking.ends_at >= since)
            .options(selectinload(RoomBooking.attendees))
            .order_by(RoomBooking.starts_at, RoomBooking.id)
        )
    )
    events, zones = [], set()
    for booking in desk_bookings:
        facts = await desk_booking_facts_for(session, booking, config, _utc(booking.updated_at))
        events.append(event(facts, config))
        zones.add(facts.timezone)
    for room_booking in room_bookings:
        facts = await room_booking_facts_for(
            session, room_booking, list(room_booking.attendees), config, _utc(room_booking.updated_at)
        )
        events.append(event(facts, config))
        zones.add(facts.timezone)
    text = to_text(
        calendar("PUBLISH", events, zones, name=f"Zones · {employee.name}", refresh_hours=REFRESH_HOURS)
    )
    return text, f'"{hashlib.sha256(text.encode()).hexdigest()[:32]}"'


async def feed_by_file_name(
    session: AsyncSession, file_name: str, config: CalendarConfig, now: datetime
) -> tuple[str, str]:
    """The feed a subscription URL's last segment (`<token>.ics`) opens, with its ETag."""
    token = file_name.removesuffix(".ics")
    employee = await feed_owner(session, token) if file_name.endswith(".ics") else None
    if employee is None:
        raise NotFound("No such calendar feed (it may have been revoked)", message_id="calendar.feed-unknown")
    return await feed_text(session, employee, config, now)


async def booking_calendar(context: BookingContext, booking_id: UUID) -> str:
    """One desk booking the caller may see, as an iCalendar file (METHOD:PUBLISH)."""
    booking = await DeskBookings(context).get(booking_id)
    facts = await desk_booking_facts_for(context.session, booking, context.calendar, booking.updated_at)
    return to_text(calendar("PUBLISH", [event(facts, context.calendar)], {facts.timezone}))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
