"""VTIMEZONE components that Outlook reads correctly: yearly RRULEs, not lists of RDATEs.

icalendar's own VTIMEZONE lists every transition as an RDATE; Outlook ignores RDATEs in time zone
definitions and shifts summer events by an hour. So the current rule is read from the zone's TZif
file (its POSIX footer, e.g. `CET-1CEST,M3.5.0,M10.5.0/3`) and written as one DAYLIGHT and one
STANDARD observance with RRULEs, as Google Calendar and Outlook themselves do. Zones whose rule
cannot be expressed that way fall back to icalendar's RDATE form.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

_POSIX = re.compile(
    r"^(?P<std><[^>]+>|[A-Za-z]{3,})(?P<std_offset>[+-]?\d{1,2}(?::\d{2}){0,2})"
    r"(?:(?P<dst><[^>]+>|[A-Za-z]{3,})(?P<dst_offset>[+-]?\d{1,2}(?::\d{2}){0,2})?"
    r",M(?P<sm>\d{1,2})\.(?P<sw>\d)\.(?P<sd>\d)(?:/(?P<st>[+-]?\d{1,3}(?::\d{2}){0,2}))?"
    r",M(?P<em>\d{1,2})\.(?P<ew>\d)\.(?P<ed>\d)(?:/(?P<et>[+-]?\d{1,3}(?::\d{2}){0,2}))?)?$"
)
_WEEKDAYS = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]


@dataclass(frozen=True)
class Transition:
    """A yearly change: in `month`, the `week`th (5 = last) `weekday` at `at` local time."""

    month: int
    week: int
    weekday: int
    at: timedelta


@dataclass(frozen=True)
class Rule:
    """A zone's current rule: standard time, and optionally daylight time with its two transitions."""

    std_name: str
    std_offset: timedelta
    dst_name: str | None = None
    dst_offset: timedelta | None = None
    to_dst: Transition | None = None
    to_std: Transition | None = None


def _duration(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2])


def parse_posix(text: str) -> Rule | None:
    """Parse a POSIX TZ string of the common `Mm.w.d` form; None for forms it does not cover."""
    match = _POSIX.match(text.strip())
    if match is None:
        return None
    # POSIX offsets are west-positive: CET-1 means UTC+1.
    std_offset = -_duration(match["std_offset"])
    if not match["dst"]:
        return Rule(match["std"].strip("<>"), std_offset)
    dst_offset = -_duration(match["dst_offset"]) if match["dst_offset"] else std_offset + timedelta(hours=1)
    return Rule(
        match["std"].strip("<>"),
        std_offset,
        match["dst"].strip("<>"),
        dst_offset,
        Transition(int(match["sm"]), int(match["sw"]), int(match["sd"]), _duration(match["st"] or "2")),
        Transition(int(match["em"]), int(match["ew"]), int(match["ed"]), _duration(match["et"] or "2")),
    )


def _tzif_bytes(tzid: str) -> bytes | None:
    for folder in zoneinfo.TZPATH:
        path = Path(folder, *tzid.split("/"))
        if path.is_file():
            return path.read_bytes()
    try:
        return resources.files("tzdata").joinpath("zoneinfo", *tzid.split("/")).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None


def current_rule(tzid: str) -> Rule | None:
    """The rule in force now, from the footer of the zone's TZif file."""
    data = _tzif_bytes(tzid)
    if not data or not data.startswith(b"TZif"):
        return None
    footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii", "replace")
    return parse_posix(footer)


def _first(transition: Transition, year: int) -> datetime:
    """When a transition first happens in `year`, as local wall-clock time before the change."""
    first_of_month = date(year, transition.month, 1)
    # POSIX weekdays count from Sunday = 0; Python's from Monday = 0.
    offset = (transition.weekday - (first_of_month.weekday() + 1) % 7) % 7
    day = first_of_month + timedelta(days=offset + 7 * (transition.week - 1))
    while day.month != transition.month:
        day -= timedelta(days=7)
    return datetime.combine(day, datetime.min.time()) + transition.at


def _rrule(transition: Transition) -> vRecur:
    week = -1 if transition.week == 5 else transition.week
    return vRecur(
        {"FREQ": "YEARLY", "BYMONTH": transition.month, "BYDAY": f"{week}{_WEEKDAYS[transition.weekday]}"}
    )


@lru_cache(maxsize=64)
def vtimezone(tzid: str) -> Timezone:
    """A VTIMEZONE for `tzid` with yearly rules (falls back to icalendar's RDATE form)."""
    rule = current_rule(tzid)
    if rule is None:
        return Timezone.from_tzid(tzid, first_date=date(2000, 1, 1), last_date=date(2040, 1, 1))
    component = Timezone()
    component.add("TZID", tzid)
    if rule.dst_name is None or rule.to_dst is None or rule.to_std is None or rule.dst_offset is None:
        start = datetime(1970, 1, 1)
        component.add_component(
            _observance(TimezoneStandard(), start, None, rule.std_offset, rule.std_offset, rule.std_name)
        )
        return component
    to_dst, to_std = rule.to_dst, rule.to_std
    component.add_component(
        _observance(
            TimezoneDaylight(),
            _first(to_dst, 1970),
            _rrule(to_dst),
            rule.std_offset,
            rule.dst_offset,
            rule.dst_name,
        )
    )
    component.add_component(
        _observance(
            TimezoneStandard(),
            _first(to_std, 1970),
            _rrule(to_std),
            rule.dst_offset,
            rule.std_offset,
            rule.std_name,
        )
    )
    return component


def _observance(
    observance: TimezoneStandard | TimezoneDaylight,
    start: datetime,
    rrule: vRecur | None,
    offset_from: timedelta,
    offset_to: timedelta,
    name: str,
) -> TimezoneStandard | TimezoneDaylight:
    """One STANDARD or DAYLIGHT part: from when, how often, the offsets either side and its name."""
    observance.add("DTSTART", start)
    if rrule is not None:
        observance.add("RRULE", rrule)
    observance.add("TZOFFSETFROM", offset_from)
    observance.add("TZOFFSETTO", offset_to)
    observance.add("TZNAME", name)
    return observance
