"""Response bodies for the office endpoints."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar.params import QueryParameter

from zones.models import Activity, Desk, Floor, Room, Site, Zone
from zones.text import SINGLE_LINE_PATTERN
from zones.weekdays import Weekday

AttributeFilter = Annotated[
    str | None,
    QueryParameter(
        name="attribute",
        max_length=40,
        pattern=SINGLE_LINE_PATTERN,
        description="A desk attribute, e.g. accessible",
    ),
]
"""The `attribute` filter of desk listings and availability."""


class SiteRead(msgspec.Struct, frozen=True):
    """An office site."""

    id: UUID
    key: str
    name: str
    timezone: str
    country: str
    working_days: list[str]
    """Three-letter weekday names, e.g. `mon`."""
    opens: str
    closes: str

    @classmethod
    def of(cls, site: Site) -> SiteRead:
        return cls(
            id=site.id,
            key=site.key,
            name=site.name,
            timezone=site.timezone,
            country=site.country,
            working_days=[Weekday.from_iso(day).value for day in site.working_days],
            opens=site.opens_at.strftime("%H:%M"),
            closes=site.closes_at.strftime("%H:%M"),
        )


class FloorRead(msgspec.Struct, frozen=True):
    """A floor of a site; its plan is `width_m` × `depth_m` metres."""

    id: UUID
    site_id: UUID
    name: str
    level: int
    width_m: float | None
    depth_m: float | None

    @classmethod
    def of(cls, floor: Floor) -> FloorRead:
        return cls(floor.id, floor.site_id, floor.name, floor.level, floor.width_m, floor.depth_m)


class Outline(msgspec.Struct, frozen=True):
    """A zone's rectangle on the floor plan, in metres."""

    x: float
    y: float
    width: float
    depth: float


class ZoneRead(msgspec.Struct, frozen=True):
    """An activity zone."""

    id: UUID
    site_id: UUID
    floor_id: UUID
    neighbourhood_id: UUID | None
    key: str
    name: str
    activity: Activity
    area_m2: float
    ceiling_height_m: float
    volume_m3: float
    occupancy_cap: int | None
    outline: Outline | None

    @classmethod
    def of(cls, zone: Zone) -> ZoneRead:
        outline = None
        if None not in (zone.x_m, zone.y_m, zone.width_m, zone.depth_m):
            outline = Outline(zone.x_m, zone.y_m, zone.width_m, zone.depth_m)  # type: ignore[arg-type]
        return cls(
            id=zone.id,
            site_id=zone.site_id,
            floor_id=zone.floor_id,
            neighbourhood_id=zone.neighbourhood_id,
            key=zone.key,
            name=zone.name,
            activity=zone.activity,
            area_m2=zone.area_m2,
            ceiling_height_m=zone.ceiling_height_m,
            volume_m3=round(zone.volume_m3, 2),
            occupancy_cap=zone.occupancy_cap,
            outline=outline,
        )


class DeskRead(msgspec.Struct, frozen=True):
    """A desk and where it stands on the floor plan."""

    id: UUID
    site_id: UUID
    zone_id: UUID
    code: str
    x_m: float | None
    y_m: float | None
    attributes: list[str]
    bookable: bool

    @classmethod
    def of(cls, desk: Desk) -> DeskRead:
        return cls(
            desk.id,
            desk.site_id,
            desk.zone_id,
            desk.code,
            desk.x_m,
            desk.y_m,
            list(desk.attributes),
            desk.bookable,
        )


class RoomRead(msgspec.Struct, frozen=True):
    """A workshop room in a facilitation zone."""

    id: UUID
    site_id: UUID
    zone_id: UUID
    code: str
    name: str
    capacity: int
    attributes: list[str]
    bookable: bool

    @classmethod
    def of(cls, room: Room) -> RoomRead:
        return cls(
            room.id,
            room.site_id,
            room.zone_id,
            room.code,
            room.name,
            room.capacity,
            list(room.attributes),
            room.bookable,
        )
