"""Who is in, and which desks are free: read-only views over the bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.booking.rules import ACCESSIBLE
from zones.models import (
    ACTIVE_STATUSES,
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


@dataclass(frozen=True)
class DeskState:
    """A desk and whether it is free for the asked period."""

    desk: Desk
    free: bool
    taken_by: str | None
    """The colleague's name, only if they share their presence."""


@dataclass(frozen=True)
class ZoneAvailability:
    """A zone's desks for one day and period, and how full it is."""

    zone: Zone
    desks: list[DeskState]
    bookable: int
    taken: int

    @property
    def utilisation(self) -> float:
        return self.taken / self.bookable if self.bookable else 0.0


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
) -> list[ZoneAvailability]:
    """Free and taken desks per zone for a day and period."""
    zones_query = select(Zone).where(Zone.site_id == site_id).order_by(Zone.key)
    if floor_id is not None:
        zones_query = zones_query.where(Zone.floor_id == floor_id)
    if activity is not None:
        zones_query = zones_query.where(Zone.activity == activity)
    if zone_id is not None:
        zones_query = zones_query.where(Zone.id == zone_id)
    zones = list(await session.scalars(zones_query))
    if not zones:
        return []
    desks = list(
        await session.scalars(
            select(Desk)
            .where(Desk.zone_id.in_([z.id for z in zones]), Desk.bookable.is_(True))
            .order_by(Desk.code)
        )
    )
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
    result = []
    for zone in zones:
        in_zone = [d for d in desks if d.zone_id == zone.id]
        taken_here = sum(1 for d in in_zone if d.id in taken)
        shown = [d for d in in_zone if attribute is None or attribute in d.attributes]
        result.append(
            ZoneAvailability(
                zone=zone,
                desks=[DeskState(d, d.id not in taken, taken.get(d.id)) for d in shown],
                bookable=len(in_zone),
                taken=taken_here,
            )
        )
    return result


@dataclass(frozen=True)
class Presence:
    """A teammate who is in on the day, and where."""

    employee_id: UUID
    name: str
    zone: str
    desk: str
    period: Period
    checked_in: bool


@dataclass(frozen=True)
class TeamPresence:
    """A team's members who are in on a day; people who opted out are only counted."""

    team_id: UUID
    team: str
    present: list[Presence]
    hidden: int


async def whos_in(
    session: AsyncSession,
    actor: Principal,
    day: date,
    site_id: UUID | None = None,
    team_id: UUID | None = None,
) -> list[TeamPresence]:
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
            TeamPresence(
                team_id=team.id,
                team=team.name,
                present=[
                    Presence(
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
    return result


__all__ = ("ACCESSIBLE", "availability", "whos_in")
