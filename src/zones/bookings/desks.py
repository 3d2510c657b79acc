"""Desk bookings: book, book a weekly series, move, cancel, check in, and release no-shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload
from uuid_utils.compat import uuid7

from zones.bookings import queries
from zones.bookings.context import BookingContext, Scope, count
from zones.bookings.rules import (
    check_accessible_hold,
    check_attendance_cap,
    check_bookable,
    check_horizon,
    check_not_closed,
    check_not_past,
    check_working_day,
    check_zone_cap,
    weekly_day_cap,
)
from zones.bookings.schemas import BookingRead
from zones.bookings.times import iso_week_days, local_today, period_bounds, site_zone
from zones.calendar.events import CalendarConfig, Person, Place, lifelong_uid
from zones.calendar.outbox import announce_desk_booking, desk_invite_row
from zones.db.transaction import stored_meanwhile
from zones.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from zones.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingSeries,
    BookingStatus,
    Desk,
    DeskSlot,
    Employee,
    Floor,
    Half,
    Period,
    Policy,
    Site,
    Zone,
)
from zones.office.layout import DeskPlace


@dataclass(frozen=True)
class NewDeskBooking:
    """A desk booking as the booking hot path inserts it (no ORM object is built)."""

    id: UUID
    uid: str
    site_id: UUID
    desk_id: UUID
    employee_id: UUID
    created_by_id: UUID | None
    """Who made it; None when the command line applied a plan."""
    series_id: UUID | None
    plan_id: UUID | None
    day: date
    period: Period
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    check_in_by: datetime
    sequence: int
    created_at: datetime
    updated_at: datetime
    desk_code: str
    zone_name: str

    def values(self) -> dict[str, Any]:
        """The row's column values."""
        return {column.name: getattr(self, column.name) for column in queries.BOOKING_COLUMNS}

    def read(self) -> BookingRead:
        """The booking as the API answers it."""
        return BookingRead(
            id=self.id,
            employee_id=self.employee_id,
            site_id=self.site_id,
            desk_id=self.desk_id,
            desk_code=self.desk_code,
            zone_name=self.zone_name,
            day=self.day,
            period=self.period,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            status=self.status,
            check_in_by=self.check_in_by,
            checked_in_at=None,
            series_id=self.series_id,
            sequence=self.sequence,
        )


@dataclass
class SeriesOutcome:
    """What a recurring booking created, and each occurrence it could not book, with the reason."""

    series: BookingSeries
    booked: list[NewDeskBooking] = field(default_factory=list)
    conflicts: list[tuple[date, RuleRefused]] = field(default_factory=list)


class DeskBookings:
    """Desk bookings for one principal, inside the write transaction its session belongs to."""

    def __init__(self, context: BookingContext) -> None:
        self.context = context
        self.session = context.session
        self.actor = context.actor
        self._names: dict[UUID, tuple[str, str]] = {}
        """Desk code and zone name of desks this service has already read."""

    # --- reading ------------------------------------------------------------------------------

    async def get(self, booking_id: UUID, *, for_update: bool = False) -> Booking:
        """A booking the actor may see (their own, or anyone's for planners)."""
        statement: Select[Booking] = (
            select(Booking).where(Booking.id == booking_id).options(selectinload(Booking.slots))
        )
        if for_update:
            statement = statement.with_for_update()
        booking = await self.session.scalar(statement)
        if booking is None or not self.actor.may_act_for(booking.employee_id):
            # Someone else's booking is indistinguishable from a missing one.
            raise NotFound.of("booking", booking_id)
        return booking

    async def describe(self, bookings: list[Booking]) -> list[BookingRead]:
        """Bookings with their desk code and zone name (one query for desks not yet seen)."""
        unknown = {b.desk_id for b in bookings} - self._names.keys()
        if unknown:
            rows = await self.session.execute(
                select(Desk.id, Desk.code, Zone.name)
                .join(Zone, Zone.id == Desk.zone_id)
                .where(Desk.id.in_(unknown))
            )
            self._names.update({desk_id: (code, zone) for desk_id, code, zone in rows.all()})
        return [BookingRead.of(b, *self._names.get(b.desk_id, ("?", "?"))) for b in bookings]

    async def read(self, booking: Booking) -> BookingRead:
        """One booking with its desk code and zone name."""
        return (await self.describe([booking]))[0]

    async def list_for(
        self, employee_id: UUID, scope: Scope, page: LimitOffset
    ) -> OffsetPagination[BookingRead]:
        """A person's bookings: `upcoming` (active, not over), `past` (over) or `all`."""
        self._require_may_act_for(employee_id)
        now = self.context.now()
        statement = select(Booking).where(Booking.employee_id == employee_id)
        if scope == "upcoming":
            statement = statement.where(Booking.ends_at > now, Booking.status.in_(ACTIVE_STATUSES))
            order = Booking.starts_at.asc()
        elif scope == "past":
            statement = statement.where(Booking.ends_at <= now)
            order = Booking.starts_at.desc()
        else:
            order = Booking.starts_at.desc()
        total = await count(self.session, statement)
        rows = await self.session.scalars(
            statement.order_by(order, Booking.id).limit(page.limit).offset(page.offset)
        )
        return OffsetPagination(await self.describe(list(rows)), page.limit, page.offset, total)

    # --- booking ------------------------------------------------------------------------------

    async def book(
        self,
        desk_id: UUID,
        day: date,
        period: Period,
        employee_id: UUID | None = None,
        series: BookingSeries | None = None,
        plan_id: UUID | None = None,
    ) -> NewDeskBooking:
        """Book a desk for a day or half-day, checking every rule of the site's policy.

        The hot path of a booking rush: one statement reads what the rules need, the INSERTs let
        the database have the last word (weekly and zone caps re-checked inside the INSERT, unique
        keys on the half-day slots), and the invite's facts go to the outbox for the sender to render.
        """
        employee_id = employee_id or self.actor.employee_id
        self._require_may_act_for(employee_id)
        connection = await self.session.connection()
        week = iso_week_days(day)
        facts = await queries.booking_facts(
            connection, self.context.layouts, desk_id, employee_id, day, period, week
        )
        if facts == "no-employee":
            raise NotFound.of("employee", employee_id)
        if facts == "no-desk":
            raise NotFound.of("desk", desk_id)
        desk, zone, site, policy, employee = facts.desk, facts.zone, facts.site, facts.policy, facts.employee
        self._names[desk.id] = (desk.code, zone.name)
        starts_at, ends_at = period_bounds(site, day, period)
        now = self.context.now()
        check_bookable(desk)
        check_working_day(site, day)
        check_not_past(site, day, ends_at, now)
        check_horizon(site, policy, day, now)
        check_accessible_hold(policy, desk, employee, day, local_today(site, now))
        week_cap = weekly_day_cap(site, policy, employee)
        if facts.other_days >= week_cap:
            await check_attendance_cap(self.session, site, policy, employee, day)
        if facts.desk_taken:
            raise _desk_taken(
                desk.code, day, period, await queries.nearest_free_desks(connection, desk, day, period)
            )
        if facts.own_booking_id is not None:
            raise _already_booked(employee.name, facts.own_booking_id, day)
        # Last of the reads: a refused booking (desk taken) costs no statement more for it.
        await check_not_closed(connection, site, day, zone.id, day_held=True)  # held by the facts read
        if zone.occupancy_cap is not None:
            # Serialise bookings into a capped zone so two of them cannot both take the last place.
            await connection.execute(queries.LOCK_ZONE, {"zone_id": zone.id})
        booking_id = uuid7()
        booking = NewDeskBooking(
            id=booking_id,
            uid=lifelong_uid("desk-booking", booking_id, self.context.calendar),
            site_id=site.id,
            desk_id=desk.id,
            employee_id=employee.id,
            created_by_id=self.actor.employee_id,
            series_id=series.id if series is not None else None,
            plan_id=plan_id,
            day=day,
            period=period,
            starts_at=starts_at,
            ends_at=ends_at,
            status=BookingStatus.BOOKED,
            check_in_by=self._check_in_by(policy, starts_at, now),
            sequence=0,
            created_at=now,
            updated_at=now,
            desk_code=desk.code,
            zone_name=zone.name,
        )
        guard = {
            "monday": week[0],
            "sunday": week[1],
            "week_cap": week_cap,
            "zone_id": zone.id,
            "zone_cap": zone.occupancy_cap,
            **queries.halves(period),
        }
        place = Place(
            site.name, facts.floor_name, zone.name, zone.activity, f"Desk {desk.code}", site.timezone
        )
        invite = desk_invite_row(
            booking, place, Person(employee.email, employee.name), self.context.calendar, now, "Booked"
        )
        capped = zone.occupancy_cap is not None
        if connection.dialect.name == "postgresql":
            slot_ids = {"first_slot_id": uuid7(), "last_slot_id": uuid7()}
            outbox = {f"outbox_{name}": value for name, value in invite.items()}
            outbox.update(outbox_id=uuid7(), outbox_created_at=now, outbox_updated_at=now)
            parameters = {**booking.values(), **guard, **slot_ids, **outbox}
            booked, held = (await connection.execute(queries.BOOKING_AT_ONCE[capped], parameters)).one()
        else:  # SQLite has no INSERT inside WITH: the same three INSERTs, one by one
            inserted = await connection.execute(
                queries.SQLITE_BOOKING_INSERTS[capped], {**booking.values(), **guard}
            )
            booked = held = 0
            if inserted.first() is not None:
                booked = 1
                slots = [
                    {"id": uuid7(), "booking_id": booking_id, "desk_id": desk.id, "employee_id": employee.id,
                     "day": day, "half": half, "created_at": now, "updated_at": now}
                    for half in period.halves
                ]  # fmt: skip
                held = len((await connection.execute(queries.SQLITE_SLOT_INSERT, slots)).all())
                if held == len(slots):
                    await connection.execute(queries.OUTBOX.insert(), invite)
        if not booked:
            # A booking of the same person (or into the same zone) committed meanwhile.
            await check_attendance_cap(self.session, site, policy, employee, day)
            await check_zone_cap(self.session, zone, day, period)
            raise stored_meanwhile()
        if held < len(period.halves):
            raise await self._taken_meanwhile(connection, facts, day, period)
        return booking

    async def book_series(
        self,
        desk_id: UUID,
        weekdays: list[int],
        starts_on: date,
        until: date,
        period: Period,
        employee_id: UUID | None = None,
    ) -> SeriesOutcome:
        """Book every matching day; each occurrence that breaks a rule is reported, not dropped."""
        employee = await self._employee(employee_id or self.actor.employee_id)
        place = await self._place(desk_id)
        if until < starts_on:
            raise InvalidInput(
                "invalid-range",
                "Invalid range",
                "until must not be before starts_on",
                message_id="series.until-before-start",
            )
        if (until - starts_on).days > 366:
            raise InvalidInput(
                "invalid-range",
                "Invalid range",
                "A series may span at most a year",
                message_id="series.too-long",
                params={"max_days": 366},
            )
        series = BookingSeries(
            employee_id=employee.id,
            desk_id=place.desk.id,
            period=period,
            weekdays=sorted(set(weekdays)),
            starts_on=starts_on,
            until=until,
            created_by_id=self.actor.employee_id,
        )
        self.session.add(series)
        await self.session.flush()
        outcome = SeriesOutcome(series)
        day = starts_on
        while day <= until:
            if day.isoweekday() in series.weekdays:
                try:
                    async with self.session.begin_nested():
                        outcome.booked.append(await self.book(desk_id, day, period, employee.id, series))
                except RuleRefused as refusal:
                    outcome.conflicts.append((day, refusal))
            day += timedelta(days=1)
        return outcome

    async def cancel(self, booking_id: UUID) -> Booking:
        """Cancel a booking and free its desk; cancelling twice changes nothing."""
        booking = await self.get(booking_id, for_update=True)
        if not booking.status.active:
            return booking
        await self._end(booking, BookingStatus.CANCELLED)
        await announce_desk_booking(
            self.session, booking, self.context.calendar, self.context.now(), "Cancelled"
        )
        return booking

    async def move(
        self,
        booking_id: UUID,
        desk_id: UUID | None = None,
        day: date | None = None,
        period: Period | None = None,
    ) -> Booking:
        """Change desk, day or period in one step: either all of it happens or nothing does."""
        booking = await self.get(booking_id, for_update=True)
        if not booking.status.active:
            raise Conflict(
                "booking-not-active",
                "Booking is not active",
                f"The booking is {booking.status.value}; book again instead",
                message_id="booking-not-active.move",
                params={"status": booking.status.value},
            )
        new_day, new_period = day or booking.day, period or booking.period
        if booking.status is BookingStatus.CHECKED_IN and (new_day, new_period) != (
            booking.day,
            booking.period,
        ):
            raise Conflict(
                "checked-in",
                "Already checked in",
                "A checked-in booking can change desk but not day or period",
            )
        employee = await self._employee(booking.employee_id)
        place = await self._place(desk_id or booking.desk_id)
        starts_at, ends_at = period_bounds(place.site, new_day, new_period)
        # Give up the old slots first, so the booking does not collide with itself.
        booking.slots = []
        await self.session.flush()
        await self._check_rules(place, employee, new_day, new_period, ends_at, ignore=booking.id)
        booking.desk_id, booking.site_id = place.desk.id, place.site.id
        booking.day, booking.period = new_day, new_period
        booking.starts_at, booking.ends_at = starts_at, ends_at
        if booking.status is BookingStatus.BOOKED:
            booking.check_in_by = self._check_in_by(place.policy, starts_at, self.context.now())
        booking.sequence += 1
        booking.slots = _slots(place.desk.id, employee.id, new_day, new_period)
        await self._flush(place, employee, new_day, new_period)
        await announce_desk_booking(self.session, booking, self.context.calendar, self.context.now(), "Moved")
        return booking

    async def check_in(self, booking_id: UUID) -> Booking:
        """Confirm the person is at the desk, within the policy's check-in window."""
        booking = await self.get(booking_id, for_update=True)
        if booking.status is BookingStatus.CHECKED_IN:
            return booking
        if booking.status is not BookingStatus.BOOKED:
            raise Conflict(
                "booking-not-active",
                "Booking is not active",
                f"The booking is {booking.status.value}; it can no longer be checked in",
                message_id="booking-not-active.check-in",
                params={"status": booking.status.value},
            )
        policy = await self.session.scalar(select(Policy).where(Policy.site_id == booking.site_id))
        site = await self.session.get_one(Site, booking.site_id)
        assert policy is not None
        now = self.context.now()
        opens, closes = check_in_window(booking, policy)
        if now < opens:
            local = opens.astimezone(site_zone(site))
            raise Conflict(
                "check-in-not-open",
                "Check-in is not open yet",
                f"Check-in opens at {local:%H:%M} on {local:%Y-%m-%d} ({site.timezone})",
                params={"opens_at": local.isoformat(), "timezone": site.timezone},
                opens_at=opens.isoformat(),
            )
        if now > closes:
            raise Conflict(
                "check-in-closed",
                "Check-in has closed",
                "The check-in deadline has passed; the desk is being released",
            )
        booking.status, booking.checked_in_at = BookingStatus.CHECKED_IN, now
        await self.session.flush()
        return booking

    # --- internals ----------------------------------------------------------------------------

    def _require_may_act_for(self, employee_id: UUID) -> None:
        if not self.actor.may_act_for(employee_id):
            raise Forbidden("Only planners and admins may act on behalf of someone else")

    async def _employee(self, employee_id: UUID) -> Employee:
        self._require_may_act_for(employee_id)
        # Locking the person serialises their own concurrent bookings (the weekly cap counts them).
        employee = await self.session.scalar(
            select(Employee).where(Employee.id == employee_id).with_for_update()
        )
        if employee is None or not employee.active:
            raise NotFound.of("employee", employee_id)
        return employee

    async def _place(self, desk_id: UUID) -> DeskPlace:
        row = (
            await self.session.execute(
                select(Desk, Zone, Floor.name, Site, Policy)
                .join(Zone, Zone.id == Desk.zone_id)
                .join(Floor, Floor.id == Zone.floor_id)
                .join(Site, Site.id == Desk.site_id)
                .join(Policy, Policy.site_id == Site.id)
                .where(Desk.id == desk_id)
            )
        ).one_or_none()
        if row is None:
            raise NotFound.of("desk", desk_id)
        place = DeskPlace(*row)
        self._names[place.desk.id] = (place.desk.code, place.zone.name)
        return place

    def _check_in_by(self, policy: Policy, starts_at: datetime, now: datetime) -> datetime:
        return check_in_deadline(policy, starts_at, now)

    async def _check_rules(
        self,
        place: DeskPlace,
        employee: Employee,
        day: date,
        period: Period,
        ends_at: datetime,
        ignore: UUID | None = None,
    ) -> None:
        now = self.context.now()
        check_bookable(place.desk)
        check_working_day(place.site, day)
        check_not_past(place.site, day, ends_at, now)
        check_horizon(place.site, place.policy, day, now)
        await check_not_closed(await self.session.connection(), place.site, day, place.zone.id)
        check_accessible_hold(place.policy, place.desk, employee, day, local_today(place.site, now))
        await check_attendance_cap(self.session, place.site, place.policy, employee, day, ignore)
        if place.zone.occupancy_cap is not None:
            # Serialise bookings into a capped zone so two of them cannot both take the last place.
            await self.session.execute(select(Zone.id).where(Zone.id == place.zone.id).with_for_update())
            await check_zone_cap(self.session, place.zone, day, period, ignore)
        await self._check_free(place, employee, day, period, ignore)

    async def _check_free(
        self, place: DeskPlace, employee: Employee, day: date, period: Period, ignore: UUID | None
    ) -> None:
        """A friendly early answer; the database's unique keys are what really guarantee it."""
        taken = select(DeskSlot.id).where(
            DeskSlot.desk_id == place.desk.id, DeskSlot.day == day, DeskSlot.half.in_(period.halves)
        )
        mine = select(DeskSlot).where(
            DeskSlot.employee_id == employee.id, DeskSlot.day == day, DeskSlot.half.in_(period.halves)
        )
        if ignore is not None:
            taken = taken.where(DeskSlot.booking_id != ignore)
            mine = mine.where(DeskSlot.booking_id != ignore)
        if await self.session.scalar(taken.limit(1)) is not None:
            raise await self._desk_taken(place, day, period)
        existing = await self.session.scalar(mine.limit(1))
        if existing is not None:
            raise await self._already_booked(employee, existing.booking_id, day)

    async def _flush(self, place: DeskPlace, employee: Employee, day: date, period: Period) -> None:
        """Flush the new slots; a unique-key violation means someone else got there first."""
        # A failed flush expires what the session loaded, so read the names for the message first.
        desk_code, name = place.desk.code, employee.name
        try:
            await self.session.flush()
        except IntegrityError as error:
            message = str(error.orig)
            if "uq_desk_slot_employee" in message or "desk_slot.employee_id" in message:
                raise _already_booked(name, None, day) from error
            if "uq_desk_slot_desk" in message or "desk_slot.desk_id" in message:
                raise _desk_taken(desk_code, day, period, []) from error
            raise

    async def _desk_taken(self, place: DeskPlace, day: date, period: Period) -> RuleRefused:
        alternatives = await queries.nearest_free_desks(
            await self.session.connection(), place.desk, day, period
        )
        return _desk_taken(place.desk.code, day, period, alternatives)

    async def _taken_meanwhile(
        self, connection: AsyncConnection, facts: queries.BookingFacts, day: date, period: Period
    ) -> RuleRefused:
        """A unique key refused a slot: the desk, or the person, was booked since the rules read."""
        mine = await connection.scalar(
            select(DeskSlot.booking_id)
            .where(DeskSlot.employee_id == facts.employee.id, DeskSlot.day == day)
            .where(DeskSlot.half.in_(period.halves))
            .limit(1)
        )
        if mine is not None:
            return _already_booked(facts.employee.name, mine, day)
        alternatives = await queries.nearest_free_desks(connection, facts.desk, day, period)
        return _desk_taken(facts.desk.code, day, period, alternatives)

    async def _already_booked(self, employee: Employee, booking_id: UUID | None, day: date) -> RuleRefused:
        return _already_booked(employee.name, booking_id, day)

    async def _end(self, booking: Booking, status: BookingStatus) -> None:
        end_booking(booking, status, self.context.now())
        await self.session.flush()


def _desk_taken(code: str, day: date, period: Period, alternatives: list[dict[str, Any]]) -> RuleRefused:
    hint = " Nearest free desks in the same zone are listed." if alternatives else ""
    return RuleRefused(
        "desk-taken",
        "Desk is taken",
        f"Desk {code} is already booked on {day} ({period.value}).{hint}",
        message_id="desk-taken.with-alternatives" if alternatives else "desk-taken",
        params={"desk": code, "day": day.isoformat(), "period": period.value},
        alternatives=alternatives,
        clash=True,
    )


def _already_booked(name: str, booking_id: UUID | None, day: date) -> RuleRefused:
    extra: dict[str, Any] = {"existing_booking_id": str(booking_id)} if booking_id else {}
    return RuleRefused(
        "already-booked",
        "Already booked",
        f"{name} already has a desk on {day} for that time; move that booking instead",
        params={"name": name, "day": day.isoformat()},
        **extra,
        clash=True,
    )


def check_in_deadline(policy: Policy, starts_at: datetime, now: datetime) -> datetime:
    """When a booking made `now` that starts at `starts_at` is released unless checked in."""
    # Booked after the start (a walk-in at 10:00): the deadline runs from the booking.
    return max(starts_at, now) + timedelta(minutes=policy.checkin_deadline_minutes_after)


def check_in_window(booking: Booking, policy: Policy) -> tuple[datetime, datetime]:
    """When a booking can be checked in: from the policy's minutes before it starts until its deadline."""
    return booking.starts_at - timedelta(minutes=policy.checkin_opens_minutes_before), booking.check_in_by


def check_in_is_open(booking: Booking, policy: Policy, now: datetime) -> bool:
    """Whether `check_in` would accept the booking now (pages offer "Check in" only then)."""
    opens, closes = check_in_window(booking, policy)
    return booking.status is BookingStatus.BOOKED and opens <= now <= closes


def end_booking(booking: Booking, status: BookingStatus, now: datetime) -> None:
    """End a booking (cancelled or released): its desk is free again and calendars get a CANCEL."""
    booking.status, booking.ended_at = status, now
    booking.sequence += 1  # a CANCEL must carry a higher SEQUENCE than the invite it cancels
    booking.slots = []


def _slots(desk_id: UUID, employee_id: UUID, day: date, period: Period) -> list[DeskSlot]:
    return [DeskSlot(desk_id=desk_id, employee_id=employee_id, day=day, half=half) for half in period.halves]


async def release_no_shows(session: AsyncSession, now: datetime, calendar: CalendarConfig) -> list[Booking]:
    """Release every booking not checked in by its deadline; running it again releases nothing more.

    Each released booking queues a CANCEL, so the person's calendar stops showing a desk they lost.
    """
    due = list(
        await session.scalars(
            select(Booking)
            .where(Booking.status == BookingStatus.BOOKED, Booking.check_in_by <= now)
            .options(selectinload(Booking.slots))
            .with_for_update(skip_locked=True)
        )
    )
    if not due:
        return []
    for booking in due:
        end_booking(booking, BookingStatus.RELEASED, now)
    await session.flush()
    for booking in due:
        await announce_desk_booking(session, booking, calendar, now, "Released (no check-in)")
    return due


__all__ = (
    "DeskBookings",
    "Half",
    "NewDeskBooking",
    "SeriesOutcome",
    "check_in_deadline",
    "check_in_is_open",
    "check_in_window",
    "release_no_shows",
)
