"""Which days are closed: the site country's public holidays (from the `holidays` package, kept in
memory) and the closures stored for a site, a floor or a zone.

The booking rules ask this on every booking, so it is one statement that reads the site's country
and the closure covering the day (if any); the holidays cost no statement at all. It imports only
the models, so the booking rules can use it without importing the closure service (which cancels
bookings and so imports them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Literal
from uuid import UUID

import holidays
from sqlalchemy import BindParameter, Select, and_, bindparam, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import aliased

from zones.models import Closure, Floor, Site, Zone

ClosedKind = Literal["holiday", "closure"]


@lru_cache(maxsize=256)
def public_holidays(country: str, year: int) -> Mapping[date, str]:
    """The public holidays of `country` (ISO 3166 alpha-2) in `year`, by day, with their names.

    Kept per country and year for the life of the process: holidays do not change while it runs,
    and building them costs far more than a booking may spend. An unknown country has none.
    """
    try:
        found = holidays.country_holidays(country.upper(), years=year)
    except NotImplementedError:  # the package knows no holidays for that country
        return {}
    return dict(found.items())


def holiday_on(country: str | None, day: date) -> str | None:
    """The name of the public holiday on `day` in `country`, or None on an ordinary day."""
    if not country:
        return None
    return public_holidays(country, day.year).get(day)


def holidays_between(country: str, first: date, last: date) -> list[tuple[date, str]]:
    """The public holidays from `first` to `last` (both included), in order."""
    found: list[tuple[date, str]] = []
    for year in range(first.year, last.year + 1):
        found.extend((d, name) for d, name in public_holidays(country, year).items() if first <= d <= last)
    return sorted(found)


@dataclass(frozen=True)
class ClosedDay:
    """Why a day is closed for a place: a public holiday (its name) or a closure (its reason)."""

    day: date
    kind: ClosedKind
    name: str
    """The holiday's name, or the closure's reason."""
    place: str
    """What is closed: the site's name, or the closed floor's or zone's name."""
    closure_id: UUID | None = None
    starts_on: date | None = None
    ends_on: date | None = None


CLOSURE_FLOOR, CLOSURE_ZONE = aliased(Floor, name="closed_floor"), aliased(Zone, name="closed_zone")


def covers(day: Any, zone_id: Any) -> Any:
    """SQL: the closure is on `day` and covers the site, or the zone `zone_id`, or its floor.

    With `zone_id` NULL only closures of the whole site match.
    """
    zone_floor = select(Zone.floor_id).where(Zone.id == zone_id).scalar_subquery()
    return and_(
        Closure.starts_on <= day,
        Closure.ends_on >= day,
        or_(
            and_(Closure.floor_id.is_(None), Closure.zone_id.is_(None)),
            Closure.zone_id == zone_id,
            Closure.floor_id == zone_floor,
        ),
    )


DAY_LOCKS = 0x5A4F
"""The advisory-lock namespace of the days of bookings and closures (PostgreSQL), "ZO"."""
DAY_LOCK_SHARED = func.pg_advisory_xact_lock_shared(DAY_LOCKS, bindparam("day_lock"))
"""A booking's hold on its day until it commits: booking statements add it to their first read."""
LOCK_DAYS = text(
    "SELECT pg_advisory_xact_lock(CAST(:namespace AS integer), d)"
    " FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS d"
).bindparams(namespace=DAY_LOCKS)
"""A new closure's exclusive hold on each of its days (PostgreSQL)."""


def day_lock(day: date) -> int:
    """The advisory-lock key of a day (its proleptic ordinal, well inside a 32-bit key)."""
    return day.toordinal()


async def hold_day(connection: AsyncConnection, day: date) -> None:
    """Take the booking's shared hold on its day, on its own (PostgreSQL; SQLite serialises every
    write already). Closures and bookings meet on it: a closure being added waits for the bookings
    in flight on its days, and a booking that comes after waits for the closure, then sees it.

    The hold must be taken by a statement *before* the one that looks for closures: a statement's
    snapshot (READ COMMITTED) is taken when it starts, so a look that waited for the lock inside
    the same statement would not see the closure it waited for."""
    if connection.dialect.name == "postgresql":
        await connection.execute(select(DAY_LOCK_SHARED), {"day_lock": day_lock(day)})


async def hold_days(connection: AsyncConnection, first: date, last: date) -> None:
    """A closure's exclusive hold on its days, before it looks for the bookings it cancels
    (PostgreSQL): bookings in flight on those days commit first and are found; later ones wait and
    then see the closure."""
    if connection.dialect.name == "postgresql":
        await connection.execute(LOCK_DAYS, {"first": day_lock(first), "last": day_lock(last)})


def _closed_on_statement() -> Select[Any]:
    """The site's country and name, and the first closure covering the day and place (if any)."""
    day: BindParameter[date] = bindparam("day")
    zone_id: BindParameter[UUID | None] = bindparam("zone_id")
    closures = (
        select(Closure.id, Closure.site_id, Closure.reason, Closure.starts_on, Closure.ends_on)
        .add_columns(CLOSURE_FLOOR.name.label("floor_name"), CLOSURE_ZONE.name.label("zone_name"))
        .outerjoin(CLOSURE_FLOOR, CLOSURE_FLOOR.id == Closure.floor_id)
        .outerjoin(CLOSURE_ZONE, CLOSURE_ZONE.id == Closure.zone_id)
        .where(Closure.site_id == bindparam("site_id"), covers(day, zone_id))
        .subquery("covering")
    )
    return (
        select(
            Site.country,
            Site.name,
            closures.c.id,
            closures.c.reason,
            closures.c.starts_on,
            closures.c.ends_on,
            closures.c.floor_name,
            closures.c.zone_name,
        )
        .select_from(Site)
        .outerjoin(closures, closures.c.site_id == Site.id)
        .where(Site.id == bindparam("site_id"))
        # A closure of the whole site says most; then the one that started first.
        .order_by(closures.c.floor_name.is_not(None), closures.c.zone_name.is_not(None), closures.c.starts_on)
        .limit(1)
    )


CLOSED_ON = _closed_on_statement()


async def closed_on(
    connection: AsyncConnection, site_id: UUID, day: date, zone_id: UUID | None = None
) -> ClosedDay | None:
    """Why `day` is closed at the site (for a desk or room in `zone_id`), or None when it is open.

    One statement: the site's country (for its holidays) and the closure covering the day, if any.
    A public holiday wins over a closure on the same day (it closes the whole site).
    """
    row = (
        await connection.execute(CLOSED_ON, {"site_id": site_id, "day": day, "zone_id": zone_id})
    ).one_or_none()
    if row is None:
        return None
    country, site_name, closure_id, reason, starts_on, ends_on, floor_name, zone_name = row
    holiday = holiday_on(country, day)
    if holiday is not None:
        return ClosedDay(day, "holiday", holiday, site_name)
    if closure_id is None:
        return None
    place = zone_name or floor_name or site_name
    return ClosedDay(day, "closure", reason, place, closure_id, starts_on, ends_on)


async def is_closed(
    session: AsyncSession, site: Site, day: date, zone_id: UUID | None = None
) -> ClosedDay | None:
    """Why `day` is closed at `site` (for a place in `zone_id`; None: the whole site), else None."""
    return await closed_on(await session.connection(), site.id, day, zone_id)


async def site_closed_days(session: AsyncSession, site: Site, days: tuple[date, ...]) -> set[date]:
    """The days of `days` the whole site is closed: its country's public holidays and the closures
    of the site itself (a closed floor or zone leaves the rest of the site open)."""
    if not days:
        return set()
    first, last = min(days), max(days)
    closed = {d for d in days if holiday_on(site.country, d) is not None}
    for starts_on, ends_on in (
        await session.execute(
            select(Closure.starts_on, Closure.ends_on).where(
                Closure.site_id == site.id,
                Closure.floor_id.is_(None),
                Closure.zone_id.is_(None),
                Closure.starts_on <= last,
                Closure.ends_on >= first,
            )
        )
    ).all():
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            closed.add(day)
            day += timedelta(days=1)
    return closed & set(days)


__all__ = (
    "CLOSED_ON",
    "ClosedDay",
    "ClosedKind",
    "closed_on",
    "covers",
    "holiday_on",
    "holidays_between",
    "is_closed",
    "public_holidays",
    "site_closed_days",
)
