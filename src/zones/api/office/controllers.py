"""Read endpoints for sites, floors, zones, desks and rooms."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from zones.api.office.schemas import DeskRead, FloorRead, RoomRead, SiteRead, ZoneRead
from zones.api.pagination import provide_page
from zones.api.problems import problem, problem_responses
from zones.models import Activity, Desk, Floor, Room, Zone
from zones.office.services import (
    DeskService,
    FloorService,
    RoomService,
    SiteService,
    ZoneService,
    has_attribute,
)
from zones.office.summary import SiteSummary, summarise_site

SiteId = Annotated[UUID | None, QueryParameter(name="site_id", description="Only this site")]
LIST_ERRORS = problem_responses(400, 401)
GET_ERRORS = problem_responses(400, 401, 404)


class SiteController(Controller):
    """Office sites."""

    path = "/sites"
    tags = ["Office"]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get(operation_id="listSites", summary="List sites", responses=LIST_ERRORS)
    async def list_sites(
        self, db_session: NamedDependency[AsyncSession], page: NamedDependency[LimitOffset]
    ) -> OffsetPagination[SiteRead]:
        sites, total = await SiteService(session=db_session).get_many_and_count(
            page, order_by=[("key", False)]
        )
        return OffsetPagination([SiteRead.of(s) for s in sites], page.limit, page.offset, total)

    @get("/{site_id:uuid}", operation_id="getSite", summary="Get a site", responses=GET_ERRORS)
    async def get_site(self, db_session: NamedDependency[AsyncSession], site_id: FromPath[UUID]) -> SiteRead:
        return SiteRead.of(await SiteService(session=db_session).get(site_id))

    @get(
        "/{site_id:uuid}/summary",
        operation_id="getSiteSummary",
        summary="Zones per floor, desks, floor area and desks per person",
        responses=GET_ERRORS,
    )
    async def get_site_summary(
        self, db_session: NamedDependency[AsyncSession], site_id: FromPath[UUID]
    ) -> SiteSummary:
        summary = await summarise_site(db_session, site_id)
        if summary is None:
            raise problem(404, f"No site with id {site_id}")
        return summary


class FloorController(Controller):
    """Floors of sites."""

    path = "/floors"
    tags = ["Office"]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get(operation_id="listFloors", summary="List floors", responses=LIST_ERRORS)
    async def list_floors(
        self,
        db_session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: SiteId = None,
    ) -> OffsetPagination[FloorRead]:
        filters: list[ColumnElement[bool]] = []
        if site_id is not None:
            filters.append(Floor.site_id == site_id)
        floors, total = await FloorService(session=db_session).get_many_and_count(
            *filters, page, order_by=[("site_id", False), ("level", False)]
        )
        return OffsetPagination([FloorRead.of(f) for f in floors], page.limit, page.offset, total)

    @get("/{floor_id:uuid}", operation_id="getFloor", summary="Get a floor", responses=GET_ERRORS)
    async def get_floor(
        self, db_session: NamedDependency[AsyncSession], floor_id: FromPath[UUID]
    ) -> FloorRead:
        return FloorRead.of(await FloorService(session=db_session).get(floor_id))


class ZoneController(Controller):
    """Activity zones."""

    path = "/zones"
    tags = ["Office"]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get(
        operation_id="listZones",
        summary="List zones, optionally by site, floor or activity",
        responses=LIST_ERRORS,
    )
    async def list_zones(
        self,
        db_session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: SiteId = None,
        floor_id: Annotated[UUID | None, QueryParameter(name="floor_id")] = None,
        activity: Annotated[Activity | None, QueryParameter(name="activity")] = None,
    ) -> OffsetPagination[ZoneRead]:
        filters: list[ColumnElement[bool]] = []
        if site_id is not None:
            filters.append(Zone.site_id == site_id)
        if floor_id is not None:
            filters.append(Zone.floor_id == floor_id)
        if activity is not None:
            filters.append(Zone.activity == activity)
        zones, total = await ZoneService(session=db_session).get_many_and_count(
            *filters, page, order_by=[("site_id", False), ("key", False)]
        )
        return OffsetPagination([ZoneRead.of(z) for z in zones], page.limit, page.offset, total)

    @get("/{zone_id:uuid}", operation_id="getZone", summary="Get a zone", responses=GET_ERRORS)
    async def get_zone(self, db_session: NamedDependency[AsyncSession], zone_id: FromPath[UUID]) -> ZoneRead:
        return ZoneRead.of(await ZoneService(session=db_session).get(zone_id))


class DeskController(Controller):
    """Desks."""

    path = "/desks"
    tags = ["Office"]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get(
        operation_id="listDesks",
        summary="List desks, optionally by site, zone or attribute",
        responses=LIST_ERRORS,
    )
    async def list_desks(
        self,
        db_session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: SiteId = None,
        zone_id: Annotated[UUID | None, QueryParameter(name="zone_id")] = None,
        attribute: Annotated[
            str | None, QueryParameter(name="attribute", max_length=40, description="e.g. accessible")
        ] = None,
        bookable: Annotated[bool | None, QueryParameter(name="bookable")] = None,
    ) -> OffsetPagination[DeskRead]:
        filters: list[ColumnElement[bool]] = []
        if site_id is not None:
            filters.append(Desk.site_id == site_id)
        if zone_id is not None:
            filters.append(Desk.zone_id == zone_id)
        if attribute is not None:
            filters.append(has_attribute(Desk.attributes, attribute, db_session.get_bind().dialect.name))
        if bookable is not None:
            filters.append(Desk.bookable.is_(bookable))
        desks, total = await DeskService(session=db_session).get_many_and_count(
            *filters, page, order_by=[("site_id", False), ("code", False)]
        )
        return OffsetPagination([DeskRead.of(d) for d in desks], page.limit, page.offset, total)

    @get("/{desk_id:uuid}", operation_id="getDesk", summary="Get a desk", responses=GET_ERRORS)
    async def get_desk(self, db_session: NamedDependency[AsyncSession], desk_id: FromPath[UUID]) -> DeskRead:
        return DeskRead.of(await DeskService(session=db_session).get(desk_id))


class RoomController(Controller):
    """Workshop rooms."""

    path = "/rooms"
    tags = ["Office"]
    dependencies = {"page": Provide(provide_page, sync_to_thread=False)}

    @get(
        operation_id="listRooms",
        summary="List workshop rooms, optionally by site, zone or size",
        responses=LIST_ERRORS,
    )
    async def list_rooms(
        self,
        db_session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: SiteId = None,
        zone_id: Annotated[UUID | None, QueryParameter(name="zone_id")] = None,
        min_capacity: Annotated[int | None, QueryParameter(name="min_capacity", ge=1, le=100_000)] = None,
    ) -> OffsetPagination[RoomRead]:
        filters: list[ColumnElement[bool]] = []
        if site_id is not None:
            filters.append(Room.site_id == site_id)
        if zone_id is not None:
            filters.append(Room.zone_id == zone_id)
        if min_capacity is not None:
            filters.append(Room.capacity >= min_capacity)
        rooms, total = await RoomService(session=db_session).get_many_and_count(
            *filters, page, order_by=[("site_id", False), ("code", False)]
        )
        return OffsetPagination([RoomRead.of(r) for r in rooms], page.limit, page.offset, total)

    @get("/{room_id:uuid}", operation_id="getRoom", summary="Get a room", responses=GET_ERRORS)
    async def get_room(self, db_session: NamedDependency[AsyncSession], room_id: FromPath[UUID]) -> RoomRead:
        return RoomRead.of(await RoomService(session=db_session).get(room_id))


controllers = [SiteController, FloorController, ZoneController, DeskController, RoomController]
