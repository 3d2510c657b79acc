"""Read office and policy TOML files into validated specs, with errors that name file and key."""

from __future__ import annotations

import difflib
import enum
import re
import tomllib
import types
import typing
from collections.abc import Iterable, Iterator
from datetime import time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import msgspec

from zones.models import Activity
from zones.office.errors import ConfigError, Problem, read_input_text
from zones.office.spec import (
    ATTRIBUTE_PATTERN,
    CLOCK_PATTERN,
    COUNTRY_OR_ANY_PATTERN,
    COUNTRY_PATTERN,
    OfficeSpec,
    PolicySpec,
    ThresholdSpec,
    ZoneSpec,
)
from zones.text import SINGLE_LINE_PATTERN, SINGLE_LINE_RULE, TEXT_PATTERN

SpecT = TypeVar("SpecT", bound=msgspec.Struct)

_TYPE_WORDS = {
    "float": "a number",
    "int": "a whole number",
    "str": "text",
    "bool": "true or false",
    "array": "a list",
    "object": "a table",
    "null": "nothing",
}
_PATTERN_HINTS = {
    COUNTRY_PATTERN: "a two-letter ISO 3166 country code such as DK",
    CLOCK_PATTERN: 'a time of day such as "08:30"',
    ATTRIBUTE_PATTERN: "lower-case letters, digits and dashes, such as height-adjustable",
    COUNTRY_OR_ANY_PATTERN: 'a two-letter country code or "*"',
    TEXT_PATTERN: "text without control characters other than line feeds and tabs",
}


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; syntax errors name the file, line and column."""
    text = read_input_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(str(path), [Problem("", f"is not valid TOML: {error}")]) from error


def decode(document: dict[str, Any], spec_type: type[SpecT], source: str) -> SpecT:
    """Convert a parsed document into `spec_type`, turning msgspec's error into a readable one."""
    try:
        return msgspec.convert(_times_as_text(document), spec_type)
    except msgspec.ValidationError as error:
        raise ConfigError(source, [_explain(str(error), spec_type)]) from error


def load_office_file(path: Path, defaults: PolicySpec | None = None) -> OfficeSpec:
    """Read and fully validate an office file (and its policy merged onto `defaults`, if given)."""
    source = str(path)
    office = decode(read_toml(path), OfficeSpec, source)
    problems = list(check_office(office))
    if defaults is not None and not problems:
        problems += check_merged_band(office.policy, defaults)
    if problems:
        raise ConfigError(source, problems)
    return office


def load_policy_file(path: Path) -> PolicySpec:
    """Read and fully validate a policy file."""
    source = str(path)
    policy = decode(read_toml(path), PolicySpec, source)
    problems = list(check_policy(policy, "", require_complete=True))
    if problems:
        raise ConfigError(source, problems)
    return policy


def check_office(office: OfficeSpec) -> Iterator[Problem]:
    """Rules that span several keys: references, uniqueness and geometry."""
    site = office.site
    yield from _check_timezone(site.timezone)
    if not site.working_days:
        yield Problem("site.working_days", "must name at least one day")
    yield from _duplicates(site.working_days, "site.working_days", "lists {value} twice")
    if _minutes(site.opens) >= _minutes(site.closes):
        yield Problem("site.closes", f"must be later than site.opens ({site.opens})")
    if not office.floors:
        yield Problem("floors", "must describe at least one floor")

    neighbourhoods = {n.key for n in office.neighbourhoods}
    yield from _duplicates(
        [n.key for n in office.neighbourhoods], "neighbourhoods", "key {value} is used twice"
    )
    yield from _duplicates([f.level for f in office.floors], "floors", "level {value} is used twice")
    yield from _duplicates([f.name for f in office.floors], "floors", "name {value!r} is used twice")

    zone_keys: dict[str, str] = {}
    codes: dict[str, str] = {}
    for f, floor in enumerate(office.floors):
        for z, zone in enumerate(floor.zones):
            at = f"floors[{f}].zones[{z}]"
            if zone.key in zone_keys:
                yield Problem(f"{at}.key", f"{zone.key!r} is already used by {zone_keys[zone.key]}")
            zone_keys.setdefault(zone.key, at)
            if zone.neighbourhood is not None and zone.neighbourhood not in neighbourhoods:
                yield Problem(
                    f"{at}.neighbourhood", _unknown("neighbourhood", zone.neighbourhood, neighbourhoods)
                )
            if zone.rooms and zone.activity is not Activity.FACILITATION:
                yield Problem(
                    f"{at}.rooms",
                    "workshop rooms belong in a facilitation zone;"
                    f" zone {zone.key!r} is {zone.activity.value}",
                )
            if zone.outline and floor.width_m and floor.depth_m:
                o = zone.outline
                if o.x + o.width > floor.width_m + 1e-9 or o.y + o.depth > floor.depth_m + 1e-9:
                    yield Problem(
                        f"{at}.outline",
                        f"reaches beyond the floor ({floor.width_m} × {floor.depth_m} m)",
                    )
            for d, desk in enumerate(zone.desks):
                where = f"{at}.desks[{d}]"
                if desk.code in codes:
                    yield Problem(f"{where}.code", f"{desk.code!r} is already used by {codes[desk.code]}")
                codes.setdefault(desk.code, where)
                yield from _check_desk_position(zone, desk.x, desk.y, where)
            for r, room in enumerate(zone.rooms):
                where = f"{at}.rooms[{r}]"
                if room.code in codes:
                    yield Problem(f"{where}.code", f"{room.code!r} is already used by {codes[room.code]}")
                codes.setdefault(room.code, where)

    yield from _duplicates([t.name.casefold() for t in office.teams], "teams", "name {value!r} is used twice")
    for t, team in enumerate(office.teams):
        at = f"teams[{t}]"
        if team.kind == "circle" and team.ends_on is None:
            yield Problem(f"{at}.ends_on", "is required for a circle (the day its task ends)")
        if team.kind == "team" and team.ends_on is not None:
            yield Problem(f"{at}.ends_on", 'is only for circles; set kind = "circle" for a temporary team')
        if team.neighbourhood is not None and team.neighbourhood not in neighbourhoods:
            yield Problem(
                f"{at}.neighbourhood", _unknown("neighbourhood", team.neighbourhood, neighbourhoods)
            )
        if team.team_day is not None and team.team_day not in site.working_days:
            yield Problem(f"{at}.team_day", f"{team.team_day} is not one of the site's working days")
    yield from check_policy(office.policy, "policy.", require_complete=False)


def check_policy(policy: PolicySpec, prefix: str, *, require_complete: bool) -> Iterator[Problem]:
    """A policy's band must be ordered, its thresholds consistent; a defaults file must be complete."""
    band = policy.attendance
    if band.min_share is not None and band.max_share is not None and band.min_share > band.max_share:
        yield Problem(f"{prefix}attendance.min_share", f"must not exceed max_share ({band.max_share})")
    if require_complete:
        for section, spec in (("attendance", band), ("booking", policy.booking)):
            for field in spec.__struct_fields__:
                if getattr(spec, field) is None:
                    yield Problem(f"{prefix}{section}.{field}", "is required in a policy defaults file")
    seen: set[tuple[str, str]] = set()
    for i, threshold in enumerate(policy.thresholds):
        at = f"{prefix}thresholds[{i}]"
        yield from _check_threshold(threshold, at)
        for country in threshold.countries:
            if (threshold.metric, country) in seen:
                yield Problem(f"{at}.countries", f"{threshold.metric} is already defined for {country}")
            seen.add((threshold.metric, country))


def check_merged_band(overrides: PolicySpec, defaults: PolicySpec) -> Iterator[Problem]:
    """The band an office file sets, merged with the defaults, must still be ordered."""
    low, high = overrides.attendance.min_share, overrides.attendance.max_share
    default_low, default_high = defaults.attendance.min_share, defaults.attendance.max_share
    if low is not None and high is None and default_high is not None and low > default_high:
        yield Problem(
            "policy.attendance.min_share",
            f"must not exceed max_share ({default_high} from the policy defaults)",
        )
    if high is not None and low is None and default_low is not None and high < default_low:
        yield Problem(
            "policy.attendance.max_share",
            f"must not be below min_share ({default_low} from the policy defaults)",
        )


def _check_threshold(threshold: ThresholdSpec, at: str) -> Iterator[Problem]:
    if threshold.warning is None and threshold.breach is None:
        yield Problem(at, "needs a warning or a breach level (or both)")
    if threshold.warning is not None and threshold.breach is not None:
        if threshold.direction == "min" and threshold.breach > threshold.warning:
            yield Problem(f"{at}.breach", "must not be above warning for a minimum threshold")
        if threshold.direction == "max" and threshold.breach < threshold.warning:
            yield Problem(f"{at}.breach", "must not be below warning for a maximum threshold")


def _check_timezone(name: str) -> Iterator[Problem]:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(name, sorted(available_timezones()), n=1)
        hint = f" (did you mean {close[0]}?)" if close else " (use an IANA name such as Europe/Copenhagen)"
        yield Problem("site.timezone", f"{name!r} is not a known time zone{hint}")


def _check_desk_position(zone: ZoneSpec, x: float | None, y: float | None, where: str) -> Iterator[Problem]:
    if (x is None) != (y is None):
        yield Problem(where, "needs both x and y, or neither")
    elif x is not None and y is not None and zone.outline is not None:
        o = zone.outline
        if not (o.x <= x <= o.x + o.width and o.y <= y <= o.y + o.depth):
            yield Problem(where, f"at ({x}, {y}) lies outside its zone's outline")


def _duplicates(values: Iterable[Any], where: str, message: str) -> Iterator[Problem]:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            yield Problem(where, message.format(value=value))
        seen.add(value)


def _unknown(what: str, value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, sorted(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(sorted(known)) or 'none'})"
    return f"names {what} {value!r}, which is not defined{hint}"


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _times_as_text(value: Any) -> Any:
    """TOML local times (08:00:00) become "08:00" so they validate like quoted times."""
    if isinstance(value, dict):
        return {key: _times_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_times_as_text(item) for item in value]
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


_AT = re.compile(r"^(?P<what>.*) - at `\$(?P<path>[^`]*)`$")


def _explain(message: str, root: type[msgspec.Struct]) -> Problem:
    """Rewrite a msgspec message (`Expected float > 0.0 - at $.a.b`) as `a.b must be > 0`."""
    match = _AT.match(message)
    what, path = (match["what"], match["path"].lstrip(".")) if match else (message, "")
    if found := re.match(r"Object missing required field `(\w+)`", what):
        return Problem(_join(path, found[1]), "is required")
    if found := re.match(r"Object contains unknown field `([^`]+)`", what):
        known = _field_names(_type_at(root, path))
        close = difflib.get_close_matches(found[1], known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else f" (expected one of: {', '.join(known)})"
        return Problem(_join(path, found[1]), f"is not a known key{hint}")
    if found := re.match(r"Expected `(\w+)` (>=|<=|>|<) (\S+)", what):
        bound = found[3].removesuffix(".0")
        return Problem(path, f"must be {found[2]} {bound}")
    if found := re.match(r"Expected `str` matching regex '(.*)'", what):
        pattern = found[1].replace("\\\\", "\\")
        if pattern == SINGLE_LINE_PATTERN:
            return Problem(path, SINGLE_LINE_RULE)
        hint = _PATTERN_HINTS.get(pattern, "a short name of letters, digits, '.', '_' or '-'")
        return Problem(path, f"must be {hint}")
    if found := re.match(r"Expected `(str|array|object)` of length (>=|<=) (\d+)", what):
        return Problem(path, "must not be empty" if found[2] == ">=" else f"must be at most {found[3]} long")
    # Optional keys say `int | null`: `nothing` is only what leaving the key out means.
    if found := re.match(r"Expected `(\w+)(?: \| null)?`, got `(\w+)`", what):
        if (found[1], found[2]) == ("int", "float"):
            return Problem(path, "must be a whole number")
        expected, got = (_TYPE_WORDS.get(found[i], found[i]) for i in (1, 2))
        return Problem(path, f"must be {expected}, not {got}")
    if found := re.match(r"Invalid enum value (.*)", what):
        allowed = _allowed_values(_type_at(root, path))
        listed = f" (one of: {', '.join(allowed)})" if allowed else ""
        return Problem(path, f"is {found[1]}, which is not allowed{listed}")
    if what.startswith("Invalid RFC3339 encoded date"):
        return Problem(path, "must be a date such as 2027-03-31")
    return Problem(path, what[0].lower() + what[1:] if what else "is invalid")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_at(root: Any, path: str) -> Any:
    """The declared type at a msgspec error path such as `floors[0].zones[1]`."""
    current: Any = root
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        current = _unwrap(current)
        if part.startswith("["):
            args = typing.get_args(current)
            current = args[0] if args else Any
        elif isinstance(current, type) and issubclass(current, msgspec.Struct):
            current = typing.get_type_hints(current).get(part, Any)
        else:
            return Any
    return _unwrap(current)


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
            tp = options[0] if len(options) == 1 else tp
            if len(options) != 1:
                return tp
        else:
            return tp


def _field_names(tp: Any) -> list[str]:
    return list(tp.__struct_fields__) if isinstance(tp, type) and issubclass(tp, msgspec.Struct) else []


def _allowed_values(tp: Any) -> list[str]:
    """The values of an enum type (activities, weekdays …), for `is 'x', which is not allowed`."""
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return [str(member.value) for member in tp]
    return []
