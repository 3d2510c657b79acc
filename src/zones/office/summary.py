"""A site at a glance: zones per floor, desks, seats, floor area, air and desks per person."""

from __future__ import annotations

from uuid import UUID

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zones.models import Activity, Employee, Floor, Policy, Site, Zone


class ZoneFigures(msgspec.Struct, frozen=True):
    """One zone's capacity and space."""

    key: str
    name: str
    activity: Activity
    desks: int
    """Bookable desks (phone booths and other drop-in spots are not counted)."""
    rooms: int
    room_seats: int
    area_m2: float
    ceiling_height_m: float
    m2_per_desk: float | None
    m3_per_desk: float | None


class FloorFigures(msgspec.Struct, frozen=True):
    """One floor's zones and totals."""

    name: str
    level: int
    zones: list[ZoneFigures]
    desks: int
    area_m2: float


class SiteSummary(msgspec.Struct, frozen=True):
    """The whole site: per floor and zone, by activity, and desks against headcount."""

    site_id: UUID
    key: str
    name: str
    timezone: str
    floors: list[FloorFigures]
    desks: int
    desks_by_activity: dict[str, int]
    rooms: int
    room_seats: int
    area_m2: float
    headcount: int
    fte: float
    desks_per_person: float | None
    desks_per_fte: float | None
    desks_per_fte_reference: float | None
    """The policy's reference ratio (0.7 for Danish activity-based state offices)."""
    planning_weights: dict[str, int]
    """The planner's objective weights the site's policy sets (the planner's defaults fill the rest)."""


async def summarise_site(session: AsyncSession, site_id: UUID) -> SiteSummary | None:
    """Figures for one site, or None if it does not exist."""
    site = (
        await session.execute(
            select(Site)
            .where(Site.id == site_id)
            .options(
                selectinload(Site.floors).selectinload(Floor.zones).selectinload(Zone.desks),
                selectinload(Site.floors).selectinload(Floor.zones).selectinload(Zone.rooms),
                selectinload(Site.policy).selectinload(Policy.thresholds),
            )
        )
    ).scalar_one_or_none()
    if site is None:
        return None
    headcount, fte = (
        await session.execute(
            select(func.count(Employee.id), func.coalesce(func.sum(Employee.contracted_share), 0.0)).where(
                Employee.home_site_id == site.id, Employee.active.is_(True)
            )
        )
    ).one()
    floors = [_floor_figures(floor) for floor in site.floors]
    zones = [zone for floor in floors for zone in floor.zones]
    desks = sum(zone.desks for zone in zones)
    by_activity = {activity.value: 0 for activity in Activity}
    for zone in zones:
        by_activity[zone.activity.value] += zone.desks
    reference = None
    if site.policy is not None:
        reference = next(
            (t.warning_at or t.breach_at for t in site.policy.thresholds if t.metric == "desks_per_fte"), None
        )
    return SiteSummary(
        site_id=site.id,
        key=site.key,
        name=site.name,
        timezone=site.timezone,
        floors=floors,
        desks=desks,
        desks_by_activity=by_activity,
        rooms=sum(zone.rooms for zone in zones),
        room_seats=sum(zone.room_seats for zone in zones),
        area_m2=round(sum(zone.area_m2 for zone in zones), 1),
        headcount=int(headcount),
        fte=round(float(fte), 2),
        desks_per_person=round(desks / headcount, 2) if headcount else None,
        desks_per_fte=round(desks / float(fte), 2) if fte else None,
        desks_per_fte_reference=reference,
        planning_weights=dict(site.policy.planning_weights) if site.policy else {},
    )


def _floor_figures(floor: Floor) -> FloorFigures:
    zones = [_zone_figures(zone) for zone in floor.zones]
    return FloorFigures(
        name=floor.name,
        level=floor.level,
        zones=zones,
        desks=sum(zone.desks for zone in zones),
        area_m2=round(sum(zone.area_m2 for zone in zones), 1),
    )


def _zone_figures(zone: Zone) -> ZoneFigures:
    desks = sum(1 for desk in zone.desks if desk.bookable)
    return ZoneFigures(
        key=zone.key,
        name=zone.name,
        activity=zone.activity,
        desks=desks,
        rooms=len(zone.rooms),
        room_seats=sum(room.capacity for room in zone.rooms),
        area_m2=zone.area_m2,
        ceiling_height_m=zone.ceiling_height_m,
        m2_per_desk=round(zone.area_m2 / desks, 1) if desks else None,
        m3_per_desk=round(zone.volume_m3 / desks, 1) if desks else None,
    )
