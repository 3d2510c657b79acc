"""The office layout each server process keeps in memory: a site's zones and bookable desks.

It is read once and then only when the office changed: every query that relies on it also reads
the database's office version (`office_version`, bumped by triggers on every change to sites,
floors, zones, desks, rooms and policies, whichever process made it), so a cached layout is never
used after the office changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from zones.models import Activity, Desk, Site, Zone, office_version_now

ZONE, DESK, SITE = Zone.__table__, Desk.__table__, Site.__table__


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


class LayoutCache:
    """Site layouts this process has read, each with the office version it was read at."""

    def __init__(self) -> None:
        self._sites: dict[UUID, SiteLayout] = {}

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
        """Forget every layout."""
        self._sites.clear()


__all__ = ("DeskLayout", "LayoutCache", "SiteLayout", "ZoneLayout")
