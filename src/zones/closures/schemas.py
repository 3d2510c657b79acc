"""Request and response bodies for closures and public holidays."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from zones.models.closure import REASON_LENGTH
from zones.text import SingleLine

Reason = Annotated[SingleLine, msgspec.Meta(min_length=1, max_length=REASON_LENGTH)]
"""Why the place is closed, in one line: the people whose bookings it cancels are told it."""


class ClosureCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Close the site, one floor or one zone from `starts_on` to `ends_on` (both included)."""

    starts_on: date
    reason: Reason
    ends_on: date | None = None
    """The last closed day; omitted, only `starts_on` is closed."""
    floor_id: UUID | None = None
    """Close only this floor of the site (not together with `zone_id`)."""
    zone_id: UUID | None = None
    """Close only this zone of the site (not together with `floor_id`)."""


class ClosureRead(msgspec.Struct):
    """A closure a planner added."""

    id: UUID
    site_id: UUID
    starts_on: date
    ends_on: date
    floor_id: UUID | None
    zone_id: UUID | None
    place: str
    """What is closed: the site's, the floor's or the zone's name."""
    reason: str
    created_by_id: UUID | None
    created_at: datetime


class ClosureCreated(msgspec.Struct):
    """The closure added, and how many bookings it cancelled (each person was sent a CANCEL)."""

    closure: ClosureRead
    cancelled_bookings: int
    """Desk bookings cancelled."""
    cancelled_room_bookings: int
    """Room bookings cancelled."""


class ClosedRead(msgspec.Struct):
    """A closed stretch of days: a public holiday of the site's country, or a closure."""

    kind: Literal["holiday", "closure"]
    starts_on: date
    ends_on: date
    name: str
    """The holiday's name, or the closure's reason."""
    place: str
    """The site's name, or the closed floor's or zone's name."""
    id: UUID | None = None
    """The closure's id (holidays have none)."""
    floor_id: UUID | None = None
    zone_id: UUID | None = None
