"""Read endpoints for sites, floors, zones, desks and rooms."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from zones.models import Activity, Desk, Floor, Room, Zone
from zones.office.schemas import AttributeFilter, DeskRead, FloorRead, RoomRead, SiteRead, ZoneRead
from zones.office.service import (
    DeskService,
    FloorService,
    RoomService,
    SiteService,
    ZoneService,
    page_of,
    site_summary,
)
from zones.office.summary import SiteSummary
from zones.server.problems import problem_responses

SiteId = Annotated[UUID | None, QueryParameter(name="site_id", description="Only this site")]
ZoneId = Annotated[UUID | None, QueryParameter(name="zone_id", description="Only this zone")]
LIST_ERRORS = problem_responses(400, 401)
GET_ERRORS = problem_responses(400, 401, 404)


class SiteController(Controller):
    """Office sites."""

    path = "/sites"
    tags = ["Office"]

    @get(operation_id="listSites", summary="List sites", responses=LIST_ERRORS)
    async def list_sites(
        self, session: NamedDependency[AsyncSession], page: NamedDependency[LimitOffset]
    ) -> OffsetPagination[SiteRead]:
        return await page_of(SiteService, session, page, SiteRead.of, ("key",))

    @get("/{site_id:uuid}", operation_id="getSite", summary="Get a site", responses=GET_ERRORS)
    async def get_site(self, session: NamedDependency[AsyncSession], site_id: FromPath[UUID]) -> SiteRead:
        return SiteRead.of(await SiteService(session=session).get(site_id))

    @get(
        "/{site_id:uuid}/summary",
        operation_id="getSiteSummary",
        summary="Zones per floor, desks, floor area and desks per person",
        responses=GET_ERRORS,
    )
    async def get_site_summary(
        self, session: NamedDependency[AsyncSession], site_id: FromPath[UUID]
    ) -> SiteSummary:
        return await site_summary(session, site_id)


class FloorController(Controller):
    """Floors of sites."""

    path = "/floors"
    tags = ["Office"]

    @get(operation_id="listFloors", summary="List floors", responses=LIST_ERRORS)
    async def list_floors(
        self,
        session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: SiteId = None,
    ) -> OffsetPagination[FloorRead]:
        return await page_of(
            FloorService,
            session,
            page,
            FloorRead.of,
            ("site_id", "level"),
            Floor.site_id == site_id if site_id is not None else None,
        )

    @get("/{floor_id:uuid}", operation_id="getFloor", summary="Get a floor", responses=GET_ERRORS)
    async def get_floor(self, session: NamedDependency[AsyncSession], floor_id: FromPath[UUID]) -> FloorRead:
        return FloorRead.of(await FloorService(session=session).get(floor_id))


class ZoneController(Controller):
    """Activity zones."""

    path = "/zones"
    tags = ["Office"]

    @get(
        operation_id="listZones",
        summary="List zones, optionally by site, floor or activity",
        responses=LIST_ERRORS,
    )
    async def list_zones(
        self,
        session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: SiteId = None,
        floor_id: Annotated[UUID | None, QueryParameter(name="floor_id")] = None,
        activity: Annotated[Activity | None, QueryParameter(name="activity")] = None,
    ) -> OffsetPagination[ZoneRead]:
        return await page_of(
            ZoneService,
            session,
            page,
            ZoneRead.of,
            ("site_id", "key"),
            Zone.site_id == site_id if site_id is not None else None,
            Zone.floor_id == floor_id if floor_id is not None else None,
            Zone.activity == activity if activity is not None else None,
        )

    @get("/{zone_id:uuid}", operation_id="getZone", summary="Get a zone", responses=GET_ERRORS)
    async def get_zone(self, session: NamedDependency[AsyncSession], zone_id: FromPath[UUID]) -> ZoneRead:
        return ZoneRead.of(await ZoneService(session=session).get(zone_id))


class DeskController(Controller):
    """Desks."""

    path = "/desks"
    tags = ["Office"]

    @get(
        operation_id="listDesks",
        summary="List desks, optionally by site, zone or attribute",
        responses=LIST_ERRORS,
    )
    async def list_desks(
        self,
        session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: SiteId = None,
        zone_id: ZoneId = None,
        attribute: AttributeFilter = None,
        bookable: Annotated[bool | None, QueryParameter(name="bookable")] = None,
    ) -> OffsetPagination[DeskRead]:
        return await page_of(
            DeskService,
            session,
            page,
            DeskRead.of,
            ("site_id", "code"),
            Desk.site_id == site_id if site_id is not None else None,
            Desk.zone_id == zone_id if zone_id is not None else None,
            Desk.offers(attribute) if attribute is not None else None,
            Desk.bookable.is_(bookable) if bookable is not None else None,
        )

    @get("/{desk_id:uuid}", operation_id="getDesk", summary="Get a desk", responses=GET_ERRORS)
    async def get_desk(self, session: NamedDependency[AsyncSession], desk_id: FromPath[UUID]) -> DeskRead:
        return DeskRead.of(await DeskService(session=session).get(desk_id))


class RoomController(Controller):
    """Workshop rooms."""

    path = "/rooms"
    tags = ["Office"]

    @get(
        operation_id="listRooms",
        summary="List workshop rooms, optionally by site, zone or size",
        responses=LIST_ERRORS,
    )
    async def list_rooms(
        self,
        session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: SiteId = None,
        zone_id: ZoneId = None,
        min_capacity: Annotated[int | None, QueryParameter(name="min_capacity", ge=1, le=100_000)] = None,
    ) -> OffsetPagination[RoomRead]:
        return await page_of(
            RoomService,
            session,
            page,
            RoomRead.of,
            ("site_id", "code"),
            Room.site_id == site_id if site_id is not None else None,
            Room.zone_id == zone_id if zone_id is not None else None,
            Room.capacity >= min_capacity if min_capacity is not None else None,
        )

    @get("/{room_id:uuid}", operation_id="getRoom", summary="Get a room", responses=GET_ERRORS)
    async def get_room(self, session: NamedDependency[AsyncSession], room_id: FromPath[UUID]) -> RoomRead:
        return RoomRead.of(await RoomService(session=session).get(room_id))


controllers = [SiteController, FloorController, ZoneController, DeskController, RoomController]
