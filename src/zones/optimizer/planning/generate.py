"""Synthetic scenarios that look like a real activity-based office, for tests and benchmarks."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from datetime import date, timedelta

from zones.optimizer.planning.scenario import ACCESSIBLE, Desk, Employee, Room, Scenario, Session, Team, Zone
from zones.weekdays import WORKING_WEEK, Weekday

FIRST_MONDAY = date(2026, 3, 2)
DESKS_PER_FLOOR = 220
COLLABORATION_ZONE_DESKS = 36
QUIET_SHARE = 0.3
"""Share of desks in quiet zones: enough for one focus day a week at a 0.6–0.7 desk ratio."""
MIDWEEK: tuple[Weekday, ...] = (Weekday.TUE, Weekday.WED, Weekday.THU)
"""The real-world office peak, Tuesday to Thursday."""


def generate_scenario(
    employees: int = 200,
    desk_ratio: float = 0.65,
    weeks: int = 1,
    seed: int = 0,
    *,
    start: date = FIRST_MONDAY,
) -> Scenario:
    """A reproducible office of `employees` people with `desk_ratio` desks per person.

    Teams of 5–15 (about one person in eight also in a circle), ~15 % part-time, many preferring
    Tuesday–Thursday (the real-world peak; about half follow their team's usual days), a few days
    of leave, ~2 % needing an accessible desk; quiet and collaboration zones with neighbourhoods on
    floors of about 220 desks, plus a facilitation zone with workshop rooms and a few sessions a week.
    """
    rng = random.Random(seed)
    monday = start - timedelta(days=start.weekday())
    days = tuple(monday + timedelta(weeks=w, days=d) for w in range(weeks) for d in range(5))
    zones, neighbourhoods = _office(rng, max(1, round(employees * desk_ratio)))
    teams, membership = _teams(rng, employees, neighbourhoods, days)
    rhythms = {key: _rhythm(rng) for key in teams}
    people = tuple(_employee(rng, key, membership[key], teams, days, rhythms) for key in sorted(membership))
    largest_room = max(room.capacity for zone in zones for room in zone.rooms)
    sessions = _sessions(rng, teams, membership, days, employees, largest_room)
    return Scenario(
        name=f"synthetic-{employees}-{desk_ratio:.2f}-{weeks}w-seed{seed}",
        days=days,
        zones=zones,
        teams=tuple(teams.values()),
        employees=people,
        sessions=sessions,
    )


def _office(rng: random.Random, desks: int) -> tuple[tuple[Zone, ...], list[str]]:
    """Floors of about 220 desks: a quiet zone, collaboration zones (one neighbourhood each)."""
    zones: list[Zone] = []
    neighbourhoods: list[str] = []
    floors = max(1, math.ceil(desks / DESKS_PER_FLOOR))
    left = desks
    for floor in range(1, floors + 1):
        on_floor = left // (floors - floor + 1)
        left -= on_floor
        quiet = max(1, round(on_floor * QUIET_SHARE)) if on_floor > 1 else 0
        height = rng.choice((2.7, 2.8, 3.0))
        if quiet:
            zones.append(_zone(rng, f"F{floor}-quiet", str(floor), "quiet", quiet, 12.0, height, None))
        collaboration = on_floor - quiet
        parts = max(1, round(collaboration / COLLABORATION_ZONE_DESKS))
        for part in range(parts):
            count = collaboration // parts + (1 if part < collaboration % parts else 0)
            neighbourhood = f"N{floor}-{part + 1}"
            neighbourhoods.append(neighbourhood)
            zones.append(
                _zone(
                    rng,
                    f"F{floor}-collab-{part + 1}",
                    str(floor),
                    "collaboration",
                    count,
                    10.5,
                    height,
                    neighbourhood,
                )
            )
    rooms = tuple(
        Room(code=f"W{i + 1:02d}", capacity=capacity)
        for i, capacity in enumerate((6, 8, 12, 16, 24)[: max(2, min(5, desks // 60))])
    )
    zones.append(
        Zone(
            key="facilitation",
            name="Facilitation",
            floor="1",
            activity="facilitation",
            area_m2=float(sum(r.capacity for r in rooms) * 3),
            ceiling_height_m=3.0,
            rooms=rooms,
        )
    )
    return tuple(zones), neighbourhoods


def _zone(
    rng: random.Random,
    key: str,
    floor: str,
    activity: str,
    desks: int,
    m2_per_desk: float,
    height: float,
    neighbourhood: str | None,
) -> Zone:
    accessible = max(1, round(desks * 0.04))
    codes = [
        Desk(code=f"{key}-{i + 1:03d}", attributes=(ACCESSIBLE,) if i < accessible else ())
        for i in range(desks)
    ]
    # One zone in ten has a cap below its desks (e.g. a fire-safety or ventilation limit).
    cap = math.floor(desks * 0.9) if rng.random() < 0.1 and desks >= 10 else None
    return Zone(
        key=key,
        name=key.replace("-", " "),
        floor=floor,
        activity=activity,  # type: ignore[arg-type]
        area_m2=round(desks * m2_per_desk * rng.uniform(0.95, 1.1), 1),
        ceiling_height_m=height,
        desks=tuple(codes),
        occupancy_cap=cap,
        neighbourhood=neighbourhood,
    )


def _teams(
    rng: random.Random, employees: int, neighbourhoods: list[str], days: tuple[date, ...]
) -> tuple[dict[str, Team], dict[str, list[str]]]:
    teams: dict[str, Team] = {}
    membership: dict[str, list[str]] = {}
    person = 0
    number = 0
    while person < employees:
        size = min(rng.randint(5, 15), employees - person)
        number += 1
        key = f"T{number:04d}"
        overlap = 2 if rng.random() < 0.5 else 1
        teams[key] = Team(
            key=key,
            name=f"Team {number}",
            overlap_days=overlap,
            team_day=rng.choice((*MIDWEEK, Weekday.MON)) if rng.random() < 0.3 else None,
        )
        for _ in range(size):
            membership[f"E{person:05d}"] = [key]
            person += 1
    # Circles: temporary cross-team groups; some end inside a multi-week horizon.
    people = sorted(membership)
    circles = max(1, employees // 60)
    for number in range(1, circles + 1):
        key = f"C{number:03d}"
        ends = days[min(len(days) - 1, rng.randrange(len(days)) + 5)] if len(days) > 5 else days[-1]
        teams[key] = Team(key=key, name=f"Circle {number}", kind="circle", overlap_days=1, ends_on=ends)
        for member in rng.sample(people, min(len(people), rng.randint(4, 8))):
            membership[member].append(key)
    _fix_neighbourhood_spread(teams, neighbourhoods)
    return teams, membership


def _fix_neighbourhood_spread(teams: dict[str, Team], neighbourhoods: list[str]) -> None:
    """Home standing teams evenly over the neighbourhoods, consecutive teams together (departments)."""
    standing = [key for key, team in teams.items() if team.kind == "team"]
    for i, key in enumerate(standing):
        if neighbourhoods:
            home = neighbourhoods[i * len(neighbourhoods) // len(standing)]
            old = teams[key]
            teams[key] = Team(
                key=old.key,
                name=old.name,
                kind=old.kind,
                neighbourhood=home,
                overlap_days=old.overlap_days,
                team_day=old.team_day,
                ends_on=old.ends_on,
            )


def _employee(
    rng: random.Random,
    key: str,
    teams: list[str],
    all_teams: dict[str, Team],
    days: tuple[date, ...],
    rhythms: dict[str, tuple[Weekday, ...]],
) -> Employee:
    share = rng.choice((0.8, 0.8, 0.6)) if rng.random() < 0.15 else 1.0
    roll = rng.random()
    home_team = next(t for t in teams if all_teams[t].kind == "team")
    preferred: tuple[Weekday, ...]
    if roll < 0.45:
        # Most people follow their team's rhythm: they want to be in when their colleagues are.
        preferred = rhythms[home_team]
    elif roll < 0.75:
        preferred = _in_week_order(rng.sample(MIDWEEK, rng.choice((2, 3))))
    elif roll < 0.9:
        preferred = _in_week_order(rng.sample(WORKING_WEEK, rng.choice((2, 3))))
    else:
        preferred = ()
    unavailable = tuple(sorted(rng.sample(days, rng.randint(1, 2)))) if rng.random() < 0.08 else ()
    return Employee(
        key=key,
        teams=tuple(teams),
        share=share,
        preferred_days=preferred,
        unavailable=unavailable,
        focus_days=1,
        team_days=all_teams[home_team].overlap_days,
        needs=(ACCESSIBLE,) if rng.random() < 0.02 else (),
    )


def _rhythm(rng: random.Random) -> tuple[Weekday, ...]:
    """A team's usual office days: mostly mid-week, the real-world Tuesday–Thursday peak."""
    core = rng.sample(MIDWEEK, 2)
    extra = [rng.choice(WORKING_WEEK)] if rng.random() < 0.6 else []
    return _in_week_order(set(core + extra))


def _in_week_order(days: Iterable[Weekday]) -> tuple[Weekday, ...]:
    return tuple(sorted(days, key=lambda day: day.iso))


def _sessions(
    rng: random.Random,
    teams: dict[str, Team],
    membership: dict[str, list[str]],
    days: tuple[date, ...],
    employees: int,
    largest_room: int,
) -> tuple[Session, ...]:
    """A few workshops a week, each run by (part of) one team, whose participants must be in."""
    members: dict[str, list[str]] = {}
    for person, own in membership.items():
        for team in own:
            members.setdefault(team, []).append(person)
    standing = sorted(key for key, team in teams.items() if team.kind == "team")
    sessions = []
    per_week = max(1, min(5, employees // 150))
    for week in range(len(days) // 5):
        for number in range(per_week):
            team = rng.choice(standing)
            people = rng.sample(members[team], min(len(members[team]), rng.randint(3, 6)))
            sessions.append(
                Session(
                    key=f"S{week + 1}-{number + 1}",
                    day=days[week * 5 + rng.randrange(5)],
                    size=min(largest_room, len(people) + rng.randint(0, 4)),
                    participants=tuple(sorted(people)),
                )
            )
    return tuple(sessions)
