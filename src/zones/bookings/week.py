"""My week: the working days ahead of a person, their desk bookings on each (with whether check-in
is open now), and who of their teams is in. The start page shows it; the rules stay in the
services it calls (`DeskBookings`, `presence.whos_in`, the booking horizon)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from sqlalchemy import select

from zones.bookings import presence
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings, check_in_is_open
from zones.bookings.rules import check_horizon
from zones.bookings.schemas import BookingRead, TeamPresenceRead
from zones.bookings.times import local_today
from zones.errors import RuleRefused
from zones.models import ACTIVE_STATUSES, Booking, Employee, Policy, Site

DAYS_AHEAD: Final = 14
"""How far My week looks: two weeks from today."""


@dataclass(frozen=True)
class DayBooking:
    """One of my bookings on a day, and whether it can be checked in right now."""

    booking: BookingRead
    check_in_open: bool


@dataclass(frozen=True)
class WeekDay:
    """A day of My week."""

    day: date
    is_today: bool
    bookings: list[DayBooking]
    teams: list[TeamPresenceRead]
    """Who of my teams is in (me left out); teams with nobody in are left out."""
    bookable: bool
    """Whether the day is within the booking horizon (a day further ahead cannot be booked yet)."""


@dataclass(frozen=True)
class MyWeek:
    """The person's home site (or the office's first site), today there, and the days ahead."""

    site_name: str | None
    today: date | None
    days: list[WeekDay]


async def my_week(context: BookingContext, desks: DeskBookings, days_ahead: int = DAYS_AHEAD) -> MyWeek:
    """The working days of the person's home site from today on (`days_ahead` calendar days), with
    their bookings (also on a day their home site is closed, if they booked another site) and who of
    their teams is in. Today stays in the list all day long."""
    session, actor, now = context.session, context.actor, context.now()
    home = await _home_site(context)
    if home is None:
        return MyWeek(None, None, [])
    site, policy = home
    today = local_today(site, now)
    last = today + timedelta(days=days_ahead - 1)
    bookings = list(
        await session.scalars(
            select(Booking)
            .where(
                Booking.employee_id == actor.employee_id,
                Booking.day >= today,
                Booking.day <= last,
                Booking.status.in_(ACTIVE_STATUSES),
            )
            .order_by(Booking.day, Booking.starts_at, Booking.id)
        )
    )
    policies = {site.id: policy}
    other_sites = {b.site_id for b in bookings} - policies.keys()
    if other_sites:
        others = await session.scalars(select(Policy).where(Policy.site_id.in_(other_sites)))
        policies.update({other.site_id: other for other in others})
    described = await desks.describe(bookings)
    by_day: dict[date, list[DayBooking]] = {}
    for booking, read in zip(bookings, described, strict=True):
        by_day.setdefault(booking.day, []).append(
            DayBooking(read, check_in_is_open(booking, policies[booking.site_id], now))
        )
    span = [today + timedelta(days=n) for n in range(days_ahead)]
    days = [day for day in span if day.isoweekday() in site.working_days or day in by_day]
    week = []
    for day in days:
        whos_in = await presence.whos_in(session, actor, day)
        teams = [
            TeamPresenceRead(
                team.team_id,
                team.team,
                [p for p in team.present if p.employee_id != actor.employee_id],
                team.hidden,
            )
            for team in whos_in.teams
        ]
        week.append(
            WeekDay(
                day=day,
                is_today=day == today,
                bookings=by_day.get(day, []),
                teams=[team for team in teams if team.present or team.hidden],
                bookable=_within_horizon(site, policy, day, context),
            )
        )
    return MyWeek(site.name, today, week)


async def _home_site(context: BookingContext) -> tuple[Site, Policy] | None:
    """The person's home site and its policy; without one, the office's first site by name."""
    site_and_policy = select(Site, Policy).join(Policy, Policy.site_id == Site.id)
    row = (
        await context.session.execute(
            site_and_policy.join(Employee, Employee.home_site_id == Site.id).where(
                Employee.id == context.actor.employee_id
            )
        )
    ).first()
    if row is None:
        row = (await context.session.execute(site_and_policy.order_by(Site.name).limit(1))).first()
    return None if row is None else (row[0], row[1])


def _within_horizon(site: Site, policy: Policy, day: date, context: BookingContext) -> bool:
    try:
        check_horizon(site, policy, day, context.now())
    except RuleRefused:
        return False
    return True


__all__ = ("DAYS_AHEAD", "DayBooking", "MyWeek", "WeekDay", "my_week")
