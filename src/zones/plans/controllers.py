"""Planning over HTTP: start a run, follow its progress, read the plan and its densification flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.auth.middleware import requires_planner
from zones.plans import service
from zones.plans.schemas import PlanCreate, PlanRead, SeatRead
from zones.server.problems import problem_responses
from zones.server.state import AppState


async def _call(start: Callable[[], None]) -> None:
    start()


class PlanController(Controller):
    """Plans: who comes in on which day, in which zone, at which desk (planners and admins)."""

    path = "/plans"
    tags = ["Planning"]
    guards = [requires_planner]

    @post(
        operation_id="createPlan",
        summary="Start planning a site's weeks",
        status_code=202,
        responses=problem_responses(400, 401, 403, 404, 422),
    )
    async def create(
        self,
        request: Request[Principal, Any, Any],
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        data: JSONBody[PlanCreate],
    ) -> Response[PlanRead]:
        created, start = await service.start_plan(
            session, app_state.database, app_state.plan_tasks, data, request.user.employee_id
        )
        # The run starts once the plan's row is committed and the answer sent.
        return Response(created, status_code=202, background=BackgroundTask(_call, start))

    @get(operation_id="listPlans", summary="Plans, newest first", responses=problem_responses(400, 401, 403))
    async def list_plans(
        self,
        session: NamedDependency[AsyncSession],
        page: NamedDependency[LimitOffset],
        site_id: Annotated[UUID | None, QueryParameter()] = None,
    ) -> OffsetPagination[PlanRead]:
        return await service.list_plans(session, site_id, page)

    @get(
        "/{plan_id:uuid}",
        operation_id="getPlan",
        summary="A plan, with progress while it runs",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_plan(self, session: NamedDependency[AsyncSession], plan_id: FromPath[UUID]) -> PlanRead:
        return await service.get_plan(session, plan_id)

    @get(
        "/{plan_id:uuid}/seats",
        operation_id="listPlanSeats",
        summary="Who sits where on each planned day",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def seats(
        self,
        session: NamedDependency[AsyncSession],
        plan_id: FromPath[UUID],
        day: Annotated[date | None, QueryParameter()] = None,
    ) -> list[SeatRead]:
        return await service.plan_seats(session, plan_id, day)
