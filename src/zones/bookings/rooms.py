"""Workshop room bookings: a room in a facilitation zone for a time range, with attendees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from uuid_utils.compat import uuid7

from zones.bookings.context import BookingContext, Scope, count
from zones.bookings.rules import check_horizon, check_not_closed, check_opening_hours, check_working_day
from zones.bookings.schemas import RoomBookingRead
from zones.bookings.times import site_zone, to_utc
from zones.calendar.events import lifelong_uid
from zones.calendar.outbox import announce_room_booking
from zones.errors import Forbidden, InvalidInput, NotFound, RuleRefused
from zones.models import Employee, Policy, Room, RoomAttendee, RoomBooking, RoomBookingStatus, Site

MAX_LENGTH = timedelta(hours=12)


@dataclass
class AttendeeChange:
    """Who an attendee update added and removed (removed people need a cancellation)."""

    booking: RoomBooking
    added: list[RoomAttendee] = field(default_factory=list)
    removed: list[RoomAttendee] = field(default_factory=list)


class RoomBookings:
    """Room bookings for one principal, inside the write transaction its session belongs to."""

    def __init__(self, context: BookingContext) -> None:
        self.context = context
        self.session = context.session
        self.actor = context.actor

    async def get(self, booking_id: UUID, *, for_update: bool = False) -> RoomBooking:
        """A room booking the actor organises or attends (planners see all)."""
        statement = (
            select(RoomBooking)
            .where(RoomBooking.id == booking_id)
            .options(selectinload(RoomBooking.attendees))
        )
        if for_update:
            statement = statement.with_for_update()
        booking = await self.session.scalar(statement)
        if booking is None or not (
            self.actor.may_act_for(booking.organiser_id)
            or any(a.employee_id == self.actor.employee_id for a in booking.attendees)
        ):
            raise NotFound.of("room booking", booking_id)
        return booking

    async def list_for_me(
        self, scope: Scope, page: LimitOffset, *, booked_only: bool = False
    ) -> OffsetPagination[RoomBookingRead]:
        """Room bookings the actor organises or attends: `upcoming`, `past` or `all` (only those still
        booked, not cancelled, with `booked_only`)."""
        me = self.actor.employee_id
        now = self.context.now()
        attending = select(RoomAttendee.room_booking_id).where(RoomAttendee.employee_id == me)
        statement = select(RoomBooking).where(
            or_(RoomBooking.organiser_id == me, RoomBooking.id.in_(attending))
        )
        if scope == "upcoming":
            statement = statement.where(RoomBooking.ends_at > now)
        elif scope == "past":
            statement = statement.where(RoomBooking.ends_at <= now)
        if booked_only:
            statement = statement.where(RoomBooking.status == RoomBookingStatus.BOOKED)
        total = await count(self.session, statement)
        rows = await self.session.scalars(
            statement.options(selectinload(RoomBooking.attendees))
            .order_by(RoomBooking.starts_at, RoomBooking.id)
            .limit(page.limit)
            .offset(page.offset)
        )
        return OffsetPagination([RoomBookingRead.of(b) for b in rows], page.limit, page.offset, total)

    async def book(
        self,
        room_id: UUID,
        title: str,
        starts_at: datetime,
        ends_at: datetime,
        attendees: list[str],
        organiser_id: UUID | None = None,
    ) -> RoomBooking:
        """Book a room; the organiser attends, and the room must seat everyone."""
        organiser_id = organiser_id or self.actor.employee_id
        if not self.actor.may_act_for(organiser_id):
            raise Forbidden("Only planners and admins may book on behalf of someone else")
        organiser = await self.session.get(Employee, organiser_id)
        if organiser is None or not organiser.active:
            raise NotFound.of("employee", organiser_id)
        room, site, policy = await self._room(room_id)
        start, end = self._times(site, policy, starts_at, ends_at)
        await check_not_closed(
            await self.session.connection(), site, start.astimezone(site_zone(site)).date(), room.zone_id
        )
        people = await self._attendees(attendees, organiser)
        self._check_capacity(room, len(people))
        booking_id = uuid7()
        booking = RoomBooking(
            id=booking_id,
            uid=lifelong_uid("room-booking", booking_id, self.context.calendar),
            site_id=site.id,
            room_id=room.id,
            organiser_id=organiser.id,
            title=title,
            starts_at=start,
            ends_at=end,
            status=RoomBookingStatus.BOOKED,
            sequence=0,
            attendees=people,
        )
        await self._check_free(room, start, end, len(people))
        self.session.add(booking)
        await self._flush(room, start, end)
        await announce_room_booking(
            self.session, booking, self.context.calendar, self.context.now(), "Invitation"
        )
        return booking

    async def set_attendees(self, booking_id: UUID, attendees: list[str]) -> AttendeeChange:
        """Replace the attendee list (the organiser always stays)."""
        booking = await self._own(booking_id)
        room = await self.session.get_one(Room, booking.room_id)
        organiser = await self.session.get_one(Employee, booking.organiser_id)
        wanted = await self._attendees(attendees, organiser)
        self._check_capacity(room, len(wanted))
        current = {a.email.lower(): a for a in booking.attendees}
        keep = {a.email.lower() for a in wanted}
        change = AttendeeChange(
            booking=booking,
            added=[a for a in wanted if a.email.lower() not in current],
            removed=[a for key, a in current.items() if key not in keep],
        )
        if change.added or change.removed:
            booking.attendees = [current.get(a.email.lower(), a) for a in wanted]
            booking.sequence += 1
            await self.session.flush()
            await announce_room_booking(
                self.session,
                booking,
                self.context.calendar,
                self.context.now(),
                "Updated",
                removed=change.removed,
            )
        return change

    async def cancel(self, booking_id: UUID) -> RoomBooking:
        """Cancel a room booking; cancelling twice changes nothing."""
        booking = await self._own(booking_id)
        if booking.status is RoomBookingStatus.BOOKED:
            booking.status = RoomBookingStatus.CANCELLED
            booking.sequence += 1
            await self.session.flush()
            await announce_room_booking(
                self.session, booking, self.context.calendar, self.context.now(), "Cancelled"
            )
        return booking

    async def _own(self, booking_id: UUID) -> RoomBooking:
        booking = await self.get(booking_id, for_update=True)
        self.check_may_change(booking)
        return booking

    def check_may_change(self, booking: RoomBooking) -> None:
        """Attendees may see a room booking; only its organiser (or a planner) may change it."""
        if not self.actor.may_act_for(booking.organiser_id):
            raise Forbidden("Only the organiser (or a planner) may change this booking")

    async def _room(self, room_id: UUID) -> tuple[Room, Site, Policy]:
        row = (
            await self.session.execute(
                select(Room, Site, Policy)
                .join(Site, Site.id == Room.site_id)
                .join(Policy, Policy.site_id == Site.id)
                .where(Room.id == room_id)
                # One booking of a room at a time: concurrent overlapping inserts would otherwise wait on
                # each other inside the exclusion constraint and end in a deadlock instead of a 409.
                .with_for_update(of=Room)
            )
        ).one_or_none()
        if row is None:
            raise NotFound.of("room", room_id)
        room, site, policy = row
        if not room.bookable:
            raise RuleRefused(
                "room-not-bookable",
                "Room is not bookable",
                f"{room.name} is not bookable",
                params={"room": room.name},
            )
        return room, site, policy

    def _times(
        self, site: Site, policy: Policy, starts_at: datetime, ends_at: datetime
    ) -> tuple[datetime, datetime]:
        start, end = to_utc(starts_at, site, "starts_at"), to_utc(ends_at, site, "ends_at")
        if end <= start:
            raise InvalidInput(
                "invalid-time",
                "Invalid time range",
                "ends_at must be after starts_at",
                message_id="room-booking.ends-before-start",
            )
        if end - start > MAX_LENGTH:
            raise InvalidInput(
                "invalid-time",
                "Invalid time range",
                "A room booking lasts at most 12 hours",
                message_id="room-booking.too-long",
                params={"max_hours": 12},
            )
        if start < self.context.now():
            raise RuleRefused(
                "in-the-past",
                "In the past",
                "starts_at is in the past",
                message_id="room-booking.in-the-past",
            )
        zone = site_zone(site)
        day = start.astimezone(zone).date()
        if end.astimezone(zone).date() != day and end.astimezone(zone).time() != datetime.min.time():
            raise InvalidInput(
                "invalid-time",
                "Invalid time range",
                "A room booking must end the day it starts",
                message_id="room-booking.crosses-midnight",
            )
        check_working_day(site, day)
        check_opening_hours(site, start, end)
        check_horizon(site, policy, day, self.context.now())
        return start, end

    async def _attendees(self, emails: list[str], organiser: Employee) -> list[RoomAttendee]:
        normalised: dict[str, str] = {organiser.email.lower(): organiser.email}
        for raw in emails:
            try:
                email = validate_email(raw, check_deliverability=False).normalized
            except EmailNotValidError as error:
                raise InvalidInput(
                    "invalid-attendee",
                    "Invalid attendee",
                    f"{raw!r} is not a valid e-mail address: {error}",
                    params={"address": raw, "reason": str(error)},
                ) from error
            normalised.setdefault(email.lower(), email)
        known = {
            e.email.lower(): e
            for e in await self.session.scalars(
                select(Employee).where(func.lower(Employee.email).in_(list(normalised)))
            )
        }
        return [
            RoomAttendee(
                email=known[key].email if key in known else email,
                name=known[key].name if key in known else email.split("@")[0],
                employee_id=known[key].id if key in known else None,
            )
            for key, email in normalised.items()
        ]

    def _check_capacity(self, room: Room, people: int) -> None:
        if people > room.capacity:
            raise RuleRefused(
                "room-too-small",
                "Room too small",
                f"{room.name} seats {room.capacity}; the booking has {people} people",
                params={"room": room.name, "capacity": room.capacity, "people": people},
                capacity=room.capacity,
                attendees=people,
            )

    async def _check_free(self, room: Room, start: datetime, end: datetime, people: int) -> None:
        """A friendly early answer with free rooms instead; the database constraint decides."""
        overlapping = (
            select(RoomBooking.room_id)
            .where(RoomBooking.status == RoomBookingStatus.BOOKED)
            .where(RoomBooking.starts_at < end, start < RoomBooking.ends_at)
        )
        busy = set(await self.session.scalars(overlapping))
        if room.id not in busy:
            return
        free = await self.session.scalars(
            select(Room)
            .where(Room.site_id == room.site_id, Room.bookable.is_(True), Room.capacity >= people)
            .where(Room.id.not_in(busy) if busy else Room.id.is_not(None))
            .order_by(Room.capacity, Room.code)
        )
        raise RuleRefused(
            "room-taken",
            "Room is taken",
            f"{room.name} is already booked for part of that time",
            params={"room": room.name},
            alternatives=[
                {"room_id": str(r.id), "code": r.code, "name": r.name, "capacity": r.capacity} for r in free
            ],
            clash=True,
        )

    async def _flush(self, room: Room, start: datetime, end: datetime) -> None:
        name = room.name  # a failed flush expires what the session loaded
        try:
            await self.session.flush()
        except IntegrityError as error:
            if "ex_room_booking_no_overlap" in str(error.orig) or "exclusion" in str(error.orig).lower():
                raise RuleRefused(
                    "room-taken",
                    "Room is taken",
                    f"{name} is already booked for part of that time",
                    params={"room": name},
                    clash=True,
                ) from error
            raise
