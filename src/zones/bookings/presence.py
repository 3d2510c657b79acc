"""Who is in, and which desks are free: read-only views over the bookings."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
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
    Activity,
    Booking,
    Desk,
    DeskSlot,
    Employee,
    Period,
    Site,
    Team,
    Zone,
    team_membership,
)


async def availability(
    session: AsyncSession,
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

    Every bookable desk counts towards a zone's utilisation; `attribute` only narrows the desks listed.
    """
    if await session.get(Site, site_id) is None:
        raise NotFound.of("site", site_id)
    zones_query = select(Zone).where(Zone.site_id == site_id).order_by(Zone.key)
    if floor_id is not None:
        zones_query = zones_query.where(Zone.floor_id == floor_id)
    if activity is not None:
        zones_query = zones_query.where(Zone.activity == activity)
    if zone_id is not None:
        zones_query = zones_query.where(Zone.id == zone_id)
    zones = list(await session.scalars(zones_query))
    desks: list[tuple[Desk, bool]] = []
    if zones:
        shown = Desk.offers(attribute) if attribute is not None else literal(True)
        desks = [
            (desk, bool(listed))
            for desk, listed in (
                await session.execute(
                    select(Desk, shown)
                    .where(Desk.zone_id.in_([z.id for z in zones]), Desk.bookable.is_(True))
                    .order_by(Desk.code)
                )
            ).all()
        ]
    taken = {
        desk_id: (name if shares else None)
        for desk_id, name, shares in (
            await session.execute(
                select(DeskSlot.desk_id, Employee.name, Employee.shares_presence)
                .join(Employee, Employee.id == DeskSlot.employee_id)
                .where(DeskSlot.day == day, DeskSlot.half.in_(period.halves))
            )
        ).all()
    }
    return AvailabilityRead(
        site_id=site_id,
        day=day,
        period=period,
        zones=[_zone_availability(zone, desks, taken) for zone in zones],
    )


def _zone_availability(
    zone: Zone, desks: list[tuple[Desk, bool]], taken: dict[UUID, str | None]
) -> ZoneAvailabilityRead:
    in_zone = [(d, listed) for d, listed in desks if d.zone_id == zone.id]
    bookable = len(in_zone)
    taken_here = sum(1 for d, _ in in_zone if d.id in taken)
    return ZoneAvailabilityRead(
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
                d.id, d.code, list(d.attributes), d.x_m, d.y_m, d.id not in taken, taken.get(d.id)
            )
            for d, listed in in_zone
            if listed
        ],
    )


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
        visible = [r for r in rows if r.Employee.shares_presence or r.Employee.id == actor.employee_id]
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


__all__ = ("availability", "me", "share_presence", "whos_in")
