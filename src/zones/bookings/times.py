"""Times in a site's own time zone, daylight-saving changes included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from zones.errors import InvalidInput
from zones.models import Period, Site

MIDDAY = time(12, 0)
"""Where a morning ends and an afternoon begins."""


def site_zone(site: Site) -> ZoneInfo:
    """The site's time zone."""
    return ZoneInfo(site.timezone)


def local_today(site: Site, now: datetime) -> date:
    """Today's date at the site (which may differ from UTC's)."""
    return now.astimezone(site_zone(site)).date()


def period_bounds(site: Site, day: date, period: Period) -> tuple[datetime, datetime]:
    """When a desk booking starts and ends, in UTC, from the site's office hours."""
    zone = site_zone(site)
    opens, closes = site.opens_at, site.closes_at
    start = {Period.FULL: opens, Period.MORNING: opens, Period.AFTERNOON: max(MIDDAY, opens)}[period]
    end = {Period.FULL: closes, Period.MORNING: min(MIDDAY, closes), Period.AFTERNOON: closes}[period]
    return (
        datetime.combine(day, start, tzinfo=zone).astimezone(UTC),
        datetime.combine(day, end, tzinfo=zone).astimezone(UTC),
    )


def to_utc(value: datetime, site: Site, field: str) -> datetime:
    """A client's time as UTC: offsets are honoured, naive times are read in the site's time zone.

    A naive local time that does not exist (skipped by the spring clock change) or happens twice
    (repeated in autumn) is refused rather than guessed.
    """
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    zone = site_zone(site)
    first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != value:
            raise InvalidInput(
                "time-does-not-exist",
                "Time does not exist",
                f"{field} {value:%Y-%m-%d %H:%M} does not exist in {site.timezone} (the clocks move forward)",
                params={"field": field, "time": value.isoformat(), "timezone": site.timezone},
            )
        raise InvalidInput(
            "time-is-ambiguous",
            "Time is ambiguous",
            f"{field} {value:%Y-%m-%d %H:%M} happens twice in {site.timezone} (the clocks move back);"
            " give a UTC offset, e.g. +02:00",
            params={"field": field, "time": value.isoformat(), "timezone": site.timezone},
        )
    return first.astimezone(UTC)


def iso_week_days(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week `day` falls in."""
    monday = day - timedelta(days=day.isoweekday() - 1)
    return monday, monday + timedelta(days=6)
