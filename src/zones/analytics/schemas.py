"""Occupancy figures as they leave Zones: JSON over HTTP, `zones analytics --json`, CSV and charts.

Every figure carries its denominator next to it (desks, bookable half-days, people present), so a
reader can redo the arithmetic; shares are fractions (0.75), never percentages.
"""

from __future__ import annotations

import enum
from datetime import date
from uuid import UUID

import msgspec


class Grouping(enum.StrEnum):
    """What one row of the analysis is about."""

    ZONE = "zone"
    FLOOR = "floor"
    TEAM = "team"
    """Teams own no desks: desk figures (utilisation, sharing, m²) stay empty for them."""
    DAY = "day"
    """The whole site, one row per day."""


class ThresholdRead(msgspec.Struct, frozen=True):
    """A densification threshold of the site's policy, with its source."""

    metric: str
    name: str
    direction: str
    warning: float | None
    breach: float | None
    unit: str
    source: str
    counted_height_max_m: float | None = None


class ThresholdCheck(msgspec.Struct, frozen=True):
    """The worst day's figure for one metric against one threshold (None: no day had anyone in)."""

    metric: str
    figure: float | None
    day: date | None
    severity: str | None
    """`warning`, `breach`, or None when the figure is within the threshold."""
    warning: float | None
    breach: float | None
    unit: str
    source: str


class DayFigures(msgspec.Struct, frozen=True):
    """One group on one day."""

    day: date
    desks: int | None
    """Bookable desks (None for a team)."""
    planned: int
    """People the plan seats here on this day."""
    booked: int
    """Bookings made and not cancelled: booked, checked in, or released as no-shows."""
    checked_in: int
    released: int
    """No-shows: booked, never checked in, released at the deadline."""
    booked_half_days: int
    """Desk half-days taken by a booking (a released no-show's too; a desk half counts once)."""
    bookable_half_days: int | None
    utilisation: float | None
    """booked_half_days ÷ bookable_half_days."""
    present: int
    """People who came: checked in at least once here on this day."""
    sharing_ratio: float | None
    """present ÷ desks."""
    m2_per_person: float | None
    m3_per_person: float | None
    """Air per person, the ceiling counted up to the air threshold's height if it has one."""


class WeekFigures(msgspec.Struct, frozen=True):
    """One group over one ISO week (only the days inside the range)."""

    week: str
    """ISO week, e.g. `2026-W49`."""
    days: int
    booked_half_days: int
    bookable_half_days: int | None
    utilisation: float | None
    checked_in: int
    released: int


class AttendanceBand(msgspec.Struct, frozen=True):
    """How many people came in below, within and above their band: counts only, never names.

    A person's band is the policy's share (e.g. 40–60 %) of their contracted working days in the
    range: working days × contracted share × min and max share. Attended days are days checked in.
    """

    people: int
    below: int
    within: int
    above: int
    min_share: float
    max_share: float
    working_days: int


class GroupFigures(msgspec.Struct, frozen=True):
    """One zone, floor, team or the whole site over the range."""

    key: str
    name: str
    desks: int | None
    area_m2: float | None
    """Floor area of the zones with bookable desks (workshop-only zones are not desk space)."""
    days: list[DayFigures]
    planned: int
    booked: int
    checked_in: int
    released: int
    no_show_share: float | None
    """released ÷ booked."""
    average_utilisation: float | None
    """All booked half-days ÷ all bookable half-days over the range."""
    peak_utilisation: float | None
    peak_day: date | None
    average_sharing_ratio: float | None
    """Mean over the days of people present ÷ desks."""
    checks: list[ThresholdCheck]
    weeks: list[WeekFigures]
    weekdays: dict[str, float | None]
    """Mean utilisation per weekday (`mon` …), the weekday profile."""
    attendance: AttendanceBand | None = None
    """The band counts of a team's members (teams only)."""


class Occupancy(msgspec.Struct, frozen=True):
    """Planned against booked against used, for a site and a range of days."""

    site_id: UUID
    site_key: str
    site_name: str
    by: Grouping
    starts_on: date
    ends_on: date
    days: list[date]
    """The site's working days in the range (plus any other day someone booked)."""
    plan_id: UUID | None
    plan_basis: str
    """Which plan the `planned` figures come from, and why that one."""
    thresholds: list[ThresholdRead]
    groups: list[GroupFigures]
    attendance: AttendanceBand
    """Everyone whose home site this is."""
