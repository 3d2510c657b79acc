"""Closures and public holidays over HTTP: anyone may list them; planners and admins add and remove."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.auth.middleware import requires_planner
from zones.bookings.times import local_today
from zones.closures import service
from zones.closures.schemas import ClosedRead, ClosureCreate, ClosureCreated
from zones.server.problems import problem_responses
from zones.server.state import AppState

DEFAULT_DAYS = 90
"""How far a list reaches when `to` is not given."""


class ClosureController(Controller):
    """Days a site, a floor or a zone is closed: public holidays and planners' closures."""

    tags = ["Closures"]

    @get(
        "/sites/{site_id:uuid}/closures",
        operation_id="listClosures",
        summary="Closures and public holidays of a site in a range of days",
        responses=problem_responses(400, 401, 404, 422),
    )
    async def list_closed(
        self,
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        site_id: FromPath[UUID],
        first: Annotated[
            date | None, QueryParameter(name="from", description="First day (default: today at the site)")
        ] = None,
        last: Annotated[
            date | None, QueryParameter(name="to", description=f"Last day (default: {DEFAULT_DAYS} days on)")
        ] = None,
    ) -> list[ClosedRead]:
        site = await service.get_site(session, site_id)
        first = first or local_today(site, app_state.clock())
        return await service.closed_between(
            session, site, first, last or first + timedelta(days=DEFAULT_DAYS)
        )

    @post(
        "/sites/{site_id:uuid}/closures",
        operation_id="createClosure",
        summary="Close a site, a floor or a zone for some days, cancelling the bookings it hits",
        guards=[requires_planner],
        responses=problem_responses(400, 401, 403, 404, 409, 422),
    )
    async def create(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        site_id: FromPath[UUID],
        data: JSONBody[ClosureCreate],
    ) -> ClosureCreated:
        site = await service.get_site(session, site_id)
        place = await service.place_in(session, site, floor_id=data.floor_id, zone_id=data.zone_id)
        outcome = await service.add_closure(
            session,
            place,
            data.starts_on,
            data.ends_on or data.starts_on,
            data.reason,
            created_by_id=request.user.employee_id,
            now=app_state.clock(),
            calendar=app_state.calendar,
        )
        (closure,) = await service.read_closures(session, [outcome.closure])
        return ClosureCreated(closure, len(outcome.cancelled), len(outcome.cancelled_rooms))

    @delete(
        "/closures/{closure_id:uuid}",
        operation_id="deleteClosure",
        summary="Remove a closure (the bookings it cancelled stay cancelled)",
        guards=[requires_planner],
        responses=problem_responses(400, 401, 403, 404),
    )
    async def remove(self, session: NamedDependency[AsyncSession], closure_id: FromPath[UUID]) -> None:
        await service.remove_closure(session, closure_id)
