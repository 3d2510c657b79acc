"""From a plan to bookings: a dry run of what would change, and applying it in one transaction.

What applying a plan does (`POST /plans/{id}/apply`, `zones plan apply`):

- Only a finished plan has seats to apply: one that is done, or one cancelled after it had found a
  complete plan (`best_found`). Queued, running and failed plans, and cancelled ones without seats,
  answer 409 `/problems/plan-not-applicable`.
- Each seat (a person, a day, a desk) becomes a full-day desk booking marked as made from the plan
  (`booking.plan_id`), with its half-day slots and a REQUEST invite with the booking's lifelong UID
  queued in the outbox, exactly as a booking made by hand; all of them in one transaction.
- Existing bookings always win, and the plan never moves or cancels one. A seat is **kept** (left
  alone) when the person already has an active booking that day (`own-booking`: made by hand or
  from another plan), or when this plan already gave them a booking for it: still there
  (`applied`), moved to another desk or day (`moved`), `cancelled` or `released`. People's own
  changes stand, so applying twice books nothing new and queues no invite.
- A seat that cannot be booked is a **conflict**, named by the booking rule that refuses it. Those
  caused by bookings made since the plan, or by desks taken out of use, **block**: a new plan would
  seat the person elsewhere. They are `desk-taken` (someone else holds the desk that day),
  `zone-full` (the zone's occupancy cap is reached), `attendance-cap` (the person's own bookings
  that week already use the office days the policy allows) and `desk-not-bookable`. The others
  are skipped and never block, since no plan can change them: `closed` (a public holiday or a
  closure), `not-a-working-day`, `in-the-past` and `person-gone` (no longer active).
- A blocking conflict refuses the whole apply: 409 `/problems/plan-conflicts` listing the
  conflicts, and nothing is written. Plan again, or apply with `skip_conflicts` to book everything
  else and report the skipped seats. A dry run answers the same report without writing anything.
- The booking horizon and the hold on accessible desks ration first-come booking; a plan is the
  planner's allocation of its weeks (people who need an accessible desk are already seated at
  one), so neither applies to it.
- The database has the last word. A hand booking of a planned desk committed between the reads and
  the inserts makes the desk's unique key refuse the plan's slot: the whole transaction rolls back
  and the answer is 409 `/problems/plan-conflicts` (apply again: the seat then shows as a conflict).
- On PostgreSQL the apply locks the plan (a second apply of it waits, then finds every seat kept),
  the people it books (their own bookings at the same moment wait, so the weekly cap holds) and
  the zones with an occupancy cap, and takes the shared hold on each of its days that every booking
  takes (`closures.days`): a closure being added waits for the apply and then cancels what it
  booked, or the apply waits for the closure and then skips its days. SQLite's one writer at a
  time gives the same.
- The first apply records when and by whom (`plan.applied_at`, `plan.applied_by_id`).

`GET /plans/{id}/outcome` sets what people kept of an applied plan beside what was planned: the
plan's bookings as planned, moved, cancelled or released, and its KPIs recomputed on the bookings
still held.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Literal, cast
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy import Select, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased
from uuid_utils.compat import uuid7

from zones.auth import Principal
from zones.auth.middleware import requires_planner
from zones.bookings.desks import NewDeskBooking, check_in_deadline
from zones.bookings.queries import BOOKING, OUTBOX, SLOT
from zones.bookings.rules import (
    check_bookable,
    check_not_past,
    check_working_day,
    closed_refusal,
    weekly_day_cap,
)
from zones.bookings.times import iso_week_days, period_bounds
from zones.calendar.events import CalendarConfig, Person, Place, lifelong_uid
from zones.calendar.outbox import desk_invite_row
from zones.closures.days import DAY_LOCKS, closed_on, day_lock, holiday_on
from zones.errors import Conflict, NotFound, RuleRefused
from zones.models import (
    ACTIVE_STATUSES,
    Activity,
    Booking,
    BookingStatus,
    Closure,
    Desk,
    DeskSlot,
    Employee,
    Floor,
    Half,
    Period,
    Plan,
    PlanSeat,
    PlanStatus,
    Policy,
    Site,
    Zone,
)
from zones.optimizer import planning
from zones.optimizer.planning.plan import DayActivity
from zones.plans.scenario_from_db import stored_plan
from zones.server.problems import problem_responses
from zones.server.state import AppState

ConflictKind = Literal[
    "desk-taken",
    "zone-full",
    "attendance-cap",
    "desk-not-bookable",
    "closed",
    "not-a-working-day",
    "in-the-past",
    "person-gone",
]
BLOCKING: frozenset[str] = frozenset({"desk-taken", "zone-full", "attendance-cap", "desk-not-bookable"})
"""Conflicts that refuse an apply without `skip_conflicts`: a new plan would seat the person elsewhere."""
KeptReason = Literal["own-booking", "applied", "moved", "cancelled", "released"]
APPLY_DESCRIPTION = (
    "Each seat becomes a full-day booking marked with the plan, with its invite queued, all in one"
    " transaction. Existing bookings always win: a seat whose person already has a booking that day"
    " (or whose booking from this plan exists in any state) is kept, so applying twice books nothing"
    " new. A seat whose desk someone else holds, whose zone is full, whose person's week is full or"
    " whose desk is out of use blocks the apply (409 plan-conflicts, nothing written) unless"
    " skip_conflicts is set; closed days, past days and people who left are skipped and reported."
)
INVITE_VERB = "Booked"
"""The invite says what a hand booking's says: the person has a desk that day."""


# --- what the API answers --------------------------------------------------------------------------


class SeatBooking(msgspec.Struct):
    """A booking the plan makes (in a dry run: would make): the planned desk for the whole day."""

    employee_id: UUID
    name: str
    day: date
    desk_id: UUID
    desk_code: str
    zone_id: UUID
    zone_name: str
    period: Period
    booking_id: UUID | None
    """The new booking; None in a dry run."""


class KeptSeat(msgspec.Struct):
    """A planned seat left alone because a booking already stands for the person that day."""

    employee_id: UUID
    name: str
    day: date
    planned_desk_code: str
    reason: KeptReason
    """`own-booking`: the person booked that day themselves (or another plan did); `applied`,
    `moved`, `cancelled`, `released`: this plan's booking for the seat, as the person left it."""
    booking_id: UUID
    desk_code: str
    """The desk of the booking that stands."""
    status: BookingStatus


class SeatConflict(msgspec.Struct):
    """A planned seat that cannot be booked, and why."""

    employee_id: UUID
    name: str
    day: date
    desk_id: UUID
    desk_code: str
    kind: ConflictKind
    """The booking rule that refuses it (the same codes a refused booking answers with)."""
    blocking: bool
    """Whether it refuses the apply unless conflicts are skipped."""
    detail: str
    booking_id: UUID | None = None
    """For `desk-taken`: the booking that holds the desk."""


class ApplyCounts(msgspec.Struct):
    """How many seats the plan has, and what became of each."""

    planned: int
    created: int
    """Bookings made (in a dry run: that would be made)."""
    kept: int
    conflicts: int
    blocking: int
    """Conflicts that refuse the apply unless they are skipped."""
    invites_queued: int


class PlanApplyRead(msgspec.Struct):
    """What applying a plan did (or, in a dry run, would do), seat by seat."""

    plan_id: UUID
    dry_run: bool
    skip_conflicts: bool
    applied: bool
    """Whether bookings were written (never in a dry run)."""
    counts: ApplyCounts
    created: list[SeatBooking]
    kept: list[KeptSeat]
    conflicts: list[SeatConflict]
    applied_at: datetime | None
    """When the plan was first applied."""
    applied_by_id: UUID | None


class OutcomeCounts(msgspec.Struct):
    """The plan's seats and bookings, by what people did with them."""

    planned_seats: int
    applied: int
    """Bookings made from the plan (in any state)."""
    active: int
    """Of those, still holding a desk."""
    as_planned: int
    """Active, on the planned day at the planned desk."""
    moved: int
    """Active, but moved by the person to another desk or day (moving keeps the plan's mark)."""
    checked_in: int
    cancelled: int
    released: int
    """Released because nobody checked in."""
    not_applied: int
    """Planned seats with no booking from the plan (skipped, or the plan not applied yet)."""


class OutcomeFigure(msgspec.Struct):
    """A headline figure, as planned and as kept."""

    name: str
    description: str
    planned: float
    kept: float


class OutcomeBooking(msgspec.Struct):
    """An active booking made from the plan, and the seat it was planned as."""

    booking_id: UUID
    employee_id: UUID
    name: str
    day: date
    desk_code: str
    zone_name: str
    status: BookingStatus
    planned_day: date | None
    planned_desk_code: str | None
    as_planned: bool


class PlanOutcomeRead(msgspec.Struct):
    """What people kept of an applied plan: its bookings by state and its KPIs, planned vs kept."""

    plan_id: UUID
    status: PlanStatus
    starts_on: date
    ends_on: date
    applied_at: datetime | None
    applied_by_id: UUID | None
    counts: OutcomeCounts
    figures: list[OutcomeFigure]
    """Share of person-weeks inside the attendance band, team gathering days, person-days."""
    kpis_stored: dict[str, float]
    """The KPIs stored when the plan was made."""
    kpis_planned: dict[str, float]
    """The plan's KPIs recomputed on today's office (people who left and closed days drop out)."""
    kpis_kept: dict[str, float]
    """The same KPIs of the bookings from the plan that still hold a desk."""
    bookings: list[OutcomeBooking]
    """The active bookings from the plan on the plan's days."""


# --- reading a plan's seats and the bookings around them -------------------------------------------


@dataclass(frozen=True)
class _Seat:
    """A planned seat with what deciding about it needs (one row of `_seat_facts`)."""

    employee_id: UUID
    day: date
    desk_id: UUID
    activity: str
    name: str
    email: str
    active: bool
    contracted_share: float
    desk_code: str
    desk_bookable: bool
    desk_site_id: UUID
    zone_id: UUID
    zone_name: str
    zone_activity: Activity
    zone_cap: int | None
    floor_id: UUID
    floor_name: str
    taken_by: UUID | None
    """Someone else's booking holding the desk (a half or all of the day)."""


@dataclass(frozen=True)
class _Booking:
    """A booking as the apply and the outcome compare it with seats."""

    id: UUID
    employee_id: UUID
    day: date
    desk_id: UUID
    desk_code: str
    status: BookingStatus
    plan_id: UUID | None


def _seat_facts(plan_id: UUID) -> Select[*tuple[Any, ...]]:
    """The plan's seats with the person, the desk's place now, and whether someone else holds the
    desk that day (one statement, however many seats)."""
    place = aliased(Zone, name="place_zone")
    taken_by = (
        select(DeskSlot.booking_id)
        .where(
            DeskSlot.desk_id == PlanSeat.desk_id,
            DeskSlot.day == PlanSeat.day,
            DeskSlot.employee_id != PlanSeat.employee_id,
        )
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            PlanSeat.employee_id,
            PlanSeat.day,
            PlanSeat.desk_id,
            PlanSeat.activity,
            Employee.name,
            Employee.email,
            Employee.active,
            Employee.contracted_share,
            Desk.code,
            Desk.bookable,
            Desk.site_id,
            place.id,
            place.name,
            place.activity,
            place.occupancy_cap,
            place.floor_id,
            Floor.name,
            taken_by,
        )
        .join(Employee, Employee.id == PlanSeat.employee_id)
        .join(Desk, Desk.id == PlanSeat.desk_id)
        .join(place, place.id == Desk.zone_id)
        .join(Floor, Floor.id == place.floor_id)
        .where(PlanSeat.plan_id == plan_id)
        .order_by(PlanSeat.employee_id, PlanSeat.day)
    )


def _plan_people(plan_id: UUID) -> Select[Any]:
    return select(PlanSeat.employee_id).where(PlanSeat.plan_id == plan_id).distinct()


async def _read_seats(session: AsyncSession, plan_id: UUID) -> list[_Seat]:
    # Plain rows from the connection: the ORM's result handling cost more than the query itself.
    connection = await session.connection()
    rows = (await connection.execute(_seat_facts(plan_id))).all()
    return [_Seat(*row) for row in rows]


async def _bookings(session: AsyncSession, statement: Select[Any]) -> list[_Booking]:
    connection = await session.connection()
    rows = await connection.execute(
        statement.with_only_columns(
            Booking.id,
            Booking.employee_id,
            Booking.day,
            Booking.desk_id,
            Desk.code,
            Booking.status,
            Booking.plan_id,
        ).join(Desk, Desk.id == Booking.desk_id)
    )
    return [_Booking(*row) for row in rows.all()]


async def _plan_bookings(session: AsyncSession, plan_id: UUID) -> list[_Booking]:
    """Every booking made from the plan, in any state, wherever people moved it."""
    return await _bookings(session, select(Booking).where(Booking.plan_id == plan_id))


async def _active_bookings_of_people(
    session: AsyncSession, plan_id: UUID, first: date, last: date
) -> list[_Booking]:
    """The active bookings of the plan's people in the ISO weeks of `first` to `last`."""
    monday, sunday = iso_week_days(first)[0], iso_week_days(last)[1]
    return await _bookings(
        session,
        select(Booking).where(
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.day.between(monday, sunday),
            Booking.employee_id.in_(_plan_people(plan_id)),
        ),
    )


def match_bookings(
    seats: Iterable[tuple[UUID, date]], bookings: Iterable[_Booking]
) -> dict[tuple[UUID, date], _Booking]:
    """Which of the plan's bookings stands for which seat (person, day).

    A booking on its seat's day matches it (an active one first); a seat left over matches a
    booking of the same person left over, which the person moved to another day. So a seat matched
    once stays matched, whatever the person did with its booking since.
    """
    by_person: dict[UUID, list[_Booking]] = defaultdict(list)
    for booking in sorted(bookings, key=lambda b: (b.day, not b.status.active, b.id)):
        by_person[booking.employee_id].append(booking)
    seats_by_person: dict[UUID, list[date]] = defaultdict(list)
    for person, day in seats:
        seats_by_person[person].append(day)
    matched: dict[tuple[UUID, date], _Booking] = {}
    for person, days in seats_by_person.items():
        left = by_person.get(person, [])
        if not left:
            continue
        unmatched_days = []
        for day in sorted(days):
            same_day = next((b for b in left if b.day == day), None)
            if same_day is None:
                unmatched_days.append(day)
            else:
                matched[person, day] = same_day
                left.remove(same_day)
        for day, booking in zip(unmatched_days, left, strict=False):
            matched[person, day] = booking
    return matched


# --- deciding -------------------------------------------------------------------------------------


@dataclass
class _Decisions:
    """Each seat's fate: created, kept or in conflict."""

    created: list[tuple[_Seat, NewDeskBooking]] = field(default_factory=list)
    kept: list[KeptSeat] = field(default_factory=list)
    conflicts: list[SeatConflict] = field(default_factory=list)

    @property
    def blocking(self) -> list[SeatConflict]:
        return [c for c in self.conflicts if c.blocking]


def _conflict(seat: _Seat, kind: ConflictKind, detail: str, booking_id: UUID | None = None) -> SeatConflict:
    return SeatConflict(
        employee_id=seat.employee_id,
        name=seat.name,
        day=seat.day,
        desk_id=seat.desk_id,
        desk_code=seat.desk_code,
        kind=kind,
        blocking=kind in BLOCKING,
        detail=detail,
        booking_id=booking_id,
    )


def _kept(seat: _Seat, reason: KeptReason, booking: _Booking) -> KeptSeat:
    return KeptSeat(
        employee_id=seat.employee_id,
        name=seat.name,
        day=seat.day,
        planned_desk_code=seat.desk_code,
        reason=reason,
        booking_id=booking.id,
        desk_code=booking.desk_code,
        status=booking.status,
    )


def _kept_reason(seat: _Seat, booking: _Booking) -> KeptReason:
    if booking.status is BookingStatus.CANCELLED:
        return "cancelled"
    if booking.status is BookingStatus.RELEASED:
        return "released"
    return "applied" if (booking.day, booking.desk_id) == (seat.day, seat.desk_id) else "moved"


@dataclass
class _Office:
    """The plan's site and policy, and what the apply reads of the office around its seats."""

    plan: Plan
    site: Site
    policy: Policy
    closed: dict[tuple[date, UUID], RuleRefused] = field(default_factory=dict)
    """(day, zone) → why it is closed."""
    zone_slots: Counter[tuple[UUID, date, Half]] = field(default_factory=Counter)
    """Slots held in capped zones, by zone, day and half."""


async def _closed_days(
    connection: AsyncConnection, site: Site, seats: Sequence[_Seat], first: date, last: date
) -> dict[tuple[date, UUID], RuleRefused]:
    """Why each closed (day, zone) of the seats is closed. The site's closures in the plan's range
    are read once; each place one of them (or a public holiday) may close is then asked about
    once, as a booking asks (`closures.days.closed_on`)."""
    closures = (
        await connection.execute(
            select(Closure.starts_on, Closure.ends_on, Closure.floor_id, Closure.zone_id).where(
                Closure.site_id == site.id, Closure.starts_on <= last, Closure.ends_on >= first
            )
        )
    ).all()

    def may_be_closed(day: date, zone_id: UUID, floor_id: UUID) -> bool:
        return holiday_on(site.country, day) is not None or any(
            starts_on <= day <= ends_on
            and (closed_zone, closed_floor) in ((None, None), (zone_id, None), (None, floor_id))
            for starts_on, ends_on, closed_floor, closed_zone in closures
        )

    closed: dict[tuple[date, UUID], RuleRefused] = {}
    for day, zone_id, floor_id in sorted({(seat.day, seat.zone_id, seat.floor_id) for seat in seats}):
        if may_be_closed(day, zone_id, floor_id) and (
            why := await closed_on(connection, site.id, day, zone_id)
        ):
            closed[day, zone_id] = closed_refusal(why)
    return closed


async def _zone_slots(
    session: AsyncSession, seats: Sequence[_Seat], first: date, last: date
) -> Counter[tuple[UUID, date, Half]]:
    """Slots already held in the zones with an occupancy cap that the plan seats people in."""
    capped = {s.zone_id for s in seats if s.zone_cap is not None}
    if not capped:
        return Counter()
    rows = await session.execute(
        select(Desk.zone_id, DeskSlot.day, DeskSlot.half, func.count())
        .join(Desk, Desk.id == DeskSlot.desk_id)
        .where(Desk.zone_id.in_(capped), DeskSlot.day.between(first, last))
        .group_by(Desk.zone_id, DeskSlot.day, DeskSlot.half)
    )
    return Counter({(zone_id, day, half): held for zone_id, day, half, held in rows.all()})


def _decide(
    office: _Office,
    seats: Sequence[_Seat],
    plan_bookings: Sequence[_Booking],
    active: Sequence[_Booking],
    *,
    now: datetime,
    applied_by: UUID | None,
    calendar: CalendarConfig,
) -> _Decisions:
    """Each seat's fate, in the order the rules are listed in the module's docstring."""
    site, policy, plan_id = office.site, office.policy, office.plan.id
    matched = match_bookings(((s.employee_id, s.day) for s in seats), plan_bookings)
    own: dict[tuple[UUID, date], _Booking] = {}
    week_days: dict[tuple[UUID, date], set[date]] = defaultdict(set)
    for booking in sorted(active, key=lambda b: b.id):
        own.setdefault((booking.employee_id, booking.day), booking)
        week_days[booking.employee_id, iso_week_days(booking.day)[0]].add(booking.day)
    zone_slots = Counter(office.zone_slots)
    bounds = {day: period_bounds(site, day, Period.FULL) for day in {s.day for s in seats}}
    caps: dict[UUID, int] = {}
    decisions = _Decisions()
    for seat in seats:  # by person, then day: a week's later days meet the cap first
        key = (seat.employee_id, seat.day)
        if (from_plan := matched.get(key)) is not None:
            decisions.kept.append(_kept(seat, _kept_reason(seat, from_plan), from_plan))
            continue
        if (standing := own.get(key)) is not None:
            decisions.kept.append(_kept(seat, "own-booking", standing))
            continue
        starts_at, ends_at = bounds[seat.day]
        refusal = _refusal(office, seat, ends_at, now)
        if refusal is not None:
            decisions.conflicts.append(_conflict(seat, cast(ConflictKind, refusal.rule), refusal.detail))
            continue
        if seat.taken_by is not None:
            detail = f"Desk {seat.desk_code} is already booked by someone else on {seat.day}"
            decisions.conflicts.append(_conflict(seat, "desk-taken", detail, seat.taken_by))
            continue
        week = week_days[seat.employee_id, iso_week_days(seat.day)[0]]
        if seat.employee_id not in caps:
            person = Employee(contracted_share=seat.contracted_share)
            caps[seat.employee_id] = weekly_day_cap(site, policy, person)
        if len(week) >= caps[seat.employee_id]:
            detail = (
                f"{seat.name} already has {len(week)} office days in week {seat.day:%G-W%V};"
                f" the policy allows {caps[seat.employee_id]}"
            )
            decisions.conflicts.append(_conflict(seat, "attendance-cap", detail))
            continue
        if seat.zone_cap is not None and any(
            zone_slots[seat.zone_id, seat.day, half] >= seat.zone_cap for half in Period.FULL.halves
        ):
            detail = f"{seat.zone_name} is at its occupancy cap of {seat.zone_cap} on {seat.day}"
            decisions.conflicts.append(_conflict(seat, "zone-full", detail))
            continue
        week.add(seat.day)
        for half in Period.FULL.halves:
            zone_slots[seat.zone_id, seat.day, half] += 1
        booking_id = uuid7()
        decisions.created.append(
            (
                seat,
                NewDeskBooking(
                    id=booking_id,
                    uid=lifelong_uid("desk-booking", booking_id, calendar),
                    site_id=site.id,
                    desk_id=seat.desk_id,
                    employee_id=seat.employee_id,
                    created_by_id=applied_by,
                    series_id=None,
                    plan_id=plan_id,
                    day=seat.day,
                    period=Period.FULL,
                    starts_at=starts_at,
                    ends_at=ends_at,
                    status=BookingStatus.BOOKED,
                    check_in_by=check_in_deadline(policy, starts_at, now),
                    sequence=0,
                    created_at=now,
                    updated_at=now,
                    desk_code=seat.desk_code,
                    zone_name=seat.zone_name,
                ),
            )
        )
    return decisions


def _refusal(office: _Office, seat: _Seat, ends_at: datetime, now: datetime) -> RuleRefused | None:
    """The booking rule that refuses the seat whoever else books, if one does."""
    if not seat.active:
        return RuleRefused(
            "person-gone",
            "Person is gone",
            f"{seat.name} is no longer active",
            params={"name": seat.name},
        )
    try:
        check_working_day(office.site, seat.day)
        check_not_past(office.site, seat.day, ends_at, now)
        if (closed := office.closed.get((seat.day, seat.zone_id))) is not None:
            raise closed
        if seat.desk_site_id != office.site.id:
            raise RuleRefused(
                "desk-not-bookable",
                "Desk is not bookable",
                f"Desk {seat.desk_code} is no longer at {office.site.name}",
                params={"desk": seat.desk_code},
            )
        check_bookable(Desk(code=seat.desk_code, bookable=seat.desk_bookable))
    except RuleRefused as refusal:
        return refusal
    return None


# --- writing --------------------------------------------------------------------------------------

HOLD_DAYS_SHARED = text(
    "SELECT pg_advisory_xact_lock_shared(CAST(:namespace AS integer), d)"
    " FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS d"
).bindparams(namespace=DAY_LOCKS)
"""PostgreSQL: the shared hold every booking takes on its day (`closures.days`), on each of the
plan's days at once."""


async def _lock(session: AsyncSession, plan: Plan) -> None:
    """PostgreSQL: lock the plan's people and the site's capped zones (in id order, as bookings
    lock them: person, then zone), and hold its days, before anything the decisions read."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return  # SQLite: this transaction is the one writer already
    await connection.execute(
        select(Employee.id)
        .where(Employee.id.in_(_plan_people(plan.id)))
        .order_by(Employee.id)
        .with_for_update()
    )
    await connection.execute(
        HOLD_DAYS_SHARED, {"first": day_lock(plan.starts_on), "last": day_lock(plan.ends_on)}
    )
    await connection.execute(
        select(Zone.id)
        .where(Zone.site_id == plan.site_id, Zone.occupancy_cap.is_not(None))
        .order_by(Zone.id)
        .with_for_update()
    )


def _slot_insert(dialect: str) -> Any:
    """INSERT of half-day slots that skips any a unique key refuses, answering the booking of each
    slot stored: a booking short of its slots lost its desk to someone else meanwhile."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(SLOT).on_conflict_do_nothing().returning(SLOT.c.booking_id)


SLOT_INSERTS = {dialect: _slot_insert(dialect) for dialect in ("postgresql", "sqlite")}
BOOKINGS_INSERT = BOOKING.insert().returning(BOOKING.c.id)
INVITES_INSERT = OUTBOX.insert().returning(OUTBOX.c.id)


async def _write(
    session: AsyncSession,
    office: _Office,
    created: list[tuple[_Seat, NewDeskBooking]],
    calendar: CalendarConfig,
    now: datetime,
) -> None:
    """Insert the bookings, their slots and their invites: three set-based statements."""
    if not created:
        return
    connection = await session.connection()
    site = office.site
    # RETURNING makes SQLAlchemy send the rows as a few multi-row INSERTs ("insertmanyvalues")
    # instead of one execution per row: several times faster on PostgreSQL.
    await connection.execute(BOOKINGS_INSERT, [booking.values() for _, booking in created])
    slots = [
        {
            "id": uuid7(),
            "booking_id": booking.id,
            "desk_id": booking.desk_id,
            "employee_id": booking.employee_id,
            "day": booking.day,
            "half": half,
            "created_at": now,
            "updated_at": now,
        }
        for _, booking in created
        for half in booking.period.halves
    ]
    held = Counter((await connection.execute(SLOT_INSERTS[connection.dialect.name], slots)).scalars())
    lost = [seat for seat, booking in created if held[booking.id] < len(booking.period.halves)]
    if lost:
        raise Conflict(
            "plan-conflicts",
            "Booked meanwhile",
            f"{len(lost)} planned desk(s) were booked by someone else while the plan was being"
            " applied; nothing was applied. Apply again to see them as conflicts.",
            message_id="plan-conflicts.meanwhile",
            params={"conflicts": len(lost)},
            conflicts=[
                msgspec.to_builtins(
                    _conflict(seat, "desk-taken", f"Desk {seat.desk_code} was booked meanwhile on {seat.day}")
                )
                for seat in lost
            ],
            retryable=True,
        )
    invites = []
    for seat, booking in created:
        place = Place(
            site.name,
            seat.floor_name,
            seat.zone_name,
            seat.zone_activity,
            f"Desk {seat.desk_code}",
            site.timezone,
        )
        invite = desk_invite_row(booking, place, Person(seat.email, seat.name), calendar, now, INVITE_VERB)
        invites.append({"id": uuid7(), "created_at": now, "updated_at": now, **invite})
    await connection.execute(INVITES_INSERT, invites)


# --- the service ----------------------------------------------------------------------------------


async def _applicable_plan(session: AsyncSession, plan_id: UUID, *, lock: bool) -> Plan:
    statement = select(Plan).where(Plan.id == plan_id)
    if lock:
        statement = statement.with_for_update()
    plan = await session.scalar(statement)
    if plan is None:
        raise NotFound.of("plan", plan_id)
    if plan.status is PlanStatus.DONE or (plan.status is PlanStatus.CANCELLED and plan.best_found):
        return plan
    why = {
        PlanStatus.QUEUED: "it has not started yet",
        PlanStatus.RUNNING: "it is still running",
        PlanStatus.FAILED: "it failed",
        PlanStatus.CANCELLED: "it was cancelled before it found a complete plan",
    }[plan.status]
    raise Conflict(
        "plan-not-applicable",
        "Plan cannot be applied",
        f"Plan {plan.id} has no seats to apply: {why}. Apply a finished plan.",
        params={"plan_id": str(plan.id), "status": plan.status.value},
        plan_status=plan.status.value,
    )


async def apply_plan(
    session: AsyncSession,
    plan_id: UUID,
    *,
    applied_by: UUID | None,
    now: datetime,
    calendar: CalendarConfig,
    dry_run: bool = False,
    skip_conflicts: bool = False,
) -> PlanApplyRead:
    """Turn the plan's seats into bookings and invites inside the caller's write transaction, or
    (`dry_run`) only say what that would do. See the module's docstring for the rules.

    Raises `Conflict` (`plan-conflicts`) when a conflict blocks and `skip_conflicts` is not set,
    or when a desk was booked by someone else meanwhile: the caller's transaction then rolls back.
    """
    plan = await _applicable_plan(session, plan_id, lock=not dry_run)
    if not dry_run:
        await _lock(session, plan)
    site = await session.get_one(Site, plan.site_id)
    policy = await session.scalar(select(Policy).where(Policy.site_id == site.id))
    if policy is None:
        raise NotFound(f"{site.name} has no booking policy", message_id="not-found.policy")
    seats = await _read_seats(session, plan.id)
    connection = await session.connection()
    office = _Office(plan, site, policy)
    office.closed = await _closed_days(connection, site, seats, plan.starts_on, plan.ends_on)
    office.zone_slots = await _zone_slots(session, seats, plan.starts_on, plan.ends_on)
    plan_bookings = await _plan_bookings(session, plan.id)
    active = await _active_bookings_of_people(session, plan.id, plan.starts_on, plan.ends_on)
    decisions = _decide(
        office, seats, plan_bookings, active, now=now, applied_by=applied_by, calendar=calendar
    )
    blocking = decisions.blocking
    if blocking and not skip_conflicts and not dry_run:
        raise Conflict(
            "plan-conflicts",
            "The plan conflicts with bookings",
            f"{len(blocking)} planned seat(s) clash with bookings or desks changed since the plan was"
            " made; nothing was applied. Plan again, or apply with skip_conflicts to book the rest.",
            params={"conflicts": len(blocking)},
            conflicts=[msgspec.to_builtins(c) for c in decisions.conflicts],
            counts=msgspec.to_builtins(_counts(seats, decisions, invites=0)),
        )
    if not dry_run:
        await _write(session, office, decisions.created, calendar, now)
        if plan.applied_at is None:
            plan.applied_at, plan.applied_by_id = now, applied_by
        await session.flush()
    return _report(plan, seats, decisions, dry_run=dry_run, skip_conflicts=skip_conflicts)


def _counts(seats: Sequence[_Seat], decisions: _Decisions, invites: int) -> ApplyCounts:
    return ApplyCounts(
        planned=len(seats),
        created=len(decisions.created),
        kept=len(decisions.kept),
        conflicts=len(decisions.conflicts),
        blocking=len(decisions.blocking),
        invites_queued=invites,
    )


def _report(
    plan: Plan, seats: Sequence[_Seat], decisions: _Decisions, *, dry_run: bool, skip_conflicts: bool
) -> PlanApplyRead:
    def order(item: Any) -> tuple[date, str, UUID]:
        return item.day, item.name, item.employee_id

    created = [
        SeatBooking(
            employee_id=seat.employee_id,
            name=seat.name,
            day=seat.day,
            desk_id=seat.desk_id,
            desk_code=seat.desk_code,
            zone_id=seat.zone_id,
            zone_name=seat.zone_name,
            period=booking.period,
            booking_id=None if dry_run else booking.id,
        )
        for seat, booking in decisions.created
    ]
    return PlanApplyRead(
        plan_id=plan.id,
        dry_run=dry_run,
        skip_conflicts=skip_conflicts,
        applied=not dry_run,
        counts=_counts(seats, decisions, invites=0 if dry_run else len(created)),
        created=sorted(created, key=order),
        kept=sorted(decisions.kept, key=order),
        conflicts=sorted(decisions.conflicts, key=order),
        applied_at=plan.applied_at,
        applied_by_id=plan.applied_by_id,
    )


# --- the outcome ----------------------------------------------------------------------------------


def inside_band_share(scenario: planning.Scenario, plan: planning.Plan) -> float:
    """Share of person-weeks with office days inside the person's attendance band (e.g. 40–60 %,
    pro-rated for part-time and leave)."""
    facts = planning.scenario_facts(scenario)
    in_office = set(plan.seats)
    inside = total = 0
    for person in facts.people:
        for week, days in facts.weeks.items():
            low, high = facts.band(person, week)
            came = sum(1 for day in days if (person, day) in in_office)
            inside += low <= came <= high
            total += 1
    return inside / total if total else 1.0


def outcome_figures(
    scenario: planning.Scenario,
    planned: planning.Plan,
    kept: planning.Plan,
    planned_kpis: planning.PlanKpis,
    kept_kpis: planning.PlanKpis,
) -> list[OutcomeFigure]:
    """The headline figures of a plan beside those of the bookings kept of it (with the KPIs of
    both, `planning.plan_kpis`)."""
    return [
        OutcomeFigure(
            "inside_attendance_band",
            "Share of person-weeks with office days inside the attendance band",
            inside_band_share(scenario, planned),
            inside_band_share(scenario, kept),
        ),
        OutcomeFigure(
            "team_overlap_days_met",
            "Share of team-weeks that got all their wanted days with every available member in",
            planned_kpis.team_overlap_days_met,
            kept_kpis.team_overlap_days_met,
        ),
        OutcomeFigure(
            "teams_with_an_all_in_day",
            "Share of team-weeks with a day every available member is in",
            planned_kpis.teams_with_an_all_in_day,
            kept_kpis.teams_with_an_all_in_day,
        ),
        OutcomeFigure(
            "person_days",
            "Office days (people × days) on the plan's open days",
            float(planned_kpis.office_days),
            float(kept_kpis.office_days),
        ),
    ]


async def plan_outcome(session: AsyncSession, plan_id: UUID) -> PlanOutcomeRead:
    """What people kept of the plan, beside what was planned (see the module's docstring)."""
    row = await session.get(Plan, plan_id)
    if row is None:
        raise NotFound.of("plan", plan_id)
    seats = (
        await session.execute(
            select(PlanSeat.employee_id, PlanSeat.day, PlanSeat.desk_id, PlanSeat.activity, Desk.code)
            .join(Desk, Desk.id == PlanSeat.desk_id)
            .where(PlanSeat.plan_id == plan_id)
        )
    ).all()
    planned = {(person, day): (desk_id, activity, code) for person, day, desk_id, activity, code in seats}
    bookings = await _plan_bookings(session, plan_id)
    matched = match_bookings(planned, bookings)
    seat_of = {booking.id: key for key, booking in matched.items()}
    details = {
        booking_id: (zone_key, zone_name, name)
        for booking_id, zone_key, zone_name, name in (
            await session.execute(
                select(Booking.id, Zone.key, Zone.name, Employee.name)
                .join(Desk, Desk.id == Booking.desk_id)
                .join(Zone, Zone.id == Desk.zone_id)
                .join(Employee, Employee.id == Booking.employee_id)
                .where(Booking.plan_id == plan_id)
            )
        ).all()
    }

    def as_planned(booking: _Booking) -> bool:
        key = seat_of.get(booking.id)
        return key is not None and booking.day == key[1] and booking.desk_id == planned[key][0]

    active = [b for b in bookings if b.status.active]
    counts = OutcomeCounts(
        planned_seats=len(planned),
        applied=len(bookings),
        active=len(active),
        as_planned=sum(1 for b in active if as_planned(b)),
        moved=sum(1 for b in active if not as_planned(b)),
        checked_in=sum(1 for b in bookings if b.status is BookingStatus.CHECKED_IN),
        cancelled=sum(1 for b in bookings if b.status is BookingStatus.CANCELLED),
        released=sum(1 for b in bookings if b.status is BookingStatus.RELEASED),
        not_applied=len(planned) - len(matched),
    )
    stored = await stored_plan(session, plan_id)
    assert stored is not None
    scenario = stored.scenario
    people = {e.key for e in scenario.employees}
    kept_seats = {}
    for booking in active:
        person = str(booking.employee_id)
        if person in people and booking.day in scenario.days:
            key = seat_of.get(booking.id)
            activity = cast(DayActivity, planned[key][1] if key is not None else "flex")
            kept_seats[person, booking.day] = planning.Seat(
                details[booking.id][0], booking.desk_code, activity
            )
    kept = planning.Plan(scenario=scenario.name, planner="kept", seats=kept_seats)
    planned_kpis = planning.plan_kpis(scenario, stored.plan)
    kept_kpis = planning.plan_kpis(scenario, kept)
    shown = [b for b in active if row.starts_on <= b.day <= row.ends_on]
    return PlanOutcomeRead(
        plan_id=row.id,
        status=row.status,
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        applied_at=row.applied_at,
        applied_by_id=row.applied_by_id,
        counts=counts,
        figures=outcome_figures(scenario, stored.plan, kept, planned_kpis, kept_kpis),
        kpis_stored={
            name: float(value)
            for name, value in (row.kpis or {}).get("plan", {}).items()
            if isinstance(value, int | float)
        },
        kpis_planned=planned_kpis.as_dict(),
        kpis_kept=kept_kpis.as_dict(),
        bookings=sorted(
            (
                OutcomeBooking(
                    booking_id=b.id,
                    employee_id=b.employee_id,
                    name=details[b.id][2],
                    day=b.day,
                    desk_code=b.desk_code,
                    zone_name=details[b.id][1],
                    status=b.status,
                    planned_day=seat_of[b.id][1] if b.id in seat_of else None,
                    planned_desk_code=planned[seat_of[b.id]][2] if b.id in seat_of else None,
                    as_planned=as_planned(b),
                )
                for b in shown
            ),
            key=lambda b: (b.day, b.name, b.booking_id),
        ),
    )


# --- over HTTP ------------------------------------------------------------------------------------


class PlanApplyController(Controller):
    """Turning a plan into bookings and invites (planners and admins)."""

    path = "/plans"
    tags = ["Planning"]
    guards = [requires_planner]

    @post(
        "/{plan_id:uuid}/apply",
        operation_id="applyPlan",
        summary="Book the plan's seats (or, with dry_run, say what that would do)",
        description=APPLY_DESCRIPTION,
        status_code=200,
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def apply(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        plan_id: FromPath[UUID],
        dry_run: Annotated[bool, QueryParameter(description="Only report what would change")] = False,
        skip_conflicts: Annotated[
            bool, QueryParameter(description="Book everything else when seats conflict")
        ] = False,
    ) -> PlanApplyRead:
        return await apply_plan(
            session,
            plan_id,
            applied_by=request.user.employee_id,
            now=app_state.clock(),
            calendar=app_state.calendar,
            dry_run=dry_run,
            skip_conflicts=skip_conflicts,
        )

    @get(
        "/{plan_id:uuid}/outcome",
        operation_id="getPlanOutcome",
        summary="What people kept of an applied plan, and its KPIs planned vs kept",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def outcome(
        self, session: NamedDependency[AsyncSession], plan_id: FromPath[UUID]
    ) -> PlanOutcomeRead:
        return await plan_outcome(session, plan_id)


__all__ = (
    "ApplyCounts",
    "KeptSeat",
    "PlanApplyController",
    "PlanApplyRead",
    "PlanOutcomeRead",
    "SeatBooking",
    "SeatConflict",
    "apply_plan",
    "inside_band_share",
    "match_bookings",
    "outcome_figures",
    "plan_outcome",
)
