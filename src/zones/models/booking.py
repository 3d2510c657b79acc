"""Desk bookings: a person on a desk for a day or half a day, and the slots they hold."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.engine.interfaces import ExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base, enum_column, json_list

if TYPE_CHECKING:
    from zones.models.desk import Desk
    from zones.models.employee import Employee


class Period(enum.StrEnum):
    """Which part of a day a desk booking covers."""

    FULL = "full"
    MORNING = "morning"
    AFTERNOON = "afternoon"

    @property
    def halves(self) -> tuple[Half, ...]:
        """The half-day slots the period occupies."""
        if self is Period.FULL:
            return (Half.AM, Half.PM)
        return (Half.AM,) if self is Period.MORNING else (Half.PM,)


class Half(enum.StrEnum):
    """A half-day slot: the unit the database keeps unique per desk and per person."""

    AM = "am"
    PM = "pm"


class BookingStatus(enum.StrEnum):
    """Where a booking is in its life."""

    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    RELEASED = "released"
    """Not checked in before the deadline; the desk was freed for others."""

    @property
    def active(self) -> bool:
        """Whether the booking holds its desk."""
        return self in (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)


ACTIVE_STATUSES = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN)

UID_LENGTH = 200


def fallback_uid(kind: str) -> Callable[[ExecutionContext], str]:
    """A UID for a row inserted without one (`<kind>-<id>`): the booking services always set the
    whole lifelong UID (`zones.calendar.events.lifelong_uid`) when they create a booking."""

    def default(context: ExecutionContext) -> str:
        return f"{kind}-{context.get_current_parameters()['id']}"  # type: ignore[attr-defined]

    return default


class BookingSeries(Base):
    """A weekly pattern (e.g. every Tuesday and Thursday until a date) that created bookings."""

    __tablename__ = "booking_series"
    __table_args__ = (CheckConstraint("starts_on <= until", name="starts_before_until"),)

    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    desk_id: Mapped[UUID] = mapped_column(ForeignKey("desk.id", ondelete="CASCADE"), index=True)
    period: Mapped[Period] = mapped_column(enum_column(Period))
    weekdays: Mapped[list[int]] = mapped_column(json_list())
    starts_on: Mapped[date]
    until: Mapped[date]
    created_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))


class Booking(Base):
    """One desk for one person on one day (or half-day), with its check-in and calendar state."""

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        Index("ix_booking_employee_day", "employee_id", "day"),
        Index("ix_booking_status_check_in_by", "status", "check_in_by"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    desk_id: Mapped[UUID] = mapped_column(ForeignKey("desk.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    created_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))
    series_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("booking_series.id", ondelete="SET NULL"), index=True
    )
    plan_id: Mapped[UUID | None] = mapped_column(ForeignKey("plan.id", ondelete="SET NULL"), index=True)
    """The plan this booking was made from (`POST /plans/{id}/apply`); None when made by hand."""
    day: Mapped[date]
    period: Mapped[Period] = mapped_column(enum_column(Period))
    starts_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[BookingStatus] = mapped_column(enum_column(BookingStatus), default=BookingStatus.BOOKED)
    check_in_by: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    """Unless checked in by then, the booking is released and the desk freed."""
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """When it was cancelled or released."""
    sequence: Mapped[int] = mapped_column(Integer(), default=0)
    """iCalendar SEQUENCE: raised on every change a calendar must see."""
    uid: Mapped[str] = mapped_column(String(UID_LENGTH), unique=True, default=fallback_uid("desk-booking"))
    """iCalendar UID, fixed when the booking is made: every invite, download and feed uses it."""

    desk: Mapped[Desk] = relationship(lazy="raise")
    employee: Mapped[Employee] = relationship(foreign_keys=[employee_id], lazy="raise")
    slots: Mapped[list[DeskSlot]] = relationship(
        back_populates="booking", cascade="all, delete-orphan", lazy="raise"
    )


class DeskSlot(Base):
    """A half-day a booking holds: exists only while the booking is active.

    The primary key (desk, day, half) makes a second booking of a desk impossible, and the unique
    key (employee, day, half) a second desk for one person; both hold under concurrent requests
    because the database, not a check before the insert, enforces them.
    """

    __tablename__ = "desk_slot"
    __table_args__ = (
        UniqueConstraint("desk_id", "day", "half", name="uq_desk_slot_desk"),
        UniqueConstraint("employee_id", "day", "half", name="uq_desk_slot_employee"),
    )

    booking_id: Mapped[UUID] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), index=True)
    desk_id: Mapped[UUID] = mapped_column(ForeignKey("desk.id", ondelete="CASCADE"))
    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    day: Mapped[date]
    half: Mapped[Half] = mapped_column(enum_column(Half, length=4))

    booking: Mapped[Booking] = relationship(back_populates="slots", lazy="raise")


class RoomBookingStatus(enum.StrEnum):
    """A workshop room booking is on or cancelled."""

    BOOKED = "booked"
    CANCELLED = "cancelled"


class RoomBooking(Base):
    """A workshop room for a time range, with an organiser and attendees.

    Overlapping bookings of one room are refused by the database: an exclusion constraint on
    PostgreSQL, a trigger on SQLite (see migration 0002).
    """

    __tablename__ = "room_booking"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        Index("ix_room_booking_room_starts", "room_id", "starts_at"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[UUID] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    organiser_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    status: Mapped[RoomBookingStatus] = mapped_column(
        enum_column(RoomBookingStatus), default=RoomBookingStatus.BOOKED
    )
    sequence: Mapped[int] = mapped_column(Integer(), default=0)
    uid: Mapped[str] = mapped_column(String(UID_LENGTH), unique=True, default=fallback_uid("room-booking"))
    """iCalendar UID, fixed when the booking is made (see `Booking.uid`)."""

    attendees: Mapped[list[RoomAttendee]] = relationship(
        back_populates="room_booking",
        cascade="all, delete-orphan",
        order_by="RoomAttendee.email",
        lazy="raise",
    )


class RoomAttendee(Base):
    """Someone invited to a workshop room booking."""

    __tablename__ = "room_attendee"
    __table_args__ = (UniqueConstraint("room_booking_id", "email", name="uq_room_attendee_email"),)

    room_booking_id: Mapped[UUID] = mapped_column(ForeignKey("room_booking.id", ondelete="CASCADE"))
    employee_id: Mapped[UUID | None] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))

    room_booking: Mapped[RoomBooking] = relationship(back_populates="attendees", lazy="raise")
