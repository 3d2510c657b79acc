"""Scenario files (JSON): reading with errors that name the file and key path, and writing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import msgspec

from zones.office.errors import ConfigError, Problem, read_input_file
from zones.optimizer.planning.scenario import Scenario

_PATH_IN_ERROR = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def write_scenario(scenario: Scenario, path: Path) -> None:
    """Write `scenario` as indented JSON (dates as ISO strings)."""
    path.write_bytes(msgspec.json.format(msgspec.json.encode(scenario), indent=2) + b"\n")


def read_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; every error names the file and the key path.

    Raises `ConfigError` whose lines read like `plan.json: employees[3].share Expected ... <= 1`.
    """
    source = str(path)
    raw = read_input_file(path)
    try:
        scenario = msgspec.json.decode(raw, type=Scenario)
    except msgspec.ValidationError as error:
        raise ConfigError(source, [_problem(str(error))]) from error
    except msgspec.DecodeError as error:
        raise ConfigError(source, [Problem("", f"is not valid JSON: {error}")]) from error
    problems = list(check_scenario(scenario))
    if problems:
        raise ConfigError(source, problems)
    return scenario


def _problem(message: str) -> Problem:
    """msgspec says `Expected ... - at `$.employees[3].share``: keep the path, drop the `$.`."""
    match = _PATH_IN_ERROR.match(message)
    assert match is not None  # the pattern matches any text
    where = (match.group("path") or "").lstrip(".")
    return Problem(where, match.group("message"))


def check_scenario(scenario: Scenario) -> Iterator[Problem]:
    """Rules across keys: unique keys, references that resolve, dates inside the horizon."""
    horizon = set(scenario.days)
    if not scenario.days:
        yield Problem("days", "must list at least one working day")
    yield from _duplicates([str(d) for d in scenario.days], "days")
    yield from _duplicates([z.key for z in scenario.zones], "zones", "key")
    yield from _duplicates([t.key for t in scenario.teams], "teams", "key")
    yield from _duplicates([e.key for e in scenario.employees], "employees", "key")
    yield from _duplicates([s.key for s in scenario.sessions], "sessions", "key")
    desks = [d.code for z in scenario.zones for d in z.desks]
    if len(set(desks)) != len(desks):
        twice = sorted(code for code, n in Counter(desks).items() if n > 1)
        yield Problem("zones", f"desk code(s) used twice: {', '.join(twice[:5])}")
    neighbourhoods = {z.neighbourhood for z in scenario.zones if z.neighbourhood}
    teams = {t.key for t in scenario.teams}
    people = {e.key for e in scenario.employees}
    policy = scenario.policy
    if policy.attendance_min_share > policy.attendance_max_share:
        yield Problem("policy.attendance_min_share", "must not be above policy.attendance_max_share")
    for z, zone in enumerate(scenario.zones):
        if zone.occupancy_cap is not None and zone.occupancy_cap > len(zone.desks) and zone.desks:
            yield Problem(
                f"zones[{z}].occupancy_cap",
                f"is {zone.occupancy_cap} but the zone has {len(zone.desks)} desks",
            )
        for i, day in enumerate(zone.closed_days):
            if day not in horizon:
                yield Problem(f"zones[{z}].closed_days[{i}]", f"{day} is not one of the scenario's days")
    for t, team in enumerate(scenario.teams):
        if team.neighbourhood is not None and team.neighbourhood not in neighbourhoods:
            yield Problem(f"teams[{t}].neighbourhood", f"{team.neighbourhood!r} is no zone's neighbourhood")
    for e, employee in enumerate(scenario.employees):
        for i, team_key in enumerate(employee.teams):
            if team_key not in teams:
                yield Problem(f"employees[{e}].teams[{i}]", f"{team_key!r} is not a team in this scenario")
    for s, session in enumerate(scenario.sessions):
        if session.day not in horizon:
            yield Problem(f"sessions[{s}].day", f"{session.day} is not one of the scenario's days")
        for i, person in enumerate(session.participants):
            if person not in people:
                yield Problem(f"sessions[{s}].participants[{i}]", f"{person!r} is not an employee")
    desk_set = set(desks)
    for b, booking in enumerate(scenario.bookings):
        if booking.person not in people:
            yield Problem(f"bookings[{b}].person", f"{booking.person!r} is not an employee")
        if booking.desk not in desk_set:
            yield Problem(f"bookings[{b}].desk", f"{booking.desk!r} is not a desk in any zone")
        if booking.day not in horizon:
            yield Problem(f"bookings[{b}].day", f"{booking.day} is not one of the scenario's days")


def _duplicates(values: list[str], where: str, field: str = "") -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            at = f"{where}[{index}].{field}" if field else f"{where}[{index}]"
            yield Problem(at, f"{value!r} is already used by {where}[{seen[value]}]")
        seen.setdefault(value, index)
