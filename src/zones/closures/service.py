"""Closures: add one (cancelling the bookings it hits), remove one, and list the closed days of a
site (closures and public holidays).

The API and the CLI both call these, inside the caller's one write transaction: the closure, the
cancelled bookings and their CANCEL invites commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zones.bookings.desks import end_booking
from zones.bookings.times import site_zone
from zones.calendar.events import CalendarConfig
from zones.calendar.outbox import announce_desk_booking, announce_room_booking
from zones.closures.days import hold_days, holidays_between, is_closed
from zones.closures.schemas import ClosedRead, ClosureRead
from zones.errors import InvalidInput, NotFound
from zones.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    Closure,
    Desk,
    Floor,
    Room,
    RoomBooking,
    RoomBookingStatus,
    Site,
    Zone,
)

MAX_DAYS = 366
"""The longest closure, and the longest range a list covers."""


@dataclass(frozen=True)
class Place:
    """What a closure closes: the whole site, or one of its floors or zones."""

    site: Site
    floor: Floor | None = None
    zone: Zone | None = None

    @property
    def name(self) -> str:
        if self.zone is not None:
            return self.zone.name
        return self.floor.name if self.floor is not None else self.site.name


@dataclass
class ClosureOutcome:
    """A closure just added and the bookings it cancelled."""

    closure: Closure
    place: Place
    cancelled: list[Booking]
    cancelled_rooms: list[RoomBooking]


async def get_site(session: AsyncSession, site_id: UUID) -> Site:
    """The site, or NotFound."""
    site = await session.get(Site, site_id)
    if site is None:
        raise NotFound.of("site", site_id)
    return site


async def site_by_key(session: AsyncSession, key: str) -> Site:
    """The site with key `key` (what the CLI names), or NotFound."""
    site = await session.scalar(select(Site).where(Site.key == key))
    if site is None:
        raise NotFound(f"No site with key {key!r}", message_id="not-found.site-key", params={"key": key})
    return site


async def place_in(
    session: AsyncSession,
    site: Site,
    *,
    floor_id: UUID | None = None,
    zone_id: UUID | None = None,
    floor_name: str | None = None,
    zone_name: str | None = None,
) -> Place:
    """The place a closure names: a floor or zone of `site` (by id, or by the name people use:
    the floor's name or level, the zone's key or name), or the whole site when none is named."""
    if (floor_id or floor_name) and (zone_id or zone_name):
        raise InvalidInput(
            "invalid-closure",
            "Invalid closure",
            "Close a floor or a zone, not both (name neither to close the whole site)",
            message_id="closure.one-place",
        )
    if floor_id is not None or floor_name is not None:
        statement = select(Floor).where(Floor.site_id == site.id)
        if floor_id is not None:
            statement = statement.where(Floor.id == floor_id)
        else:
            assert floor_name is not None
            by_level = [Floor.level == int(floor_name)] if floor_name.lstrip("-").isdigit() else []
            statement = statement.where(or_(func.lower(Floor.name) == floor_name.lower(), *by_level))
        floor = await session.scalar(statement.limit(1))
        if floor is None:
            raise _no_place("floor", floor_id or floor_name, site)
        return Place(site, floor=floor)
    if zone_id is not None or zone_name is not None:
        zones = select(Zone).where(Zone.site_id == site.id)
        if zone_id is not None:
            zones = zones.where(Zone.id == zone_id)
        else:
            assert zone_name is not None
            zones = zones.where(
                or_(Zone.key == zone_name, func.lower(Zone.name) == zone_name.lower())
            ).order_by(Zone.key != zone_name)
        zone = await session.scalar(zones.limit(1))
        if zone is None:
            raise _no_place("zone", zone_id or zone_name, site)
        return Place(site, zone=zone)
    return Place(site)


def _no_place(what: str, named: object, site: Site) -> NotFound:
    return NotFound(
        f"{site.name} has no {what} {named}",
        message_id=f"not-found.closure-{what}",
        params={"what": what, "named": str(named), "site": site.name},
    )


def check_days(starts_on: date, ends_on: date) -> None:
    """A closure (or a list) covers at least one day and at most a year."""
    if ends_on < starts_on:
        raise InvalidInput(
            "invalid-range",
            "Invalid range",
            f"The last day ({ends_on}) is before the first ({starts_on})",
            message_id="closure.ends-before-start",
            params={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        )
    if (ends_on - starts_on).days >= MAX_DAYS:
        raise InvalidInput(
            "invalid-range",
            "Invalid range",
            f"A closure or a list covers at most {MAX_DAYS} days",
            message_id="closure.too-long",
            params={"max_days": MAX_DAYS},
        )


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise InvalidInput(
            "invalid-closure",
            "Invalid closure",
            "Say why the place is closed: the people whose bookings it cancels are told",
            message_id="closure.reason-required",
        )
    return reason


async def add_closure(
    session: AsyncSession,
    place: Place,
    starts_on: date,
    ends_on: date,
    reason: str,
    *,
    created_by_id: UUID | None,
    now: datetime,
    calendar: CalendarConfig,
) -> ClosureOutcome:
    """Close `place` from `starts_on` to `ends_on` and cancel every booking there that is not over.

    Each cancelled booking gets a higher SEQUENCE and a CANCEL to its people (room bookings: to
    every attendee), queued in this transaction; the invite's subject and text say why (the
    outbox carries calendar messages only, so the CANCEL is the notice).
    """
    check_days(starts_on, ends_on)
    await hold_days(await session.connection(), starts_on, ends_on)
    closure = Closure(
        site_id=place.site.id,
        starts_on=starts_on,
        ends_on=ends_on,
        floor_id=place.floor.id if place.floor else None,
        zone_id=place.zone.id if place.zone else None,
        reason=_reason(reason),
        created_by_id=created_by_id,
    )
    session.add(closure)
    await session.flush()
    verb = f"Cancelled ({place.name} closed: {closure.reason})"
    desks = await _desk_bookings_hit(session, place, starts_on, ends_on, now)
    for booking in desks:
        end_booking(booking, BookingStatus.CANCELLED, now)
    rooms = await _room_bookings_hit(session, place, starts_on, ends_on, now)
    for room_booking in rooms:
        room_booking.status = RoomBookingStatus.CANCELLED
        room_booking.sequence += 1  # a CANCEL must carry a higher SEQUENCE than the invite it cancels
    await session.flush()
    for booking in desks:
        await announce_desk_booking(session, booking, calendar, now, verb)
    for room_booking in rooms:
        await announce_room_booking(session, room_booking, calendar, now, verb)
    await session.flush()
    return ClosureOutcome(closure, place, desks, rooms)


async def _desk_bookings_hit(
    session: AsyncSession, place: Place, starts_on: date, ends_on: date, now: datetime
) -> list[Booking]:
    """Active desk bookings in the place on the closed days that are not over yet (locked)."""
    statement = (
        select(Booking)
        .join(Desk, Desk.id == Booking.desk_id)
        .join(Zone, Zone.id == Desk.zone_id)
        .where(
            Booking.site_id == place.site.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.day.between(starts_on, ends_on),
            Booking.ends_at > now,
        )
        .options(selectinload(Booking.slots))
        .order_by(Booking.day, Booking.id)
        .with_for_update(of=Booking)
    )
    if place.zone is not None:
        statement = statement.where(Desk.zone_id == place.zone.id)
    elif place.floor is not None:
        statement = statement.where(Zone.floor_id == place.floor.id)
    return list(await session.scalars(statement))


async def _room_bookings_hit(
    session: AsyncSession, place: Place, starts_on: date, ends_on: date, now: datetime
) -> list[RoomBooking]:
    """Booked rooms in the place that meet on the closed days (site-local) and are not over (locked)."""
    zone = site_zone(place.site)
    first = datetime.combine(starts_on, time(), zone)
    after = datetime.combine(ends_on + timedelta(days=1), time(), zone)
    statement = (
        select(RoomBooking)
        .join(Room, Room.id == RoomBooking.room_id)
        .join(Zone, Zone.id == Room.zone_id)
        .where(
            RoomBooking.site_id == place.site.id,
            RoomBooking.status == RoomBookingStatus.BOOKED,
            RoomBooking.starts_at < after,
            RoomBooking.ends_at > first,
            RoomBooking.ends_at > now,
        )
        .order_by(RoomBooking.starts_at, RoomBooking.id)
        .with_for_update(of=RoomBooking)
    )
    if place.zone is not None:
        statement = statement.where(Room.zone_id == place.zone.id)
    elif place.floor is not None:
        statement = statement.where(Zone.floor_id == place.floor.id)
    return list(await session.scalars(statement))


async def remove_closure(session: AsyncSession, closure_id: UUID) -> Closure:
    """Remove a closure: its days can be booked again (cancelled bookings stay cancelled)."""
    closure = await session.get(Closure, closure_id)
    if closure is None:
        raise NotFound.of("closure", closure_id)
    await session.delete(closure)
    await session.flush()
    return closure


async def read_closures(session: AsyncSession, closures: list[Closure]) -> list[ClosureRead]:
    """Closures with the name of what each closes."""
    names = await _place_names(session, closures)
    return [
        ClosureRead(
            id=c.id,
            site_id=c.site_id,
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            floor_id=c.floor_id,
            zone_id=c.zone_id,
            place=names[c.id],
            reason=c.reason,
            created_by_id=c.created_by_id,
            created_at=c.created_at,
        )
        for c in closures
    ]


async def _place_names(session: AsyncSession, closures: list[Closure]) -> dict[UUID, str]:
    if not closures:
        return {}
    rows = await session.execute(
        select(Closure.id, func.coalesce(Zone.name, Floor.name, Site.name))
        .join(Site, Site.id == Closure.site_id)
        .outerjoin(Floor, Floor.id == Closure.floor_id)
        .outerjoin(Zone, Zone.id == Closure.zone_id)
        .where(Closure.id.in_([c.id for c in closures]))
    )
    return {closure_id: name for closure_id, name in rows.all()}


async def closed_between(session: AsyncSession, site: Site, first: date, last: date) -> list[ClosedRead]:
    """The site's public holidays and closures from `first` to `last` (both included), by first day."""
    check_days(first, last)
    closures = list(
        await session.scalars(
            select(Closure)
            .where(Closure.site_id == site.id, Closure.starts_on <= last, Closure.ends_on >= first)
            .order_by(Closure.starts_on, Closure.created_at)
        )
    )
    entries = [
        ClosedRead(
            kind="closure",
            starts_on=c.starts_on,
            ends_on=c.ends_on,
            name=c.reason,
            place=c.place,
            id=c.id,
            floor_id=c.floor_id,
            zone_id=c.zone_id,
        )
        for c in await read_closures(session, closures)
    ]
    entries.extend(
        ClosedRead(kind="holiday", starts_on=day, ends_on=day, name=name, place=site.name)
        for day, name in holidays_between(site.country, first, last)
    )
    return sorted(entries, key=lambda e: (e.starts_on, e.kind != "holiday"))


__all__ = (
    "ClosureOutcome",
    "Place",
    "add_closure",
    "check_days",
    "closed_between",
    "get_site",
    "is_closed",
    "place_in",
    "read_closures",
    "remove_closure",
    "site_by_key",
)
