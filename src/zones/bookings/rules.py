"""The site policy's booking rules, each a check that raises `RuleRefused` naming the rule."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from zones.bookings.queries import desk_is_free
from zones.bookings.times import iso_week_days, local_today, site_zone
from zones.closures.days import ClosedDay, closed_on, hold_day
from zones.errors import RuleRefused
from zones.models import ACTIVE_STATUSES, Booking, Desk, DeskSlot, Employee, Half, Period, Policy, Site, Zone
from zones.weekdays import Weekday

ACCESSIBLE = "accessible"


def check_bookable(desk: Desk) -> None:
    """Drop-in places (phone booths) and desks taken out of use cannot be booked."""
    if not desk.bookable:
        raise RuleRefused(
            "desk-not-bookable",
            "Desk is not bookable",
            f"Desk {desk.code} is not bookable (drop-in or out of use)",
            params={"desk": desk.code},
        )


def check_working_day(site: Site, day: date) -> None:
    """Bookings only on the site's working days."""
    if day.isoweekday() not in site.working_days:
        raise RuleRefused(
            "not-a-working-day",
            "Not a working day",
            f"{day:%A %Y-%m-%d} is not a working day at {site.name}",
            params={"day": day.isoformat(), "site": site.name},
            working_days=[Weekday.from_iso(d).value for d in site.working_days],
        )


async def check_not_closed(
    connection: AsyncConnection, site: Site, day: date, zone_id: UUID, *, day_held: bool = False
) -> None:
    """No bookings on the site country's public holidays, nor where a planner closed the site, the
    floor or the zone that day (one statement; the holidays are kept in memory). Unless an earlier
    statement of the transaction took the day's hold (`day_held`), it is taken first."""
    if not day_held:
        await hold_day(connection, day)
    closed = await closed_on(connection, site.id, day, zone_id)
    if closed is not None:
        raise closed_refusal(closed)


def closed_refusal(closed: ClosedDay) -> RuleRefused:
    """The refusal of a booking on a closed day, naming the holiday or the closure's reason."""
    day = closed.day
    if closed.kind == "holiday":
        return RuleRefused(
            "closed",
            "Closed for a public holiday",
            f"{day:%A %Y-%m-%d} is a public holiday ({closed.name}); {closed.place} is closed",
            message_id="closed.holiday",
            params={"day": day.isoformat(), "name": closed.name, "place": closed.place},
        )
    assert closed.starts_on is not None and closed.ends_on is not None
    return RuleRefused(
        "closed",
        "Closed",
        f"{closed.place} is closed on {day:%A %Y-%m-%d}: {closed.name}",
        message_id="closed.closure",
        params={
            "day": day.isoformat(),
            "reason": closed.name,
            "place": closed.place,
            "starts_on": closed.starts_on.isoformat(),
            "ends_on": closed.ends_on.isoformat(),
        },
        closure_id=str(closed.closure_id),
    )


def check_opening_hours(site: Site, starts_at: datetime, ends_at: datetime) -> None:
    """Room bookings only while the site is open (its opening hours are local times)."""
    zone = site_zone(site)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    if start.time() < site.opens_at or end.date() != start.date() or end.time() > site.closes_at:
        opens, closes = f"{site.opens_at:%H:%M}", f"{site.closes_at:%H:%M}"
        raise RuleRefused(
            "outside-opening-hours",
            "Outside opening hours",
            f"{site.name} is open {opens}–{closes} ({site.timezone}); {start:%H:%M}–{end:%H:%M} is not"
            " within those hours",
            params={
                "site": site.name,
                "opens": opens,
                "closes": closes,
                "timezone": site.timezone,
                "starts": start.isoformat(),
                "ends": end.isoformat(),
            },
            opens=opens,
            closes=closes,
        )


def check_not_past(site: Site, day: date, ends_at: datetime, now: datetime) -> None:
    """No bookings for days or half-days that are over."""
    if day < local_today(site, now) or ends_at <= now:
        raise RuleRefused(
            "in-the-past",
            "In the past",
            f"{day} ({site.timezone}) is already over",
            params={"day": day.isoformat(), "timezone": site.timezone},
        )


def last_bookable_day(site: Site, horizon_days: int, now: datetime) -> date:
    """The furthest day a booking horizon of `horizon_days` allows at the site now."""
    return local_today(site, now) + timedelta(days=horizon_days)


async def site_last_bookable_day(session: AsyncSession, site: Site, now: datetime) -> date:
    """The furthest day the site's policy allows booking now (what the pages offer)."""
    horizon = await session.scalar(select(Policy.booking_horizon_days).where(Policy.site_id == site.id))
    return last_bookable_day(site, int(horizon or 0), now)


def check_horizon(site: Site, policy: Policy, day: date, now: datetime) -> None:
    """No bookings further ahead than the policy's booking horizon."""
    last = last_bookable_day(site, policy.booking_horizon_days, now)
    if day > last:
        raise RuleRefused(
            "beyond-horizon",
            "Beyond the booking horizon",
            f"Bookings open {policy.booking_horizon_days} days ahead; the last bookable day is {last}",
            params={"horizon_days": policy.booking_horizon_days, "last_bookable_day": last.isoformat()},
            last_bookable_day=last.isoformat(),
            bookable_from=(day - timedelta(days=policy.booking_horizon_days)).isoformat(),
        )


def check_accessible_hold(policy: Policy, desk: Desk, employee: Employee, day: date, today: date) -> None:
    """Accessible desks stay for people who need them until a few days before."""
    if ACCESSIBLE not in desk.attributes or ACCESSIBLE in employee.needs:
        return
    released_on = day - timedelta(days=policy.accessible_hold_days)
    if today < released_on:
        raise RuleRefused(
            "accessible-desk-held",
            "Accessible desk held",
            f"Desk {desk.code} is kept for colleagues who need an accessible desk until {released_on}",
            params={"desk": desk.code, "released_on": released_on.isoformat()},
            released_on=released_on.isoformat(),
        )


def weekly_day_cap(site: Site, policy: Policy, employee: Employee) -> int:
    """Most office days a week: the top of the attendance band, pro-rated for part-time (at least 1).

    The band's ends round as the planner's do (`optimizer.planning.spec.attendance_band`): the lower
    end up, the upper end down but never below the lower. A 60 % part-timer owes 40 % of 3 days,
    1.2, so 2 days, and may book those 2 although 60 % of 3 days is only 1.8.
    """
    days = len(site.working_days) * employee.contracted_share
    low = math.ceil(policy.attendance_min_share * days - 1e-9)
    high = math.floor(policy.attendance_max_share * days + 1e-9)
    return max(1, low, high)


async def check_attendance_cap(
    session: AsyncSession,
    site: Site,
    policy: Policy,
    employee: Employee,
    day: date,
    ignore_booking: UUID | None = None,
) -> None:
    """No more office days in a week than the attendance band allows."""
    monday, sunday = iso_week_days(day)
    statement = (
        select(Booking.day)
        .distinct()
        .where(
            Booking.employee_id == employee.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.day.between(monday, sunday),
        )
    )
    if ignore_booking is not None:
        statement = statement.where(Booking.id != ignore_booking)
    days = set(await session.scalars(statement))
    cap = weekly_day_cap(site, policy, employee)
    if day not in days and len(days) >= cap:
        listed = ", ".join(f"{d:%a %d %b}" for d in sorted(days))
        raise RuleRefused(
            "attendance-cap",
            "Weekly office days used",
            f"{employee.name} already has {len(days)} office days in week {day:%G-W%V} ({listed}); the policy"
            f" allows {cap} ({policy.attendance_max_share:.0%} of {len(site.working_days)} days"
            f"{'' if employee.contracted_share == 1 else f' × {employee.contracted_share:g} contracted'})."
            " Cancel or move one of them first.",
            message_id="attendance-cap" if employee.contracted_share == 1 else "attendance-cap.part-time",
            params={
                "name": employee.name,
                "days": len(days),
                "week": f"{day:%G-W%V}",
                "booked_days": [d.isoformat() for d in sorted(days)],
                "cap": cap,
                "max_share": policy.attendance_max_share,
                "working_days": len(site.working_days),
                "contracted_share": employee.contracted_share,
            },
            booked_days=[d.isoformat() for d in sorted(days)],
            weekly_cap=cap,
            clash=True,
        )


async def check_zone_cap(
    session: AsyncSession, zone: Zone, day: date, period: Period, ignore_booking: UUID | None = None
) -> None:
    """Never more people in a zone than its occupancy cap."""
    if zone.occupancy_cap is None:
        return
    for half in period.halves:
        statement = (
            select(func.count())
            .select_from(DeskSlot)
            .join(Desk, Desk.id == DeskSlot.desk_id)
            .where(Desk.zone_id == zone.id, DeskSlot.day == day, DeskSlot.half == half)
        )
        if ignore_booking is not None:
            statement = statement.where(DeskSlot.booking_id != ignore_booking)
        taken = int(await session.scalar(statement) or 0)
        if taken >= zone.occupancy_cap:
            alternatives = await free_desks_in_similar_zones(session, zone, day, period)
            raise RuleRefused(
                "zone-full",
                "Zone is full",
                f"{zone.name} is at its occupancy cap of {zone.occupancy_cap} on {day} ({_half_name(half)});"
                f" free desks in other {zone.activity.value} zones are listed",
                params={
                    "zone": zone.name,
                    "cap": zone.occupancy_cap,
                    "day": day.isoformat(),
                    "half": half.value,
                    "activity": zone.activity.value,
                },
                alternatives=alternatives,
                clash=True,
            )


async def free_desks_in_similar_zones(
    session: AsyncSession, zone: Zone, day: date, period: Period, limit: int = 5
) -> list[dict[str, object]]:
    """Free bookable desks in the site's other zones for the same activity."""
    rows = await session.execute(
        select(Desk.id, Desk.code, Zone.name)
        .join(Zone, Zone.id == Desk.zone_id)
        .where(Zone.site_id == zone.site_id, Zone.activity == zone.activity, Zone.id != zone.id)
        .where(Desk.bookable.is_(True), desk_is_free(day, period), ~Desk.offers(ACCESSIBLE))
        .order_by(Zone.key, Desk.code)
        .limit(limit)
    )
    return [
        {"desk_id": str(desk_id), "code": code, "name": zone_name} for desk_id, code, zone_name in rows.all()
    ]


def _half_name(half: Half) -> str:
    return "morning" if half is Half.AM else "afternoon"
