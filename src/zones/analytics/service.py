"""Occupancy analytics: planned against booked against used, per zone, floor, team or day.

A facilities planner applies a plan and a month later asks whether people came as planned, how full
each zone really was, and whether the space per person actually present stayed within the policy's
thresholds. The answers come from a handful of SQL aggregations (bookings are counted in the
database, never loaded one by one); Python only divides and arranges the totals.

What counts as what:
- **booked**: every booking not cancelled — booked, checked in, and released. A released no-show
  was booked (the desk was kept from others until the deadline), so it counts as booked and again
  as `released`; a cancelled booking gave the desk back in time and counts nowhere.
- **utilisation**: desk half-days taken by such bookings ÷ bookable half-days (desks × 2 per day);
  a morning or an afternoon booking is half a desk-day. A desk half booked by a no-show and then
  rebooked by someone else after the release counts once (distinct desk per half in SQL).
- **present / came**: people checked in. A booking still `booked` is not presence: on a past day it
  means check-in was skipped, on a future day nobody has come yet.
- **attendance band**: days checked in ÷ the person's contracted working days in the range, against
  the policy's band (40–60 %); only counts of people below, within and above leave Zones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, SQLColumnExpression, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zones.analytics.schemas import (
    AttendanceBand,
    DayFigures,
    GroupFigures,
    Grouping,
    Occupancy,
    ThresholdCheck,
    ThresholdRead,
    WeekFigures,
)
from zones.errors import InvalidInput, NotFound
from zones.models import (
    Booking,
    BookingStatus,
    Desk,
    Employee,
    Floor,
    Period,
    Plan,
    PlanSeat,
    PlanStatus,
    Policy,
    Site,
    Team,
    Zone,
    team_membership,
)
from zones.office.parse import load_policy_file
from zones.office.paths import default_policy_file
from zones.office.service import find_site
from zones.optimizer.planning import Threshold
from zones.plans.scenario_from_db import thresholds_for
from zones.weekdays import Weekday

MAX_RANGE_DAYS = 366
"""A year: longer ranges belong in an export of several runs, not one request."""
SPACE_METRICS = ("area_m2_per_person", "air_m3_per_person")
AIR = "air_m3_per_person"
CLOSE = 1e-9
"""Band edges are products of shares (0.4 × 0.8 × 5): compare with a little room for rounding."""


@dataclass
class _Counts:
    """One group's bookings on one day, as the database summed them."""

    booked: int = 0
    checked_in: int = 0
    released: int = 0
    booked_half_days: int = 0
    present: int = 0


@dataclass(frozen=True)
class _Group:
    """A row of the analysis before its figures: identity, desks and space."""

    id: Any
    key: str
    name: str
    desks: int | None
    area_m2: float | None
    air_m3: float | None
    """Air volume, the ceiling counted up to the air threshold's height."""


async def occupancy(
    session: AsyncSession, site_id: UUID, start: date, end: date, by: Grouping = Grouping.ZONE
) -> Occupancy:
    """Planned, booked, checked-in and released per group and day, with utilisation, desk sharing,
    space per person against the thresholds, the attendance band and the weekly trend."""
    if end < start:
        raise InvalidInput(
            "invalid-range",
            "Invalid range",
            f"the range ends ({end}) before it starts ({start}): give `from` on or before `to`",
            params={"from": str(start), "to": str(end)},
        )
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            "range-too-long",
            "Range too long",
            f"{start} to {end} is longer than {MAX_RANGE_DAYS} days: ask for a year or less at a time",
            params={"from": str(start), "to": str(end), "max_days": MAX_RANGE_DAYS},
        )
    site = await session.scalar(
        select(Site)
        .where(Site.id == site_id)
        .options(selectinload(Site.policy).selectinload(Policy.thresholds))
    )
    if site is None:
        raise NotFound.of("site", site_id)
    thresholds = {t.metric: t for t in thresholds_for(site.policy, site.country)}
    working_days = [d for d in _dates(start, end) if d.isoweekday() in site.working_days]
    counts = await _booking_counts(session, site.id, start, end, by)
    plan, plan_basis = await _plan_for(session, site.id, start, end)
    planned = await _planned_counts(session, plan, start, end, by) if plan else {}
    booked_days = {day for _, day in counts} | {day for _, day in planned}
    days = sorted(set(working_days) | booked_days)
    groups = await _groups(session, site, by, thresholds.get(AIR))
    seen = {group for group, _ in counts} | {group for group, _ in planned}
    groups = [g for g in groups if g.desks or g.id in seen or by in (Grouping.TEAM, Grouping.DAY)]
    band = _band_shares(site.policy)
    attended = await _attended_days(session, site.id, start, end)
    team_bands: dict[Any, AttendanceBand] = {}
    if by is Grouping.TEAM:
        members = await _team_members(session)
        for group in groups:
            people = [attended[p] for p in members.get(group.id, ()) if p in attended]
            team_bands[group.id] = _attendance_band(people, band, len(working_days))
    return Occupancy(
        site_id=site.id,
        site_key=site.key,
        site_name=site.name,
        by=by,
        starts_on=start,
        ends_on=end,
        days=days,
        plan_id=plan.id if plan else None,
        plan_basis=plan_basis,
        thresholds=[_threshold_read(t) for t in thresholds.values()],
        groups=[
            _group_figures(group, days, counts, planned, thresholds, team_bands.get(group.id))
            for group in groups
        ],
        attendance=_attendance_band(list(attended.values()), band, len(working_days)),
    )


async def site_occupancy(
    session: AsyncSession, site_key: str, start: date, end: date, by: Grouping = Grouping.ZONE
) -> Occupancy:
    """`occupancy` for the site with `site_key` (the CLI names sites by key)."""
    site = await find_site(session, site_key)
    return await occupancy(session, site.id, start, end, by)


def _dates(start: date, end: date) -> Iterable[date]:
    return (start + timedelta(days=n) for n in range((end - start).days + 1))


def _booking_group(by: Grouping) -> SQLColumnExpression[Any]:
    """The column a booking's row is grouped by (the site itself for `day`)."""
    return {
        Grouping.ZONE: Desk.zone_id,
        Grouping.FLOOR: Zone.floor_id,
        Grouping.TEAM: team_membership.c.team_id,
        Grouping.DAY: Booking.site_id,
    }[by]


def _joined(
    statement: Select[Any], by: Grouping, employee: SQLColumnExpression[Any], desk: SQLColumnExpression[Any]
) -> Any:
    """Join what the grouping needs: the desk (and its zone) or the person's teams."""
    if by is Grouping.ZONE:
        return statement.join(Desk, Desk.id == desk)
    if by is Grouping.FLOOR:
        return statement.join(Desk, Desk.id == desk).join(Zone, Zone.id == Desk.zone_id)
    if by is Grouping.TEAM:
        # A person in two teams counts in both: each team sees its own members' days.
        return statement.join(team_membership, team_membership.c.employee_id == employee)
    return statement


async def _booking_counts(
    session: AsyncSession, site_id: UUID, start: date, end: date, by: Grouping
) -> dict[tuple[Any, date], _Counts]:
    """Bookings summed per group and day in one statement."""
    group = _booking_group(by)
    halves_am = (Period.FULL, Period.MORNING)
    halves_pm = (Period.FULL, Period.AFTERNOON)
    statement = select(
        group,
        Booking.day,
        func.count(Booking.id),
        func.count(case((Booking.status == BookingStatus.CHECKED_IN, 1))),
        func.count(case((Booking.status == BookingStatus.RELEASED, 1))),
        # Distinct desks per half: a half rebooked after a no-show's release is one desk half-day.
        func.count(case((Booking.period.in_(halves_am), Booking.desk_id)).distinct()),
        func.count(case((Booking.period.in_(halves_pm), Booking.desk_id)).distinct()),
        func.count(case((Booking.status == BookingStatus.CHECKED_IN, Booking.employee_id)).distinct()),
    ).select_from(Booking)
    statement = _joined(statement, by, Booking.employee_id, Booking.desk_id)
    statement = statement.where(
        Booking.site_id == site_id,
        Booking.day >= start,
        Booking.day <= end,
        Booking.status != BookingStatus.CANCELLED,
    ).group_by(group, Booking.day)
    result: dict[tuple[Any, date], _Counts] = {}
    for key, day, booked, checked_in, released, am, pm, present in await session.execute(statement):
        result[key, day] = _Counts(booked, checked_in, released, am + pm, present)
    return result


async def _plan_for(session: AsyncSession, site_id: UUID, start: date, end: date) -> tuple[Plan | None, str]:
    """The plan people were planned by, and a sentence saying which and why.

    Zones marks no plan as "applied": a planner reruns until satisfied and works from the last
    finished run, so the newest finished plan whose days overlap the range is the one compared.
    """
    plan = await session.scalar(
        select(Plan)
        .where(
            Plan.site_id == site_id,
            Plan.status == PlanStatus.DONE,
            Plan.starts_on <= end,
            Plan.ends_on >= start,
        )
        .order_by(Plan.created_at.desc(), Plan.id.desc())
        .limit(1)
    )
    if plan is None:
        return None, "no finished plan covers these days, so nothing counts as planned"
    return plan, (
        f"plan {plan.id} ({plan.starts_on} to {plan.ends_on}): the newest finished plan that covers"
        " these days (Zones has no 'applied' mark; planners work from their last finished run)"
    )


async def _planned_counts(
    session: AsyncSession, plan: Plan, start: date, end: date, by: Grouping
) -> dict[tuple[Any, date], int]:
    """Planned seats per group and day."""
    group = {
        Grouping.ZONE: PlanSeat.zone_id,
        Grouping.FLOOR: Zone.floor_id,
        Grouping.TEAM: team_membership.c.team_id,
        Grouping.DAY: Plan.site_id,
    }[by]
    statement = select(group, PlanSeat.day, func.count(PlanSeat.id)).select_from(PlanSeat)
    if by is Grouping.FLOOR:
        statement = statement.join(Zone, Zone.id == PlanSeat.zone_id)
    elif by is Grouping.TEAM:
        statement = statement.join(team_membership, team_membership.c.employee_id == PlanSeat.employee_id)
    elif by is Grouping.DAY:
        statement = statement.join(Plan, Plan.id == PlanSeat.plan_id)
    statement = statement.where(
        PlanSeat.plan_id == plan.id, PlanSeat.day >= start, PlanSeat.day <= end
    ).group_by(group, PlanSeat.day)
    return {(key, day): int(n) for key, day, n in await session.execute(statement)}


async def _groups(session: AsyncSession, site: Site, by: Grouping, air: Threshold | None) -> list[_Group]:
    """The zones, floors or teams of the site (or the site itself), with desks and space."""
    height_cap = air.counted_height_max_m if air else None
    desk_counts: dict[UUID, int] = {
        zone_id: int(n)
        for zone_id, n in await session.execute(
            select(Desk.zone_id, func.count(Desk.id))
            .where(Desk.site_id == site.id, Desk.bookable.is_(True))
            .group_by(Desk.zone_id)
        )
    }
    zones = list(await session.scalars(select(Zone).where(Zone.site_id == site.id)))
    floors = {f.id: f for f in await session.scalars(select(Floor).where(Floor.site_id == site.id))}

    def space(members: list[Zone]) -> tuple[int, float | None, float | None]:
        # Only zones with bookable desks are desk space; a workshop zone seats nobody at a desk.
        with_desks = [z for z in members if desk_counts.get(z.id)]
        desks = sum(desk_counts[z.id] for z in with_desks)
        if not with_desks:
            return desks, None, None
        area = sum(z.area_m2 for z in with_desks)
        air_m3 = sum(
            z.area_m2 * min(z.ceiling_height_m, height_cap or z.ceiling_height_m) for z in with_desks
        )
        return desks, area, air_m3

    if by is Grouping.ZONE:
        ordered = sorted(zones, key=lambda z: (floors[z.floor_id].level, z.key))
        return [_Group(z.id, z.key, z.name, *space([z])) for z in ordered]
    if by is Grouping.FLOOR:
        return [
            _Group(f.id, str(f.level), f.name, *space([z for z in zones if z.floor_id == f.id]))
            for f in sorted(floors.values(), key=lambda f: f.level)
        ]
    if by is Grouping.DAY:
        return [_Group(site.id, site.key, site.name, *space(zones))]
    teams = await session.scalars(
        select(Team)
        .where(
            Team.id.in_(
                select(team_membership.c.team_id)
                .join(Employee, Employee.id == team_membership.c.employee_id)
                .where(Employee.home_site_id == site.id)
            )
        )
        .order_by(Team.name)
    )
    return [_Group(t.id, t.name, t.name, None, None, None) for t in teams]


async def _team_members(session: AsyncSession) -> dict[Any, list[UUID]]:
    members: dict[Any, list[UUID]] = defaultdict(list)
    for team_id, employee_id in await session.execute(
        select(team_membership.c.team_id, team_membership.c.employee_id)
    ):
        members[team_id].append(employee_id)
    return members


async def _attended_days(
    session: AsyncSession, site_id: UUID, start: date, end: date
) -> dict[UUID, tuple[float, int]]:
    """Each active person of the site: contracted share and days checked in, summed in SQL."""
    came = case(
        (
            (Booking.status == BookingStatus.CHECKED_IN) & (Booking.day >= start) & (Booking.day <= end),
            Booking.day,
        )
    )
    rows = await session.execute(
        select(Employee.id, Employee.contracted_share, func.count(came.distinct()))
        .outerjoin(Booking, (Booking.employee_id == Employee.id) & (Booking.site_id == site_id))
        .where(Employee.home_site_id == site_id, Employee.active.is_(True))
        .group_by(Employee.id, Employee.contracted_share)
    )
    return {person: (float(share), int(days)) for person, share, days in rows}


def _band_shares(policy: Policy | None) -> tuple[float, float]:
    """The site's attendance band; the shipped policy's for a site without one."""
    if policy is not None:
        return policy.attendance_min_share, policy.attendance_max_share
    attendance = load_policy_file(default_policy_file()).attendance
    return attendance.min_share or 0.0, attendance.max_share or 1.0


def _attendance_band(
    people: list[tuple[float, int]], band: tuple[float, float], working_days: int
) -> AttendanceBand:
    """Count people below, within and above their band of contracted working days."""
    below = within = above = 0
    low, high = band
    for share, days in people:
        contracted = share * working_days
        if days < low * contracted - CLOSE:
            below += 1
        elif days > high * contracted + CLOSE:
            above += 1
        else:
            within += 1
    return AttendanceBand(
        people=len(people),
        below=below,
        within=within,
        above=above,
        min_share=low,
        max_share=high,
        working_days=working_days,
    )


def _group_figures(
    group: _Group,
    days: list[date],
    counts: dict[tuple[Any, date], _Counts],
    planned: dict[tuple[Any, date], int],
    thresholds: dict[str, Threshold],
    attendance: AttendanceBand | None,
) -> GroupFigures:
    rows = [
        _day_figures(group, day, counts.get((group.id, day), _Counts()), planned.get((group.id, day), 0))
        for day in days
    ]
    booked = sum(r.booked for r in rows)
    released = sum(r.released for r in rows)
    rated = [r for r in rows if r.utilisation is not None]
    peak = max(rated, key=lambda r: r.utilisation or 0.0, default=None)
    sharing = [r.sharing_ratio for r in rows if r.sharing_ratio is not None]
    return GroupFigures(
        key=group.key,
        name=group.name,
        desks=group.desks,
        area_m2=group.area_m2,
        days=rows,
        planned=sum(r.planned for r in rows),
        booked=booked,
        checked_in=sum(r.checked_in for r in rows),
        released=released,
        no_show_share=released / booked if booked else None,
        average_utilisation=_share(rows),
        peak_utilisation=peak.utilisation if peak else None,
        peak_day=peak.day if peak else None,
        average_sharing_ratio=sum(sharing) / len(sharing) if sharing else None,
        checks=_checks(rows, thresholds, peak) if group.desks else [],
        weeks=_weeks(rows),
        weekdays=_weekday_profile(rows),
        attendance=attendance,
    )


def _day_figures(group: _Group, day: date, counts: _Counts, planned: int) -> DayFigures:
    bookable = 2 * group.desks if group.desks is not None else None
    present = counts.present
    return DayFigures(
        day=day,
        desks=group.desks,
        planned=planned,
        booked=counts.booked,
        checked_in=counts.checked_in,
        released=counts.released,
        booked_half_days=counts.booked_half_days,
        bookable_half_days=bookable,
        utilisation=counts.booked_half_days / bookable if bookable else None,
        present=present,
        sharing_ratio=present / group.desks if group.desks else None,
        m2_per_person=group.area_m2 / present if present and group.area_m2 else None,
        m3_per_person=group.air_m3 / present if present and group.air_m3 else None,
    )


def _share(rows: list[DayFigures]) -> float | None:
    """Booked half-days ÷ bookable half-days over `rows` (not a mean of daily shares)."""
    bookable = sum(r.bookable_half_days or 0 for r in rows)
    return sum(r.booked_half_days for r in rows) / bookable if bookable else None


def _checks(
    rows: list[DayFigures], thresholds: dict[str, Threshold], peak: DayFigures | None
) -> list[ThresholdCheck]:
    """The most crowded day's space per person and the busiest day's utilisation, each against its
    threshold."""
    checks = []
    for metric, attribute in (("area_m2_per_person", "m2_per_person"), (AIR, "m3_per_person")):
        threshold = thresholds.get(metric)
        if threshold is None:
            continue
        worst = min(
            (r for r in rows if getattr(r, attribute) is not None),
            key=lambda r: getattr(r, attribute),
            default=None,
        )
        checks.append(
            _check(threshold, getattr(worst, attribute) if worst else None, worst.day if worst else None)
        )
    if (threshold := thresholds.get("peak_utilisation")) is not None:
        checks.append(_check(threshold, peak.utilisation if peak else None, peak.day if peak else None))
    return checks


def _check(threshold: Threshold, figure: float | None, day: date | None) -> ThresholdCheck:
    return ThresholdCheck(
        metric=threshold.metric,
        figure=figure,
        day=day,
        severity=threshold.severity(figure) if figure is not None else None,
        warning=threshold.warning,
        breach=threshold.breach,
        unit=threshold.unit,
        source=threshold.source,
    )


def _weeks(rows: list[DayFigures]) -> list[WeekFigures]:
    """The trend: each ISO week's share of half-days booked, check-ins and no-shows."""
    by_week: dict[tuple[int, int], list[DayFigures]] = defaultdict(list)
    for row in rows:
        year, week, _ = row.day.isocalendar()
        by_week[year, week].append(row)
    return [
        WeekFigures(
            week=f"{year}-W{week:02d}",
            days=len(week_rows),
            booked_half_days=sum(r.booked_half_days for r in week_rows),
            bookable_half_days=(
                sum(r.bookable_half_days or 0 for r in week_rows)
                if week_rows[0].bookable_half_days is not None
                else None
            ),
            utilisation=_share(week_rows),
            checked_in=sum(r.checked_in for r in week_rows),
            released=sum(r.released for r in week_rows),
        )
        for (year, week), week_rows in sorted(by_week.items())
    ]


def _weekday_profile(rows: list[DayFigures]) -> dict[str, float | None]:
    """Utilisation per weekday over the range (booked ÷ bookable half-days of those weekdays)."""
    by_weekday: dict[Weekday, list[DayFigures]] = defaultdict(list)
    for row in rows:
        by_weekday[Weekday.of(row.day)].append(row)
    return {weekday.value: _share(by_weekday[weekday]) for weekday in Weekday if weekday in by_weekday}


def _threshold_read(threshold: Threshold) -> ThresholdRead:
    return ThresholdRead(
        metric=threshold.metric,
        name=threshold.name,
        direction=threshold.direction,
        warning=threshold.warning,
        breach=threshold.breach,
        unit=threshold.unit,
        source=threshold.source,
        counted_height_max_m=threshold.counted_height_max_m,
    )
