"""Build the planner's `Scenario` from the database, the map back from its keys to rows, and stored plans."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zones.closures.days import site_closed_days
from zones.errors import InvalidInput
from zones.models import (
    ACTIVE_STATUSES,
    Absence,
    Booking,
    Closure,
    Desk,
    Employee,
    Floor,
    Neighbourhood,
    Plan,
    PlanSeat,
    Policy,
    RoomBooking,
    RoomBookingStatus,
    Site,
    Team,
    Zone,
)
from zones.optimizer import planning
from zones.weekdays import Weekday


@dataclass
class KeyMap:
    """Scenario keys back to database ids, for storing a plan."""

    zones: dict[str, UUID] = field(default_factory=dict)
    desks: dict[str, UUID] = field(default_factory=dict)
    employees: dict[str, UUID] = field(default_factory=dict)
    names: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Employee key → (e-mail, name)."""


def week_days(site: Site, first_monday: date, weeks: int) -> tuple[date, ...]:
    """The site's working days in `weeks` ISO weeks from `first_monday`."""
    return tuple(
        day
        for offset in range(7 * weeks)
        if (day := first_monday + timedelta(days=offset)).isoweekday() in site.working_days
    )


def next_monday(today: date) -> date:
    """The Monday after `today`: the first day `zones plan` plans by default."""
    return today + timedelta(days=7 - today.weekday())


def parse_iso_week(text: str) -> date:
    """The Monday of an ISO week written like `2026-W49`."""
    try:
        year, week = text.upper().split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError as error:
        raise InvalidInput(
            "invalid-week",
            "Invalid week",
            f"{text!r} is not an ISO week such as 2026-W49",
            params={"week": text},
        ) from error


async def scenario_for_site(
    session: AsyncSession, site_id: UUID, days: tuple[date, ...]
) -> tuple[planning.Scenario, KeyMap]:
    """The site's office, staff, teams, wishes, absences and existing bookings for `days`.

    Days the whole site is closed (its country's public holidays, closures of the site) are left
    out: nobody can book them, so the planner must not send anyone in. A closure of a floor or a
    zone closes the zones it covers on its days (`Zone.closed_days`): the planner seats nobody there.
    """
    site = await session.get_one(Site, site_id)
    closed = await site_closed_days(session, site, days)
    days = tuple(day for day in days if day not in closed)
    policy = await session.scalar(
        select(Policy).where(Policy.site_id == site_id).options(selectinload(Policy.thresholds))
    )
    keys = KeyMap()
    neighbourhoods = {
        n.id: n.key
        for n in await session.scalars(select(Neighbourhood).where(Neighbourhood.site_id == site_id))
    }
    floors = {f.id: f.name for f in await session.scalars(select(Floor).where(Floor.site_id == site_id))}
    site_zones = list(
        await session.scalars(
            select(Zone)
            .where(Zone.site_id == site_id)
            .options(selectinload(Zone.desks), selectinload(Zone.rooms))
            .order_by(Zone.key)
        )
    )
    zone_closed = await zone_closed_days(session, site_id, site_zones, days)
    zones = []
    for zone in site_zones:
        keys.zones[zone.key] = zone.id
        desks = []
        for desk in zone.desks:
            if desk.bookable:
                keys.desks[desk.code] = desk.id
                desks.append(planning.Desk(code=desk.code, attributes=tuple(desk.attributes)))
        zones.append(
            planning.Zone(
                key=zone.key,
                floor=floors[zone.floor_id],
                activity=zone.activity.value,
                area_m2=zone.area_m2,
                ceiling_height_m=zone.ceiling_height_m,
                name=zone.name,
                desks=tuple(desks),
                rooms=tuple(
                    planning.Room(code=r.code, capacity=r.capacity) for r in zone.rooms if r.bookable
                ),
                occupancy_cap=zone.occupancy_cap,
                neighbourhood=neighbourhoods.get(zone.neighbourhood_id) if zone.neighbourhood_id else None,
                closed_days=tuple(sorted(zone_closed.get(zone.id, ()))),
            )
        )
    staff = list(
        await session.scalars(
            select(Employee)
            .where(Employee.home_site_id == site_id, Employee.active.is_(True))
            .options(selectinload(Employee.teams))
            .order_by(Employee.email)
        )
    )
    first, last = (days[0], days[-1]) if days else (date.min, date.min)
    absences: dict[UUID, set[date]] = {}
    for absence in await session.scalars(
        select(Absence).where(
            Absence.employee_id.in_([e.id for e in staff]),
            and_(Absence.starts_on <= last, Absence.ends_on >= first),
        )
    ):
        span = {
            absence.starts_on + timedelta(days=i)
            for i in range((absence.ends_on - absence.starts_on).days + 1)
        }
        absences.setdefault(absence.employee_id, set()).update(d for d in span if d in days)
    teams: dict[UUID, Team] = {}
    employees = []
    for person in staff:
        key = str(person.id)
        keys.employees[key] = person.id
        keys.names[key] = (person.email, person.name)
        for team in person.teams:
            teams[team.id] = team
        employees.append(
            planning.Employee(
                key=key,
                name=person.name,
                teams=tuple(str(t.id) for t in person.teams),
                share=person.contracted_share,
                preferred_days=tuple(Weekday.from_iso(d) for d in sorted(person.preferred_days)),
                unavailable=tuple(sorted(absences.get(person.id, ()))),
                focus_days=person.focus_days,
                team_days=person.team_days,
                needs=tuple(person.needs),
            )
        )
    scenario_teams = tuple(
        planning.Team(
            key=str(team.id),
            name=team.name,
            kind=team.kind.value,
            neighbourhood=neighbourhoods.get(team.neighbourhood_id) if team.neighbourhood_id else None,
            overlap_days=team.overlap_days if team.overlap_days is not None else 1,
            team_day=Weekday.from_iso(team.team_day) if team.team_day else None,
            ends_on=team.ends_on,
        )
        for team in sorted(teams.values(), key=lambda t: t.name)
    )
    bookings = tuple(
        planning.Booking(person=str(employee_id), day=day, desk=code)
        for employee_id, day, code in (
            await session.execute(
                select(Booking.employee_id, Booking.day, Desk.code)
                .join(Desk, Desk.id == Booking.desk_id)
                .where(Booking.site_id == site_id, Booking.day.in_(days), Booking.status.in_(ACTIVE_STATUSES))
                .where(Booking.employee_id.in_([e.id for e in staff]))
                .order_by(Booking.day, Desk.code)
            )
        ).all()
        if code in keys.desks
    )
    sessions = await _sessions(session, site_id, days, keys)
    target = next(
        (t.warning_at for t in (policy.thresholds if policy else []) if t.metric == "peak_utilisation"), None
    )
    scenario = planning.Scenario(
        name=f"{site.key} {days[0]:%G-W%V}" if days else site.key,
        days=days,
        zones=tuple(zones),
        teams=scenario_teams,
        employees=tuple(employees),
        sessions=sessions,
        bookings=bookings,
        policy=planning.PlanningPolicy(
            attendance_min_share=policy.attendance_min_share if policy else 0.4,
            attendance_max_share=policy.attendance_max_share if policy else 0.6,
            utilisation_target=target if target is not None else 0.85,
            weights=weights_from(policy),
        ),
        country=site.country,
    )
    return scenario, keys


async def zone_closed_days(
    session: AsyncSession, site_id: UUID, zones: Iterable[Zone], days: tuple[date, ...]
) -> dict[UUID, set[date]]:
    """Zone id → the days of `days` it is closed by a closure of the zone or of its floor.

    Closures of the whole site are not here: `site_closed_days` leaves their days out of the plan.
    """
    if not days:
        return {}
    first, last = min(days), max(days)
    wanted = set(days)
    on_floor: dict[UUID, list[UUID]] = {}
    for zone in zones:
        on_floor.setdefault(zone.floor_id, []).append(zone.id)
    closed: dict[UUID, set[date]] = {}
    for starts_on, ends_on, floor_id, zone_id in (
        await session.execute(
            select(Closure.starts_on, Closure.ends_on, Closure.floor_id, Closure.zone_id).where(
                Closure.site_id == site_id,
                or_(Closure.floor_id.is_not(None), Closure.zone_id.is_not(None)),
                Closure.starts_on <= last,
                Closure.ends_on >= first,
            )
        )
    ).all():
        if zone_id is not None:
            covered = [zone_id]
        else:
            covered = on_floor.get(floor_id, []) if floor_id is not None else []
        hit = {day for day in wanted if starts_on <= day <= ends_on}
        for closed_zone in covered:
            closed.setdefault(closed_zone, set()).update(hit)
    return closed


async def _sessions(
    session: AsyncSession, site_id: UUID, days: tuple[date, ...], keys: KeyMap
) -> tuple[planning.Session, ...]:
    """Workshops already booked in the horizon: their participants must be in that day."""
    if not days:
        return ()
    rows = list(
        await session.scalars(
            select(RoomBooking)
            .where(RoomBooking.site_id == site_id, RoomBooking.status == RoomBookingStatus.BOOKED)
            .options(selectinload(RoomBooking.attendees))
            .order_by(RoomBooking.starts_at)
        )
    )
    zone = ZoneInfo((await session.get_one(Site, site_id)).timezone)
    sessions = []
    for booking in rows:
        day = booking.starts_at.astimezone(zone).date()
        if day not in days:
            continue
        participants = tuple(
            str(a.employee_id)
            for a in booking.attendees
            if a.employee_id and str(a.employee_id) in keys.employees
        )
        sessions.append(
            planning.Session(
                key=str(booking.id),
                day=day,
                size=len(booking.attendees),
                name=booking.title,
                participants=participants,
            )
        )
    return tuple(sessions)


def weights_from(policy: Policy | None) -> planning.Weights:
    """The policy's stored objective weights; the planner's defaults for any it does not name."""
    stored = policy.planning_weights if policy else {}
    # A weight the planner no longer has (a newer or older policy) is ignored, not an error.
    return planning.Weights(**{k: v for k, v in stored.items() if k in planning.Weights.__struct_fields__})


async def site_thresholds(session: AsyncSession, site: Site) -> tuple[planning.Threshold, ...]:
    """The densification thresholds that apply to `site` (see `thresholds_for`)."""
    policy = await session.scalar(
        select(Policy).where(Policy.site_id == site.id).options(selectinload(Policy.thresholds))
    )
    return thresholds_for(policy, site.country)


def thresholds_for(policy: Policy | None, country: str) -> tuple[planning.Threshold, ...]:
    """The site's thresholds from its policy, completed by the planner's defaults for other metrics."""
    from_policy = {
        t.metric: planning.Threshold(
            metric=t.metric,
            direction=t.direction.value,
            warning=t.warning_at,
            breach=t.breach_at,
            unit=t.unit,
            source=t.source,
            counted_height_max_m=t.counted_height_max_m,
            note=t.note,
        )
        for t in (policy.thresholds if policy else [])
    }
    defaults = {t.metric: t for t in planning.default_thresholds(country)}
    return tuple({**defaults, **from_policy}.values())


@dataclass(frozen=True)
class StoredPlan:
    """A plan read back from the database, with the scenario and thresholds it is judged against."""

    plan_id: UUID
    scenario: planning.Scenario
    thresholds: tuple[planning.Threshold, ...]
    plan: planning.Plan
    site: str = ""
    """The site's name and key."""
    run: str = ""
    """When the run finished and how long it took, for reports."""


async def stored_plan(session: AsyncSession, plan_id: UUID | None = None) -> StoredPlan | None:
    """The plan with `plan_id` (default: the newest), or None when there is no such plan.

    The scenario is rebuilt from today's database for the plan's weeks, so people who left since are
    not in it, and their seats are dropped; so are seats on days closed since (the whole site, or the
    seat's zone or floor), as the closure cancelled the bookings made from them.
    """
    if plan_id is None:
        row = await session.scalar(select(Plan).order_by(Plan.created_at.desc()).limit(1))
    else:
        row = await session.get(Plan, plan_id)
    if row is None:
        return None
    site = await session.get_one(Site, row.site_id)
    first_monday = row.starts_on - timedelta(days=row.starts_on.weekday())
    days = week_days(site, first_monday, (row.ends_on - row.starts_on).days // 7 + 1)
    scenario, keys = await scenario_for_site(session, row.site_id, days)
    people = {employee_id: key for key, employee_id in keys.employees.items()}
    zones = {zone_id: key for key, zone_id in keys.zones.items()}
    desks = {desk_id: code for code, desk_id in keys.desks.items()}
    closed = {(zone.key, day) for zone in scenario.zones for day in zone.closed_days}
    seats = {
        (people[seat.employee_id], seat.day): planning.Seat(
            zones.get(seat.zone_id),
            desks.get(seat.desk_id),
            seat.activity,  # type: ignore[arg-type]
        )
        for seat in await session.scalars(select(PlanSeat).where(PlanSeat.plan_id == row.id))
        # A seat on a day closed since the plan was made is no longer part of it.
        if seat.employee_id in people
        and seat.day in scenario.days
        and (zones.get(seat.zone_id), seat.day) not in closed
    }
    elapsed = row.progress.get("elapsed_s") if row.progress else None
    run = f"finished {row.finished_at:%Y-%m-%d %H:%M %Z}" if row.finished_at else f"{row.status.value}"
    if elapsed is not None:
        run += f", solver {elapsed:.1f} s"
    return StoredPlan(
        plan_id=row.id,
        scenario=scenario,
        thresholds=await site_thresholds(session, site),
        plan=planning.Plan(
            scenario=scenario.name,
            planner="stored",
            seats=seats,
            # Rooms are not stored: they follow from the sessions alone, as the planner chose them.
            rooms=planning.assign_rooms(planning.scenario_facts(scenario)),
            notes=planning.plan_notes(scenario),
        ),
        site=f"{site.name} ({site.key})",
        run=f"{run} (time limit {row.time_limit_s:g} s)",
    )
