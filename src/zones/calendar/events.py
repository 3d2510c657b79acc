"""iCalendar objects for bookings, built with the icalendar library (never by formatting text).

Desk bookings are timed events in the site's office hours (a morning ends and an afternoon starts at
12:00), in the site's own time zone with its VTIMEZONE, and TRANSPARENT so they never block
free/busy. A recurring series is sent as one event per occurrence: each occurrence is a booking of
its own that can be moved, cancelled or released alone, and independent events are what every
client (Outlook, Google, Apple, Thunderbird) handles identically — RRULE with per-instance
exceptions sent by e-mail is where clients disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urlparse
from uuid import UUID
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vDuration
from icalendar.enums import STATUS, TRANSP

from zones import __version__
from zones.calendar.timezones import vtimezone
from zones.models import Activity, BookingStatus, RoomBooking

PRODID = f"-//Zones//Zones {__version__}//EN"
ACTIVITY_LABELS = {
    Activity.QUIET: "Quiet zone",
    Activity.COLLABORATION: "Collaboration zone",
    Activity.FACILITATION: "Facilitation zone",
}


@dataclass(frozen=True)
class CalendarConfig:
    """Who sends invites and where links point."""

    public_url: str = "http://127.0.0.1:8000"
    organizer: str = "bookings@zones.localhost"
    organizer_name: str = "Zones"

    @property
    def uid_domain(self) -> str:
        return urlparse(self.public_url).hostname or "zones.localhost"


@dataclass(frozen=True)
class Place:
    """Where a booking is, in words: for SUMMARY and LOCATION."""

    site: str
    floor: str
    zone: str
    activity: Activity
    spot: str
    """`Desk Q1-03` or the room's name."""
    timezone: str

    @property
    def location(self) -> str:
        return f"{self.site} / {self.floor} / {self.zone} / {self.spot}"


@dataclass(frozen=True)
class Person:
    """An attendee."""

    email: str
    name: str
    role: str = "REQ-PARTICIPANT"
    partstat: str = "ACCEPTED"


@dataclass(frozen=True)
class EventFacts:
    """Everything an event says, independent of how it is sent."""

    uid: str
    sequence: int
    summary: str
    location: str
    start: datetime
    end: datetime
    timezone: str
    url: str
    attendees: list[Person]
    transparent: bool
    cancelled: bool
    stamp: datetime
    description: str = ""
    categories: list[str] = field(default_factory=list)


class DeskBookingLike(Protocol):
    """What a desk booking's invite needs of it: an ORM `Booking`, or any light row with these fields."""

    @property
    def id(self) -> UUID: ...
    @property
    def uid(self) -> str: ...
    @property
    def sequence(self) -> int: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...
    @property
    def status(self) -> BookingStatus: ...


def lifelong_uid(kind: str, booking_id: UUID, config: CalendarConfig) -> str:
    """The UID a booking is created with and keeps for life: `desk-booking-<id>@<host of the public URL>`.

    It is stored with the booking, so changing ZONES_PUBLIC_URL later never gives a booking a
    second UID that its CANCEL would miss.
    """
    return f"{kind}-{booking_id}@{config.uid_domain}"


def desk_booking_facts(
    booking: DeskBookingLike, place: Place, attendee: Person, config: CalendarConfig, stamp: datetime
) -> EventFacts:
    """The event for a desk booking."""
    label = ACTIVITY_LABELS[place.activity]
    return EventFacts(
        uid=booking.uid,
        sequence=booking.sequence,
        summary=f"{place.spot} · {label}",
        location=place.location,
        start=booking.starts_at,
        end=booking.ends_at,
        timezone=place.timezone,
        url=f"{config.public_url}/bookings/{booking.id}",
        attendees=[attendee],
        transparent=True,
        cancelled=not booking.status.active,
        stamp=stamp,
        description=f"{label} ({place.zone}). Check in when you arrive; unclaimed desks are released.",
        categories=["Desk booking"],
    )


def room_booking_facts(
    booking: RoomBooking, place: Place, attendees: list[Person], config: CalendarConfig, stamp: datetime
) -> EventFacts:
    """The event for a workshop room booking."""
    return EventFacts(
        uid=booking.uid,
        sequence=booking.sequence,
        summary=f"{booking.title} · {place.spot}",
        location=place.location,
        start=booking.starts_at,
        end=booking.ends_at,
        timezone=place.timezone,
        url=f"{config.public_url}/room-bookings/{booking.id}",
        attendees=attendees,
        transparent=False,
        cancelled=booking.status.value == "cancelled",
        stamp=stamp,
        categories=["Workshop"],
    )


def event(facts: EventFacts, config: CalendarConfig, *, cancelled: bool | None = None) -> Event:
    """A VEVENT in the site's local time; `cancelled` overrides the status (a CANCEL to one attendee)."""
    zone = ZoneInfo(facts.timezone)
    organizer = vCalAddress.new(config.organizer, cn=config.organizer_name)
    attendees = [
        vCalAddress.new(p.email, cn=p.name, role=p.role, partstat=p.partstat, rsvp=False, cutype="INDIVIDUAL")
        for p in facts.attendees
    ]
    is_cancelled = facts.cancelled if cancelled is None else cancelled
    component = Event.new(
        uid=facts.uid,
        sequence=facts.sequence,
        summary=facts.summary,
        location=facts.location,
        start=facts.start.astimezone(zone),
        end=facts.end.astimezone(zone),
        stamp=facts.stamp,
        url=facts.url,
        organizer=organizer,
        attendees=attendees,
        description=facts.description or None,
        categories=facts.categories or (),
        status=STATUS.CANCELLED if is_cancelled else STATUS.CONFIRMED,
        transparency=TRANSP.TRANSPARENT if facts.transparent else TRANSP.OPAQUE,
    )
    return component


def calendar(
    method: str | None,
    events: list[Event],
    timezones: set[str],
    *,
    name: str | None = None,
    refresh_hours: int | None = None,
) -> Calendar:
    """A VCALENDAR around `events`, with a VTIMEZONE (yearly rules) for every TZID in `timezones`."""
    cal = Calendar.new(
        prodid=PRODID,
        method=method,
        name=name,
        refresh_interval=timedelta(hours=refresh_hours) if refresh_hours else None,
        subcomponents=[*(vtimezone(tzid) for tzid in sorted(timezones)), *events],
    )
    # Calendar.new gives the calendar a random UID; iTIP messages and feeds do without one.
    cal.pop("UID", None)
    if refresh_hours:
        # RFC 7986 requires the VALUE parameter; Outlook reads the older X-PUBLISHED-TTL.
        cal["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
        cal.add("X-PUBLISHED-TTL", vDuration(timedelta(hours=refresh_hours)))
    return cal


def to_text(cal: Calendar) -> str:
    """The calendar as RFC 5545 text (CRLF line ends, lines folded at 75 octets)."""
    text: str = cal.to_ical().decode("utf-8")
    return text
