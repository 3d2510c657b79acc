"""The immutable planning scenario: office, staff, teams, wishes and horizon.

One set of frozen msgspec structs serves as the planner's input and as the scenario file format,
so a scenario read from JSON and one built by the database adapter are the same object.
Activity and team-kind values are the same words as `zones.models.Activity` and `TeamKind`;
weekdays are `zones.weekdays.Weekday`, written as `mon` … `sun`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from msgspec import Meta, Struct, field

from zones.text import whole
from zones.weekdays import WEEKDAYS as WEEKDAYS  # re-exported: code outside the optimizer imports it here
from zones.weekdays import Weekday

Activity = Literal["quiet", "collaboration", "facilitation"]
TeamKind = Literal["team", "circle"]

Key = Annotated[str, Meta(pattern=whole(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}"))]
Attribute = Annotated[str, Meta(pattern=whole(r"[a-z0-9][a-z0-9-]{0,39}"))]
Positive = Annotated[float, Meta(gt=0)]
Share = Annotated[float, Meta(ge=0, le=1)]
WorkingShare = Annotated[float, Meta(gt=0, le=1)]
Count = Annotated[int, Meta(ge=0)]
DaysPerWeek = Annotated[int, Meta(ge=0, le=7)]

ACCESSIBLE = "accessible"


def weekday_of(day: date) -> Weekday:
    """The weekday (`mon` … `sun`) a date falls on, as scenario files name it."""
    return Weekday.of(day)


def week_of(day: date) -> str:
    """The ISO week a date falls in, as `2026-W10`: the unit the attendance band counts in."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class Record(Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base for scenario records: immutable, and unknown keys in a file are errors."""


class Desk(Record, frozen=True):
    """A bookable desk; `attributes` such as `accessible` are what needs are matched against."""

    code: Key
    attributes: tuple[Attribute, ...] = ()


class Room(Record, frozen=True):
    """A workshop room that a session can use for the day."""

    code: Key
    capacity: Annotated[int, Meta(gt=0)]


class Zone(Record, frozen=True):
    """An activity zone: its desks (counted, not modelled one by one), rooms and volume of air."""

    key: Key
    floor: str
    activity: Activity
    area_m2: Positive
    ceiling_height_m: Positive
    name: str = ""
    desks: tuple[Desk, ...] = ()
    rooms: tuple[Room, ...] = ()
    occupancy_cap: Count | None = None
    neighbourhood: Key | None = None
    closed_days: tuple[date, ...] = ()
    """Days the zone takes nobody (a closure of the zone or its floor): no desk and no room in it
    is used, and an existing booking in it on such a day is ignored (closing cancels bookings)."""

    @property
    def seats(self) -> int:
        """How many people may sit here on an open day: the desks, or fewer under an occupancy cap."""
        cap = len(self.desks) if self.occupancy_cap is None else self.occupancy_cap
        return min(len(self.desks), cap)

    def is_open(self, day: date) -> bool:
        """Whether the zone takes people on `day` (it is not closed then)."""
        return day not in self.closed_days

    def seats_on(self, day: date) -> int:
        """How many people may sit here on `day`: `seats`, or none when the zone is closed."""
        return self.seats if self.is_open(day) else 0


class Team(Record, frozen=True):
    """A standing team, or a circle (a temporary team that stops counting after `ends_on`)."""

    key: Key
    name: str = ""
    kind: TeamKind = "team"
    neighbourhood: Key | None = None
    overlap_days: DaysPerWeek = 1
    """Days a week on which the team wants all its (available) members in."""
    team_day: Weekday | None = None
    ends_on: date | None = None

    def active_on(self, day: date) -> bool:
        """Whether the team still counts on `day` (circles end; standing teams do not)."""
        return self.ends_on is None or day <= self.ends_on


class Employee(Record, frozen=True):
    """A person: teams, contracted share of a full week, wishes and needs."""

    key: Key
    name: str = ""
    """What people call the person (reports fall back to the key)."""
    teams: tuple[Key, ...] = ()
    share: WorkingShare = 1.0
    preferred_days: tuple[Weekday, ...] = ()
    unavailable: tuple[date, ...] = ()
    focus_days: DaysPerWeek = 0
    """Days a week the person wants for focus work (a quiet zone)."""
    team_days: DaysPerWeek = 0
    """Days a week the person wants with their team (a collaboration zone)."""
    needs: tuple[Attribute, ...] = ()
    """Desk attributes the person's desk must have, e.g. `accessible`."""


class Session(Record, frozen=True):
    """A workshop on one day that needs a room for `size` people; participants must be in."""

    key: Key
    day: date
    size: Annotated[int, Meta(gt=0)]
    name: str = ""
    """The workshop's title, for people (reports fall back to the key)."""
    participants: tuple[Key, ...] = ()


class Booking(Record, frozen=True):
    """A booking that already exists: kept exactly as it is (unless its desk's zone is closed that
    day: then the planner ignores it, as closing the zone cancels it)."""

    person: Key
    day: date
    desk: Key


class Weights(Record, frozen=True):
    """Objective weights; each term is reported separately in the plan."""

    team_gathering: Count = 2_000
    """Per team and week with at least one day on which all its available members are in. Outweighs
    the preferred days even a team of 30 could cost its members and others, so every team gets its
    all-in day whenever bands, leave and desks allow; only then are preferences traded."""
    team_overlap_day: Count = 40
    """Per day a team has all its available members in (up to its wanted overlap days)."""
    fixed_team_day: Count = 40
    """Extra, when that day is the team's fixed team day."""
    preferred_day: Count = 60
    """Per office day on one of the person's preferred weekdays. Worth more than a further gathering
    day (`team_overlap_day`), so a second team day never costs a member a preferred day."""
    off_preference_day: Count = 3
    """Per office day off the person's preferred weekdays (people with preferences only). Small:
    a team's all-in day outweighs it many times over, so it only keeps people from coming in on
    days they did not ask for beyond what their band and their teams need."""
    over_utilisation: Count = 5
    """Per person above the utilisation target on a day. Below `preferred_day`, so the target moves
    flexible attendance off the peak but never overrides someone's preferred day."""
    demand_peak: Count = 1
    """Per person on the busiest day of a week: spreads demand across the week."""
    band_shortfall: Count = 10_000
    """Per office day missing from a person's attendance band (only when desks run out)."""
    away_from_neighbourhood: Count = 4
    """Per person seated outside their team's neighbourhood on a team day."""
    activity_mismatch: Count = 6
    """Per person whose zone does not fit the day's activity (focus → quiet, team → collaboration)."""


class PlanningPolicy(Record, frozen=True):
    """The policy the planner works to: attendance band, utilisation target and weights."""

    attendance_min_share: Share = 0.4
    attendance_max_share: Share = 0.6
    utilisation_target: Share = 0.85
    weights: Weights = field(default_factory=Weights)


class Scenario(Record, frozen=True):
    """Everything the planner needs, for one site and horizon."""

    name: str
    days: tuple[date, ...]
    zones: tuple[Zone, ...]
    teams: tuple[Team, ...] = ()
    employees: tuple[Employee, ...] = ()
    sessions: tuple[Session, ...] = ()
    bookings: tuple[Booking, ...] = ()
    policy: PlanningPolicy = field(default_factory=PlanningPolicy)
    country: Annotated[str, Meta(pattern=whole(r"[A-Z]{2}"))] = "DK"


def office_closed_days(scenario: Scenario) -> frozenset[date]:
    """The days of the horizon on which every zone with desks is closed: nobody can come in, so the
    attendance band does not count them (like leave), and workshop participants are excused."""
    desk_zones = [zone for zone in scenario.zones if zone.desks]
    if not desk_zones:
        return frozenset()
    return frozenset(day for day in scenario.days if not any(zone.is_open(day) for zone in desk_zones))
