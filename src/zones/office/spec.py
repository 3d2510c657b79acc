"""The shape of office and policy files, as msgspec structs that validate while they decode."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from msgspec import Meta, Struct, field

from zones.models import Activity, TeamKind, ThresholdDirection
from zones.text import SingleLine, Text, whole
from zones.weekdays import WORKING_WEEK, Weekday

KEY_PATTERN = whole(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
CLOCK_PATTERN = whole(r"([01]?\d|2[0-3]):[0-5]\d")
COUNTRY_PATTERN = whole(r"[A-Z]{2}")
ATTRIBUTE_PATTERN = whole(r"[a-z0-9][a-z0-9-]{0,39}")
COUNTRY_OR_ANY_PATTERN = whole(r"[A-Z]{2}|\*")

Key = Annotated[str, Meta(pattern=KEY_PATTERN)]
Code = Annotated[str, Meta(pattern=whole(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}"))]
Name = Annotated[SingleLine, Meta(min_length=1, max_length=200)]
Positive = Annotated[float, Meta(gt=0)]
Metres = Annotated[float, Meta(ge=0)]
Share = Annotated[float, Meta(ge=0, le=1)]
Count = Annotated[int, Meta(ge=0)]
Clock = Annotated[str, Meta(pattern=CLOCK_PATTERN)]
Country = Annotated[str, Meta(pattern=COUNTRY_PATTERN)]
CountryOrAny = Annotated[str, Meta(pattern=COUNTRY_OR_ANY_PATTERN)]
Attribute = Annotated[str, Meta(pattern=ATTRIBUTE_PATTERN)]


class Spec(Struct, forbid_unknown_fields=True, kw_only=True):
    """Base for file sections: unknown keys are errors, so typos never pass silently."""


class Outline(Spec):
    """A rectangle on the floor plan, in metres from the floor's origin."""

    x: Metres
    y: Metres
    width: Positive
    depth: Positive


class DeskSpec(Spec):
    """A desk in a zone."""

    code: Code
    x: Metres | None = None
    y: Metres | None = None
    attributes: list[Attribute] = []
    bookable: bool = True


class RoomSpec(Spec):
    """A workshop room in a facilitation zone."""

    code: Code
    name: Name
    capacity: Annotated[int, Meta(gt=0)]
    attributes: list[Attribute] = []
    bookable: bool = True


class ZoneSpec(Spec):
    """An activity zone with its area, ceiling height, desks and rooms."""

    key: Key
    name: Name
    activity: Activity
    area_m2: Positive
    ceiling_height_m: Positive
    occupancy_cap: Count | None = None
    neighbourhood: Key | None = None
    outline: Outline | None = None
    desks: list[DeskSpec] = []
    rooms: list[RoomSpec] = []


class FloorSpec(Spec):
    """A floor and its zones."""

    name: Name
    level: int
    width_m: Positive | None = None
    depth_m: Positive | None = None
    zones: list[ZoneSpec] = []


class SiteSpec(Spec):
    """The site: where it is, its time zone and its working week."""

    key: Key
    name: Name
    timezone: SingleLine
    country: Country
    working_days: list[Weekday] = field(default_factory=lambda: list(WORKING_WEEK))
    opens: Clock = "08:00"
    closes: Clock = "17:00"


class NeighbourhoodSpec(Spec):
    """A group of zones a team calls home."""

    key: Key
    name: Name


class TeamSpec(Spec):
    """A team or temporary circle, and how it wants to use the office."""

    name: Name
    kind: TeamKind = TeamKind.TEAM
    ends_on: date | None = None
    neighbourhood: Key | None = None
    overlap_days: Annotated[int, Meta(ge=0, le=7)] | None = None
    team_day: Weekday | None = None


class AttendanceSpec(Spec):
    """The share of working days people are expected in the office."""

    min_share: Share | None = None
    max_share: Share | None = None


class BookingSpec(Spec):
    """Booking rules."""

    horizon_days: Count | None = None
    checkin_opens_minutes_before: Count | None = None
    checkin_deadline_minutes_after: Count | None = None
    accessible_hold_days: Count | None = None


class WeightsSpec(Spec):
    """The planner's objective weights (`zones.optimizer.planning.Weights`); unset ones inherit."""

    team_gathering: Count | None = None
    team_overlap_day: Count | None = None
    fixed_team_day: Count | None = None
    preferred_day: Count | None = None
    off_preference_day: Count | None = None
    over_utilisation: Count | None = None
    demand_peak: Count | None = None
    band_shortfall: Count | None = None
    away_from_neighbourhood: Count | None = None
    activity_mismatch: Count | None = None


class PlanningSpec(Spec):
    """How the planner trades its goals off against each other."""

    weights: WeightsSpec = field(default_factory=WeightsSpec)


class ThresholdSpec(Spec):
    """A densification threshold and the source it comes from."""

    metric: Key
    direction: ThresholdDirection
    unit: Annotated[SingleLine, Meta(min_length=1, max_length=32)]
    source: Annotated[SingleLine, Meta(min_length=1)]
    warning: float | None = None
    breach: float | None = None
    countries: list[Annotated[str, Meta(pattern=COUNTRY_OR_ANY_PATTERN)]] = field(
        default_factory=lambda: ["*"]
    )
    note: Text = ""
    counted_height_max_m: Positive | None = None


class PolicySpec(Spec):
    """A policy file, or the `[policy]` table of an office file that overrides it."""

    attendance: AttendanceSpec = field(default_factory=AttendanceSpec)
    booking: BookingSpec = field(default_factory=BookingSpec)
    planning: PlanningSpec = field(default_factory=PlanningSpec)
    thresholds: list[ThresholdSpec] = []


class OfficeSpec(Spec):
    """A whole office file: one site with its floors, zones, desks, rooms, teams and policy."""

    site: SiteSpec
    floors: list[FloorSpec]
    neighbourhoods: list[NeighbourhoodSpec] = []
    teams: list[TeamSpec] = []
    policy: PolicySpec = field(default_factory=PolicySpec)
