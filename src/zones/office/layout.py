"""The office layout each server process keeps in memory: a site's zones and bookable desks, and
every desk's place (zone, floor, site, policy) for the booking rules.

It is read once and then only when the office changed: every query that relies on it also reads
the database's office version (`office_version`, bumped by triggers on every change to sites,
floors, zones, desks, rooms and policies, whichever process made it), so a cached layout is never
used after the office changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from zones.models import Activity, Desk, Floor, Policy, Site, Zone, office_version_now

ZONE, DESK, SITE = Zone.__table__, Desk.__table__, Site.__table__
FLOOR, POLICY = Floor.__table__, Policy.__table__


@dataclass(frozen=True, slots=True)
class DeskLayout:
    """A bookable desk."""

    id: UUID
    code: str
    attributes: tuple[str, ...]
    x_m: float | None
    y_m: float | None


@dataclass(frozen=True, slots=True)
class ZoneLayout:
    """A zone and its bookable desks, by code."""

    id: UUID
    key: str
    name: str
    activity: Activity
    floor_id: UUID
    desks: tuple[DeskLayout, ...]


@dataclass(frozen=True, slots=True)
class SiteLayout:
    """A site's zones by key, as of one office version."""

    site_id: UUID
    version: int | None
    zones: tuple[ZoneLayout, ...]


def _site_layout_statement(site_id: UUID) -> Select[Any]:
    """The site (if it exists) with its zones and their bookable desks, by zone key and desk code."""
    zones = ZONE.outerjoin(DESK, and_(DESK.c.zone_id == ZONE.c.id, DESK.c.bookable.is_(True)))
    return (
        select(
            SITE.c.id,
            ZONE.c.id,
            ZONE.c.key,
            ZONE.c.name,
            ZONE.c.activity,
            ZONE.c.floor_id,
            DESK.c.id,
            DESK.c.code,
            DESK.c.attributes,
            DESK.c.x_m,
            DESK.c.y_m,
        )
        .select_from(SITE.outerjoin(zones, ZONE.c.site_id == SITE.c.id))
        .where(SITE.c.id == site_id)
        .order_by(ZONE.c.key, DESK.c.code)
    )


@dataclass(frozen=True, slots=True)
class DeskPlace:
    """A desk (bookable or not) with the zone, floor, site and policy its booking rules come from.

    Shared by every request of the process: never change these objects, never add them to a session.
    """

    desk: Desk
    zone: Zone
    floor_name: str
    site: Site
    policy: Policy


_DESK_PLACES = select(
    DESK.c.id,
    DESK.c.code,
    DESK.c.bookable,
    DESK.c.attributes,
    DESK.c.x_m,
    DESK.c.y_m,
    ZONE.c.id,
    ZONE.c.name,
    ZONE.c.activity,
    ZONE.c.occupancy_cap,
    FLOOR.c.name,
    SITE.c.id,
    SITE.c.name,
    SITE.c.timezone,
    SITE.c.working_days,
    SITE.c.opens_at,
    SITE.c.closes_at,
    POLICY.c.attendance_max_share,
    POLICY.c.booking_horizon_days,
    POLICY.c.checkin_opens_minutes_before,
    POLICY.c.checkin_deadline_minutes_after,
    POLICY.c.accessible_hold_days,
    POLICY.c.attendance_min_share,
).select_from(
    DESK.join(ZONE, ZONE.c.id == DESK.c.zone_id)
    .join(FLOOR, FLOOR.c.id == ZONE.c.floor_id)
    .join(SITE, SITE.c.id == DESK.c.site_id)
    .join(POLICY, POLICY.c.site_id == SITE.c.id)
)


class LayoutCache:
    """Site layouts and desk places this process has read, with the office version they were read at."""

    def __init__(self) -> None:
        self._sites: dict[UUID, SiteLayout] = {}
        self._places: dict[UUID, DeskPlace] = {}
        self._place_rows: dict[UUID, Any] = {}
        self._sites_and_policies: dict[UUID, tuple[Site, Policy]] = {}
        self._zones: dict[UUID, Zone] = {}
        self._places_version: int | None = None

    async def desk_place(
        self, connection: AsyncConnection, desk_id: UUID, version: int | None
    ) -> DeskPlace | None:
        """The desk's place as of `version` (the office's version now, read by the caller's
        statement); None if there is no such desk (or its site has no policy)."""
        if version is None or version != self._places_version:
            await self._load_places(connection)
        place = self._places.get(desk_id)
        if place is None and (row := self._place_rows.get(desk_id)) is not None:
            place = self._places[desk_id] = self._place(row)
        return place

    async def _load_places(self, connection: AsyncConnection) -> None:
        """Read every desk's place (one statement; again only when the office changed). The rows
        are kept as they come; a desk's objects are built the first time it is booked."""
        version = await connection.scalar(office_version_now())
        rows = (await connection.execute(_DESK_PLACES)).all()
        self._place_rows = {row[0]: row for row in rows}
        self._places, self._sites_and_policies, self._zones = {}, {}, {}
        self._places_version = version

    def _place(self, row: Any) -> DeskPlace:
        desk_id, code, bookable, attributes, x_m, y_m, zone_id, zone_name, activity, cap, floor = row[:11]
        site_id, name, timezone, working_days, opens_at, closes_at, *policy = row[11:]
        if site_id not in self._sites_and_policies:
            self._sites_and_policies[site_id] = (
                Site(
                    id=site_id,
                    name=name,
                    timezone=timezone,
                    working_days=working_days,
                    opens_at=_time(opens_at),
                    closes_at=_time(closes_at),
                ),
                Policy(
                    site_id=site_id,
                    attendance_max_share=policy[0],
                    booking_horizon_days=policy[1],
                    checkin_opens_minutes_before=policy[2],
                    checkin_deadline_minutes_after=policy[3],
                    accessible_hold_days=policy[4],
                    attendance_min_share=policy[5],
                ),
            )
        if zone_id not in self._zones:
            self._zones[zone_id] = Zone(
                id=zone_id,
                name=zone_name,
                activity=Activity(activity),
                occupancy_cap=cap,
                site_id=site_id,
            )
        desk = Desk(
            id=desk_id,
            code=code,
            bookable=bookable,
            attributes=attributes,
            x_m=x_m,
            y_m=y_m,
            zone_id=zone_id,
            site_id=site_id,
        )
        return DeskPlace(desk, self._zones[zone_id], floor, *self._sites_and_policies[site_id])

    def get(self, site_id: UUID, version: int | None) -> SiteLayout | None:
        """The site's layout if it was read at `version` (the office's version now)."""
        layout = self._sites.get(site_id)
        return layout if layout is not None and layout.version == version else None

    async def load(self, connection: AsyncConnection, site_id: UUID) -> SiteLayout | None:
        """Read the site's layout and keep it; None if there is no such site.

        The version is read first: a change committed in between only makes the next use read again.
        """
        version = await connection.scalar(office_version_now())
        rows = (await connection.execute(_site_layout_statement(site_id))).all()
        if not rows:
            self._sites.pop(site_id, None)
            return None
        zones: list[ZoneLayout] = []
        desks: dict[UUID, list[DeskLayout]] = {}
        for _, zone_id, key, name, activity, floor_id, desk_id, code, attributes, x_m, y_m in rows:
            if zone_id is None:
                continue
            if zone_id not in desks:
                zones.append(ZoneLayout(zone_id, key, name, Activity(activity), floor_id, ()))
                desks[zone_id] = []
            if desk_id is not None:
                desks[zone_id].append(DeskLayout(desk_id, code, tuple(attributes), x_m, y_m))
        layout = SiteLayout(
            site_id, version, tuple(replace(zone, desks=tuple(desks[zone.id])) for zone in zones)
        )
        self._sites[site_id] = layout
        return layout

    def cached(self, site_id: UUID) -> SiteLayout | None:
        """The layout kept for the site, whatever its version."""
        return self._sites.get(site_id)

    def clear(self) -> None:
        """Forget every layout and place."""
        self._sites.clear()
        self._places, self._place_rows, self._places_version = {}, {}, None


def _time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


__all__ = ("DeskLayout", "DeskPlace", "LayoutCache", "SiteLayout", "ZoneLayout")
