"""Who is in, and which desks are free: read-only views over the bookings."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import CompoundSelect, Select, bindparam, null, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.bookings.queries import halves
from zones.bookings.schemas import (
    AvailabilityRead,
    DeskAvailability,
    MeRead,
    PresenceRead,
    TeamPresenceRead,
    WhosInRead,
    ZoneAvailabilityRead,
)
from zones.errors import NotFound
from zones.models import (
    ACTIVE_STATUSES,
    OFFICE_VERSION,
    Activity,
    Booking,
    Desk,
    DeskSlot,
    Employee,
    Period,
    Team,
    Zone,
    team_membership,
)
from zones.office.layout import LayoutCache

ZONE, DESK, SLOT, EMPLOYEE = Zone.__table__, Desk.__table__, DeskSlot.__table__, Employee.__table__


async def availability(
    session: AsyncSession,
    layouts: LayoutCache,
    site_id: UUID,
    day: date,
    period: Period,
    *,
    floor_id: UUID | None = None,
    activity: Activity | None = None,
    attribute: str | None = None,
    zone_id: UUID | None = None,
) -> AvailabilityRead:
    """Free and taken desks per zone of a site for a day and period.

    One statement reads the desks taken that day (with the office version); the zones and desks
    come from this process's layout cache, read again only when the office changed. Every bookable
    desk counts towards a zone's utilisation; `attribute` only narrows the desks listed.
    """
    connection = await session.connection()
    parameters = {"site_id": site_id, "floor_id": floor_id, "zone_id": zone_id, "day": day, **halves(period)}
    statement = _taken_statement(floor_id is not None, zone_id is not None)
    taken: dict[UUID, str | None] = {}
    version = None
    for desk_id, name, shares, stamp in await connection.execute(statement, parameters):
        if desk_id is None:
            version = stamp
        else:
            taken[desk_id] = name if shares else None
    layout = layouts.get(site_id, version) or await layouts.load(connection, site_id)
    if layout is None:
        raise NotFound.of("site", site_id)
    zones = []
    for zone in layout.zones:
        if (
            (floor_id is not None and zone.floor_id != floor_id)
            or (activity is not None and zone.activity is not activity)
            or (zone_id is not None and zone.id != zone_id)
        ):
            continue
        taken_here = sum(1 for desk in zone.desks if desk.id in taken)
        bookable = len(zone.desks)
        zones.append(
            ZoneAvailabilityRead(
                zone_id=zone.id,
                zone_key=zone.key,
                zone_name=zone.name,
                activity=zone.activity.value,
                bookable_desks=bookable,
                taken_desks=taken_here,
                free_desks=bookable - taken_here,
                utilisation=round(taken_here / bookable if bookable else 0.0, 3),
                desks=[
                    DeskAvailability(
                        desk.id,
                        desk.code,
                        list(desk.attributes),
                        desk.x_m,
                        desk.y_m,
                        desk.id not in taken,
                        taken.get(desk.id),
                    )
                    for desk in zone.desks
                    if attribute is None or attribute in desk.attributes
                ],
            )
        )
    return AvailabilityRead(site_id=site_id, day=day, period=period, zones=zones)


@cache
def _taken_statement(by_floor: bool, by_zone: bool) -> CompoundSelect[Any]:
    """The desks of the site (floor, zone) taken for the period's halves, and one more row with the
    office version (so both come back in one round trip, also when nothing is taken)."""
    slots = SLOT.join(EMPLOYEE, EMPLOYEE.c.id == SLOT.c.employee_id).join(DESK, DESK.c.id == SLOT.c.desk_id)
    conditions = [
        SLOT.c.day == bindparam("day"),
        SLOT.c.half.in_([bindparam("first_half"), bindparam("last_half")]),
        DESK.c.site_id == bindparam("site_id"),
    ]
    if by_floor or by_zone:
        slots = slots.join(ZONE, ZONE.c.id == DESK.c.zone_id)
        if by_floor:
            conditions.append(ZONE.c.floor_id == bindparam("floor_id"))
        if by_zone:
            conditions.append(ZONE.c.id == bindparam("zone_id"))
    taken = (
        select(SLOT.c.desk_id, EMPLOYEE.c.name, EMPLOYEE.c.shares_presence, null())
        .select_from(slots)
        .where(*conditions)
    )
    version = select(null(), null(), null(), OFFICE_VERSION.c.version).where(OFFICE_VERSION.c.id == 1)
    return union_all(taken, version)


async def whos_in(
    session: AsyncSession,
    actor: Principal,
    day: date,
    site_id: UUID | None = None,
    team_id: UUID | None = None,
) -> WhosInRead:
    """For each of the actor's teams (or one team, for planners), who has booked on `day`."""
    teams_query = select(Team).order_by(Team.name)
    if team_id is not None:
        teams_query = teams_query.where(Team.id == team_id)
        if not actor.is_planner:
            teams_query = teams_query.join(team_membership).where(
                team_membership.c.employee_id == actor.employee_id
            )
    else:
        teams_query = teams_query.join(team_membership).where(
            team_membership.c.employee_id == actor.employee_id
        )
    teams = [team for team in await session.scalars(teams_query) if team.is_active_on(day)]
    result = []
    for team in teams:
        rows = (
            await session.execute(
                select(Booking, Employee, Desk, Zone)
                .join(Employee, Employee.id == Booking.employee_id)
                .join(Desk, Desk.id == Booking.desk_id)
                .join(Zone, Zone.id == Desk.zone_id)
                .join(team_membership, team_membership.c.employee_id == Employee.id)
                .where(
                    team_membership.c.team_id == team.id,
                    Booking.day == day,
                    Booking.status.in_(ACTIVE_STATUSES),
                )
                .where(Booking.site_id == site_id if site_id is not None else Booking.id.is_not(None))
                .order_by(Employee.name)
            )
        ).all()
        visible = [r for r in rows if shows_presence(r.Employee, actor.employee_id)]
        result.append(
            TeamPresenceRead(
                team_id=team.id,
                team=team.name,
                present=[
                    PresenceRead(
                        r.Employee.id,
                        r.Employee.name,
                        r.Zone.name,
                        r.Desk.code,
                        r.Booking.period,
                        r.Booking.checked_in_at is not None,
                    )
                    for r in visible
                ],
                hidden=len(rows) - len(visible),
            )
        )
    return WhosInRead(day=day, teams=result)


def shows_presence(colleague: Employee, viewer_id: UUID) -> bool:
    """Whether `viewer_id` may see where `colleague` sits: unless they opted out (or it is the viewer)."""
    return colleague.shares_presence or colleague.id == viewer_id


def teammates(employee_id: UUID, day: date) -> Select[tuple[UUID]]:
    """SQL: the people of the employee's teams on `day` (a circle stops counting after its end),
    the teams `whos_in` lists; the employee is among them."""
    teams = (
        select(Team.id)
        .join(team_membership, team_membership.c.team_id == Team.id)
        .where(
            team_membership.c.employee_id == employee_id,
            or_(Team.ends_on.is_(None), Team.ends_on >= day),
        )
    )
    return select(team_membership.c.employee_id).where(team_membership.c.team_id.in_(teams))


async def me(session: AsyncSession, actor: Principal) -> MeRead:
    """The caller as the API shows them, with their presence choice."""
    return _me(await session.get_one(Employee, actor.employee_id))


async def share_presence(session: AsyncSession, actor: Principal, shares: bool) -> MeRead:
    """Opt the caller in to (or out of) showing colleagues where they sit."""
    employee = await session.get_one(Employee, actor.employee_id)
    employee.shares_presence = shares
    await session.flush()
    return _me(employee)


def _me(employee: Employee) -> MeRead:
    return MeRead(employee.id, employee.email, employee.name, employee.role.value, employee.shares_presence)


__all__ = ("availability", "me", "share_presence", "shows_presence", "teammates", "whos_in")
