"""Facts derived once from a scenario: who is available when, attendance bands, team members, seats."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from zones.optimizer.planning.scenario import (
    Desk,
    Employee,
    Scenario,
    Team,
    Zone,
    office_closed_days,
    week_of,
)
from zones.optimizer.planning.spec import attendance_band, desk_fits


@dataclass(frozen=True)
class ScenarioFacts:
    """Look-ups every stage needs, computed once from an immutable `Scenario`."""

    scenario: Scenario
    people: dict[str, Employee] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    zones: dict[str, Zone] = field(default_factory=dict)
    desks: dict[str, Desk] = field(default_factory=dict)
    desk_zone: dict[str, str] = field(default_factory=dict)
    weeks: dict[str, tuple[date, ...]] = field(default_factory=dict)
    available: dict[str, tuple[date, ...]] = field(default_factory=dict)
    members: dict[str, tuple[str, ...]] = field(default_factory=dict)
    booked: dict[tuple[str, date], str] = field(default_factory=dict)
    """(person, day) → desk of an existing booking (bookings in a zone closed that day left out)."""
    required: dict[tuple[str, date], str] = field(default_factory=dict)
    """(person, day) → why the person must be in: an existing booking or a session."""
    closed: frozenset[tuple[str, date]] = frozenset()
    """(zone, day) for the horizon's days each zone is closed (`Zone.closed_days`)."""
    _available_sets: dict[str, frozenset[date]] = field(default_factory=dict)
    _home: dict[str, str | None] = field(default_factory=dict)
    _primary: dict[str, str | None] = field(default_factory=dict)
    _seats: int = 0
    _seats_on: dict[date, int] = field(default_factory=dict)
    _needs_desks: dict[frozenset[str], dict[str, int]] = field(default_factory=dict)
    """Needs → zone → its desks that meet them (filled as asked)."""

    @property
    def days(self) -> tuple[date, ...]:
        return self.scenario.days

    def band(self, person: str, week: str) -> tuple[int, int]:
        """The person's (lower, upper) office days in `week`."""
        week_days = set(self.weeks[week])
        available = sum(1 for day in self.available[person] if day in week_days)
        return attendance_band(self.scenario.policy, self.people[person].share, available)

    def active_teams(self, person: str, day: date) -> tuple[str, ...]:
        """The person's teams that still count on `day`."""
        return tuple(
            key for key in self.people[person].teams if key in self.teams and self.teams[key].active_on(day)
        )

    def available_members(self, team: str, day: date) -> tuple[str, ...]:
        """Members of `team` who can be in on `day` (not on leave), if the team still counts then."""
        if not self.teams[team].active_on(day):
            return ()
        return tuple(p for p in self.members[team] if day in self._available_sets[p])

    def is_available(self, person: str, day: date) -> bool:
        return day in self._available_sets[person]

    def home_neighbourhood(self, person: str) -> str | None:
        """The neighbourhood of the person's first standing team that has one (else any team's)."""
        return self._home[person]

    def primary_team(self, person: str) -> str | None:
        """The team a person is seated with: the first standing team, else the first circle."""
        return self._primary[person]

    def seats_per_day(self) -> int:
        """Desks usable on a day with every zone open, across the office, occupancy caps applied."""
        return self._seats

    def seats_on(self, day: date) -> int:
        """Desks usable on `day` across the office: occupancy caps applied, closed zones left out."""
        return self._seats_on.get(day, self._seats)

    def zone_open(self, zone: str, day: date) -> bool:
        """Whether the zone takes people on `day`."""
        return (zone, day) not in self.closed

    def zone_seats(self, zone: str, day: date) -> int:
        """How many people may sit in the zone on `day` (none when it is closed)."""
        return 0 if (zone, day) in self.closed else self.zones[zone].seats

    def need_sets(self) -> set[frozenset[str]]:
        """The distinct sets of desk attributes people need (people without needs left out)."""
        return {frozenset(e.needs) for e in self.people.values() if e.needs}

    def desks_with(self, needs: Iterable[str]) -> list[str]:
        """Codes of desks whose attributes include every one of `needs`."""
        wanted = set(needs)
        return [code for code, desk in self.desks.items() if desk_fits(wanted, desk)]

    def needs_desks_on(self, needs: Iterable[str], day: date) -> int:
        """How many desks open on `day` have every one of `needs` (counted per zone once)."""
        wanted = frozenset(needs)
        if wanted not in self._needs_desks:
            self._needs_desks[wanted] = dict(
                Counter(self.desk_zone[code] for code in self.desks_with(wanted))
            )
        return sum(n for zone, n in self._needs_desks[wanted].items() if (zone, day) not in self.closed)


def scenario_facts(scenario: Scenario) -> ScenarioFacts:
    """Derive the look-ups for `scenario` (linear in its size)."""
    people = {e.key: e for e in scenario.employees}
    teams = {t.key: t for t in scenario.teams}
    zones = {z.key: z for z in scenario.zones}
    desks: dict[str, Desk] = {}
    desk_zone: dict[str, str] = {}
    for zone in scenario.zones:
        for desk in zone.desks:
            desks[desk.code] = desk
            desk_zone[desk.code] = zone.key
    weeks: dict[str, list[date]] = defaultdict(list)
    for day in sorted(scenario.days):
        weeks[week_of(day)].append(day)
    in_horizon = frozenset(scenario.days)
    # A day on which every zone is closed counts like leave: nobody can come in, so no band asks it.
    office_closed = office_closed_days(scenario)
    horizon = sorted(day for day in scenario.days if day not in office_closed)
    available = {
        e.key: tuple(day for day in horizon if day not in frozenset(e.unavailable))
        for e in scenario.employees
    }
    closed = frozenset((z.key, day) for z in scenario.zones for day in z.closed_days if day in in_horizon)
    members: dict[str, list[str]] = {t.key: [] for t in scenario.teams}
    for employee in scenario.employees:
        for team in employee.teams:
            if team in members:
                members[team].append(employee.key)
    # Closing a zone cancels its bookings: one left in a scenario for a closed day does not count.
    booked = {
        (b.person, b.day): b.desk for b in scenario.bookings if (desk_zone.get(b.desk), b.day) not in closed
    }
    required: dict[tuple[str, date], str] = {key: "existing booking" for key in booked}
    for session in scenario.sessions:
        for person in session.participants:
            required.setdefault((person, session.day), f"session {session.key}")
    home: dict[str, str | None] = {}
    primary: dict[str, str | None] = {}
    for employee in scenario.employees:
        own = [teams[t] for t in employee.teams if t in teams]
        ordered = [t for t in own if t.kind == "team"] + [t for t in own if t.kind == "circle"]
        primary[employee.key] = ordered[0].key if ordered else None
        home[employee.key] = next((t.neighbourhood for t in ordered if t.neighbourhood), None)
    return ScenarioFacts(
        scenario=scenario,
        people=people,
        teams=teams,
        zones=zones,
        desks=desks,
        desk_zone=desk_zone,
        weeks={w: tuple(days) for w, days in weeks.items()},
        available=available,
        members={t: tuple(m) for t, m in members.items()},
        booked=booked,
        required=required,
        _available_sets={p: frozenset(days) for p, days in available.items()},
        _home=home,
        _primary=primary,
        closed=closed,
        _seats=sum(zone.seats for zone in zones.values()),
        _seats_on={
            day: sum(zone.seats for zone in zones.values() if (zone.key, day) not in closed)
            for day in scenario.days
        },
    )
