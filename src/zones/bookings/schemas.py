"""Request and response bodies for bookings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from zones.models import Booking, BookingStatus, Period, RoomBooking, RoomBookingStatus
from zones.text import SingleLine
from zones.weekdays import Weekday

Email = Annotated[SingleLine, msgspec.Meta(min_length=1, max_length=320)]
"""An e-mail address: one line of text here; its form is checked (422) by the booking rules."""


class BookingCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Book a desk for a day, a morning or an afternoon."""

    desk_id: UUID
    day: date
    period: Period = Period.FULL
    employee_id: UUID | None = None
    """Book for someone else (planners and admins only)."""


class BookingMove(msgspec.Struct, forbid_unknown_fields=True):
    """Change a booking's desk, day or period in one step; omitted fields stay."""

    desk_id: UUID | None = None
    day: date | None = None
    period: Period | None = None


class SeriesCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Book the same desk every given weekday from `starts_on` until `until` (inclusive)."""

    desk_id: UUID
    weekdays: Annotated[list[Weekday], msgspec.Meta(min_length=1, max_length=7)]
    starts_on: date
    until: date
    period: Period = Period.FULL
    employee_id: UUID | None = None


class BookingRead(msgspec.Struct):
    """A desk booking."""

    id: UUID
    employee_id: UUID
    site_id: UUID
    desk_id: UUID
    desk_code: str
    zone_name: str
    day: date
    period: Period
    starts_at: datetime
    ends_at: datetime
    status: BookingStatus
    check_in_by: datetime
    checked_in_at: datetime | None
    series_id: UUID | None
    sequence: int

    @classmethod
    def of(cls, booking: Booking, desk_code: str, zone_name: str) -> BookingRead:
        return cls(
            id=booking.id,
            employee_id=booking.employee_id,
            site_id=booking.site_id,
            desk_id=booking.desk_id,
            desk_code=desk_code,
            zone_name=zone_name,
            day=booking.day,
            period=booking.period,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            status=booking.status,
            check_in_by=booking.check_in_by,
            checked_in_at=booking.checked_in_at,
            series_id=booking.series_id,
            sequence=booking.sequence,
        )


class Alternative(msgspec.Struct, omit_defaults=True):
    """Somewhere else the person could go instead."""

    desk_id: str | None = None
    room_id: str | None = None
    code: str | None = None
    name: str | None = None
    distance_m: float | None = None
    capacity: int | None = None


class Conflict(msgspec.Struct):
    """An occurrence of a series that could not be booked, and why."""

    day: date
    rule: str
    title: str
    detail: str
    alternatives: list[Alternative] = []


class SeriesRead(msgspec.Struct):
    """What a recurring booking created and what it could not."""

    series_id: UUID
    booked: list[BookingRead]
    conflicts: list[Conflict]


class RoomBookingCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Book a workshop room; times without an offset are read in the site's time zone."""

    room_id: UUID
    title: Annotated[SingleLine, msgspec.Meta(min_length=1, max_length=200)]
    starts_at: datetime
    ends_at: datetime
    attendees: Annotated[list[Email], msgspec.Meta(max_length=500)] = []
    organiser_id: UUID | None = None


class AttendeesUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The new attendee list (the organiser always attends)."""

    attendees: Annotated[list[Email], msgspec.Meta(max_length=500)]


class AttendeeRead(msgspec.Struct):
    """Someone invited to a room booking."""

    email: str
    name: str
    employee_id: UUID | None


class RoomBookingRead(msgspec.Struct):
    """A workshop room booking."""

    id: UUID
    room_id: UUID
    site_id: UUID
    organiser_id: UUID
    title: str
    starts_at: datetime
    ends_at: datetime
    status: RoomBookingStatus
    sequence: int
    attendees: list[AttendeeRead]

    @classmethod
    def of(cls, booking: RoomBooking) -> RoomBookingRead:
        return cls(
            id=booking.id,
            room_id=booking.room_id,
            site_id=booking.site_id,
            organiser_id=booking.organiser_id,
            title=booking.title,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            status=booking.status,
            sequence=booking.sequence,
            attendees=[AttendeeRead(a.email, a.name, a.employee_id) for a in booking.attendees],
        )


class DeskAvailability(msgspec.Struct):
    """A desk for the asked day and period."""

    desk_id: UUID
    code: str
    attributes: list[str]
    x_m: float | None
    y_m: float | None
    free: bool
    taken_by: str | None
    """Shown only when the colleague shares their presence."""


class ZoneAvailabilityRead(msgspec.Struct):
    """A zone's desks and how full it is."""

    zone_id: UUID
    zone_key: str
    zone_name: str
    activity: str
    bookable_desks: int
    taken_desks: int
    free_desks: int
    utilisation: float
    desks: list[DeskAvailability]


class AvailabilityRead(msgspec.Struct):
    """Desks per zone for one day and period."""

    site_id: UUID
    day: date
    period: Period
    zones: list[ZoneAvailabilityRead]


class PresenceRead(msgspec.Struct):
    """A teammate who is in."""

    employee_id: UUID
    name: str
    zone: str
    desk: str
    period: Period
    checked_in: bool


class TeamPresenceRead(msgspec.Struct):
    """Who of a team is in; `hidden` counts those who do not share their presence."""

    team_id: UUID
    team: str
    present: list[PresenceRead]
    hidden: int


class WhosInRead(msgspec.Struct):
    """Who of the caller's teams is in on a day."""

    day: date
    teams: list[TeamPresenceRead]


class MeRead(msgspec.Struct):
    """The authenticated caller."""

    employee_id: UUID
    email: str
    name: str
    role: str
    shares_presence: bool
    """Whether colleagues see that I am in, and where."""


class MeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """What a person may change about themselves."""

    shares_presence: bool


class SeatRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Find me a seat: book the best free desk for the day's activity."""

    day: date
    period: Period = Period.FULL
    activity: Literal["focus", "team"] = "focus"
    """`focus`: a quiet zone; `team`: a collaboration zone, the team's neighbourhood first."""
    employee_id: UUID | None = None
    """Find a seat for someone else (planners and admins only)."""


class SeatRead(msgspec.Struct):
    """The booking made, and why this desk."""

    booking: BookingRead
    reason: Literal["quiet-zone", "team-neighbourhood", "collaboration-zone", "other-activity"]
    near: list[str]
    """Teammates who are in that day (and share it), nearest first."""


request_bodies: list[type[msgspec.Struct]] = [
    BookingCreate,
    SeatRequest,
    BookingMove,
    SeriesCreate,
    RoomBookingCreate,
    AttendeesUpdate,
]
