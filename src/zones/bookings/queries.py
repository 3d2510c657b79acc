"""The statements of the desk-booking hot path, in SQLAlchemy Core: few round trips, no object graphs.

A booking costs, after BEGIN: one statement that reads everything its rules need (and locks the
person, so their own concurrent bookings queue behind each other), one INSERT of the booking that
re-checks the weekly and zone caps inside the database, one INSERT of its half-day slots that the
unique keys may refuse, and one INSERT into the outbox; then COMMIT. A capped zone adds one lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    Table,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from zones.closures.days import DAY_LOCK_SHARED, day_lock
from zones.models import (
    ACTIVE_STATUSES,
    OFFICE_VERSION,
    Booking,
    Desk,
    DeskSlot,
    Employee,
    Half,
    OutboxMessage,
    Period,
    Policy,
    Site,
    Zone,
)
from zones.office.layout import LayoutCache


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


BOOKING, SLOT, DESK, ZONE = _table(Booking), _table(DeskSlot), _table(Desk), _table(Zone)
EMPLOYEE = _table(Employee)


@dataclass(frozen=True)
class BookingFacts:
    """What the rules of one desk booking read: the person from one statement, the desk's place
    from the layout cache."""

    desk: Desk
    zone: Zone
    floor_name: str
    site: Site
    policy: Policy
    employee: Employee
    other_days: int
    """Other days of that ISO week the person already has an active booking on."""
    desk_taken: bool
    """Whether the desk is booked for any half of the period."""
    own_booking_id: UUID | None
    """The person's booking that already holds a half of the period, if any."""


ACTIVE = BOOKING.c.status.in_([literal_column(f"'{status.value}'") for status in ACTIVE_STATUSES])
"""The booking holds its desk (written into the SQL: no parameters to expand on every execution)."""


def _halves() -> ColumnElement[bool]:
    """The slot is a half of the period: `:first_half` and `:last_half` are equal for a half-day."""
    return SLOT.c.half.in_([bindparam("first_half"), bindparam("last_half")])


def halves(period: Period) -> dict[str, Half]:
    """The parameters `_halves()` asks for."""
    return {"first_half": period.halves[0], "last_half": period.halves[-1]}


def _facts_statement() -> Select[Any]:
    other_days = (
        select(func.count(BOOKING.c.day.distinct()))
        .where(
            BOOKING.c.employee_id == bindparam("employee_id"),
            ACTIVE,
            BOOKING.c.day.between(bindparam("monday"), bindparam("sunday")),
            BOOKING.c.day != bindparam("day"),
        )
        .scalar_subquery()
    )
    desk_taken = exists().where(
        SLOT.c.desk_id == bindparam("desk_id"), SLOT.c.day == bindparam("day"), _halves()
    )
    own_booking = (
        select(SLOT.c.booking_id)
        .where(
            SLOT.c.employee_id == bindparam("employee_id"),
            SLOT.c.day == bindparam("day"),
            _halves(),
        )
        .limit(1)
        .scalar_subquery()
    )
    version = select(OFFICE_VERSION.c.version).where(OFFICE_VERSION.c.id == 1).scalar_subquery()
    return (
        select(
            EMPLOYEE.c.id,
            EMPLOYEE.c.name,
            EMPLOYEE.c.email,
            EMPLOYEE.c.needs,
            EMPLOYEE.c.contracted_share,
            other_days,
            desk_taken,
            own_booking,
            version,
        )
        .where(EMPLOYEE.c.id == bindparam("employee_id"), EMPLOYEE.c.active.is_(True))
        # Locking the person serialises their own concurrent bookings (the weekly cap counts them).
        .with_for_update()
    )


FACTS = _facts_statement()
FACTS_HOLDING_THE_DAY = FACTS.add_columns(DAY_LOCK_SHARED)
"""PostgreSQL: the same read also takes the booking's shared hold on its day (`closures.days`), so
a closure being added waits for it, at no extra round trip."""


async def booking_facts(
    connection: AsyncConnection,
    places: LayoutCache,
    desk_id: UUID,
    employee_id: UUID,
    day: date,
    period: Period,
    week: tuple[date, date],
) -> BookingFacts | Literal["no-desk", "no-employee"]:
    """Everything the booking's rules need: the person (locked), their week and day, whether the
    desk is free, and the desk's place from this process's cache (checked against the office version
    read in the same statement)."""
    parameters = {
        "desk_id": desk_id,
        "employee_id": employee_id,
        "day": day,
        **halves(period),
        "monday": week[0],
        "sunday": week[1],
        "day_lock": day_lock(day),
    }
    statement = FACTS_HOLDING_THE_DAY if connection.dialect.name == "postgresql" else FACTS
    row = (await connection.execute(statement, parameters)).one_or_none()
    if row is None:
        return "no-employee"
    employee_id, name, email, needs, contracted_share, other_days, desk_taken, own_booking, version = row[:9]
    place = await places.desk_place(connection, desk_id, version)
    if place is None:
        return "no-desk"
    return BookingFacts(
        desk=place.desk,
        zone=place.zone,
        floor_name=place.floor_name,
        site=place.site,
        policy=place.policy,
        employee=Employee(
            id=employee_id,
            name=name,
            email=email,
            needs=needs,
            contracted_share=contracted_share,
            active=True,
        ),
        other_days=other_days,
        desk_taken=bool(desk_taken),
        own_booking_id=own_booking,
    )


BOOKING_COLUMNS = tuple(
    column
    for column in BOOKING.columns
    if column.name not in ("sa_orm_sentinel", "checked_in_at", "ended_at")
)
"""The columns a new booking sets."""


def _guarded_booking_insert(dialect: str, zone_capped: bool) -> Insert:
    """INSERT the booking only if the person's other office days that week stay under the weekly cap
    (and, in a capped zone, no half of the period is full): checked by the database, after the locks.
    """
    values: list[ColumnElement[Any]] = [bindparam(c.name, type_=c.type) for c in BOOKING_COLUMNS]
    if dialect == "postgresql":  # a parameter in a SELECT list has no type of its own there
        values = [cast(value, c.type) for value, c in zip(values, BOOKING_COLUMNS, strict=True)]
    other_days = (
        select(func.count(BOOKING.c.day.distinct()))
        .where(
            BOOKING.c.employee_id == bindparam("employee_id"),
            ACTIVE,
            BOOKING.c.day.between(bindparam("monday"), bindparam("sunday")),
            BOOKING.c.day != bindparam("day"),
        )
        .scalar_subquery()
    )
    guard: ColumnElement[bool] = other_days < bindparam("week_cap")
    if zone_capped:
        full_half = (
            select(SLOT.c.half)
            .select_from(SLOT.join(DESK, DESK.c.id == SLOT.c.desk_id))
            .where(
                DESK.c.zone_id == bindparam("zone_id"),
                SLOT.c.day == bindparam("day"),
                _halves(),
            )
            .group_by(SLOT.c.half)
            .having(func.count() >= bindparam("zone_cap"))
        )
        guard = and_(guard, ~exists(full_half))
    return (
        BOOKING.insert()
        .from_select([c.name for c in BOOKING_COLUMNS], select(*values).where(guard))
        .returning(BOOKING.c.id)
    )


SQLITE_BOOKING_INSERTS = {capped: _guarded_booking_insert("sqlite", capped) for capped in (False, True)}
"""SQLite's guarded booking INSERT, for zones without and with an occupancy cap (PostgreSQL's is
part of `BOOKING_AT_ONCE`)."""
LOCK_ZONE = select(ZONE.c.id).where(ZONE.c.id == bindparam("zone_id")).with_for_update()


SQLITE_SLOT_INSERT = sqlite.insert(SLOT).on_conflict_do_nothing().returning(SLOT.c.half)
"""SQLite's INSERT of the half-day slots, skipping any a unique key refuses: fewer rows back means
the desk or the person was booked meanwhile (PostgreSQL's is part of `BOOKING_AT_ONCE`)."""

OUTBOX = _table(OutboxMessage)
OUTBOX_COLUMNS = tuple(
    c for c in OUTBOX.columns if c.name not in ("sa_orm_sentinel", "last_error", "sent_at")
)
"""The columns an invite sets; `outbox_<name>` are their parameters in `BOOKING_AT_ONCE`."""


def _typed(name: str, column: Any) -> ColumnElement[Any]:
    return cast(bindparam(name, type_=column.type), column.type)


def _booking_at_once(zone_capped: bool) -> Select[Any]:
    """PostgreSQL: the guarded booking, its slots and its invite in one statement (data-modifying
    CTEs), answering how many bookings (0 or 1) and how many slots it stored. No slot stored for a
    half means the desk or the person was booked meanwhile: the caller rolls the whole change back.
    """
    booked = _guarded_booking_insert("postgresql", zone_capped).cte("booked")
    slot_columns = ("id", "booking_id", "desk_id", "employee_id", "day", "half", "created_at", "updated_at")

    def slot(id_name: str, half_name: str) -> Select[Any]:
        return select(
            _typed(id_name, SLOT.c.id),
            booked.c.id,
            _typed("desk_id", SLOT.c.desk_id),
            _typed("employee_id", SLOT.c.employee_id),
            _typed("day", SLOT.c.day),
            _typed(half_name, SLOT.c.half),
            _typed("created_at", SLOT.c.created_at),
            _typed("updated_at", SLOT.c.updated_at),
        ).select_from(booked)

    last_half = slot("last_slot_id", "last_half").where(
        _typed("last_half", SLOT.c.half) != _typed("first_half", SLOT.c.half)
    )
    held = (
        postgresql.insert(SLOT)
        .from_select(slot_columns, union_all(slot("first_slot_id", "first_half"), last_half))
        .on_conflict_do_nothing()
        .returning(SLOT.c.half)
        .cte("held")
    )
    invite_values = [
        booked.c.id if c.name == "booking_id" else _typed(f"outbox_{c.name}", c) for c in OUTBOX_COLUMNS
    ]
    invited = (
        OUTBOX.insert()
        .from_select([c.name for c in OUTBOX_COLUMNS], select(*invite_values).select_from(booked))
        .cte("invited")
    )
    return select(
        select(func.count()).select_from(booked).scalar_subquery(),
        select(func.count()).select_from(held).scalar_subquery(),
    ).add_cte(invited)


BOOKING_AT_ONCE = {capped: _booking_at_once(capped) for capped in (False, True)}
"""PostgreSQL's one-statement booking, for zones without and with an occupancy cap."""


def desk_is_free(day: date, period: Period) -> ColumnElement[bool]:
    """The desk (of the enclosing query) holds no half of the period.

    A count per desk, on purpose: PostgreSQL turns NOT EXISTS into an anti-join, and while a rush
    fills `desk_slot` faster than its statistics follow, it then scanned all of the day's slots
    once per desk (12 ms at 2,600 slots). A counting subquery stays one probe of the slots' unique
    key per desk, whatever the statistics say."""
    held = (
        select(func.count())
        .where(SLOT.c.desk_id == DESK.c.id, SLOT.c.day == day, SLOT.c.half.in_(period.halves))
        .scalar_subquery()
    )
    return held == 0


async def nearest_free_desks(
    connection: AsyncConnection, desk: Desk, day: date, period: Period, limit: int = 3
) -> list[dict[str, Any]]:
    """Free bookable desks in the same zone, nearest first (by floor-plan distance), then by code."""
    statement = select(DESK.c.id, DESK.c.code, DESK.c.x_m, DESK.c.y_m).where(
        DESK.c.zone_id == desk.zone_id,
        DESK.c.bookable.is_(True),
        DESK.c.id != desk.id,
        desk_is_free(day, period),
    )
    if desk.x_m is not None and desk.y_m is not None:
        dx, dy = DESK.c.x_m - literal(desk.x_m), DESK.c.y_m - literal(desk.y_m)
        unplaced = case((DESK.c.x_m.is_(None) | DESK.c.y_m.is_(None), 1), else_=0)
        statement = statement.order_by(unplaced, dx * dx + dy * dy, DESK.c.code)
    else:
        statement = statement.order_by(DESK.c.code)
    rows = (await connection.execute(statement.limit(limit))).all()
    return [
        {"desk_id": str(desk_id), "code": code, "distance_m": _distance(desk, x_m, y_m)}
        for desk_id, code, x_m, y_m in rows
    ]


def _distance(desk: Desk, x_m: float | None, y_m: float | None) -> float | None:
    if None in (desk.x_m, desk.y_m, x_m, y_m):
        return None
    return round(math.dist((desk.x_m, desk.y_m), (x_m, y_m)), 1)  # type: ignore[arg-type]


__all__ = (
    "BOOKING_AT_ONCE",
    "BOOKING_COLUMNS",
    "LOCK_ZONE",
    "SQLITE_BOOKING_INSERTS",
    "SQLITE_SLOT_INSERT",
    "BookingFacts",
    "Half",
    "booking_facts",
    "nearest_free_desks",
)
