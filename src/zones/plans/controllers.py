"""Planning over HTTP: start a run, follow its progress (polling or server-sent events), cancel it,
read the plan and its densification flags."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any, Final
from uuid import UUID

import msgspec
from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.auth.middleware import requires_planner
from zones.db import Database
from zones.errors import NotFound
from zones.jobs.carriers import Kick
from zones.plans import service
from zones.plans.schemas import PlanCreate, PlanRead, SeatRead
from zones.plans.whatif import whatif_svg
from zones.server.problems import problem_responses
from zones.server.state import AppState

EVENT_POLL_S: Final = 0.5
"""How often the event stream reads the run's row (the worker writes it once a second)."""
KEEPALIVE_S: Final = 15.0


async def _call(kick: Kick) -> None:
    await kick()


async def plan_events(database: Database, plan_id: UUID) -> AsyncIterator[ServerSentEventMessage]:
    """The run as `progress` events each time its row changes, then one `end` event when it has
    finished (done, failed or cancelled); a comment now and then keeps proxies from closing it."""
    last, quiet, sent = b"", 0.0, 0
    while True:
        async with database.read_session() as session:
            plan = await service.get_plan(session, plan_id)
        encoded = msgspec.json.encode(plan)
        finished = plan.status.finished
        if encoded != last or finished:
            last, quiet, sent = encoded, 0.0, sent + 1
            yield ServerSentEventMessage(
                data=encoded.decode(), event="end" if finished else "progress", id=str(sent)
            )
        elif quiet >= KEEPALIVE_S:
            quiet = 0.0
            yield ServerSentEventMessage(comment="waiting")
        if finished:
            return
        await asyncio.sleep(EVENT_POLL_S)
        quiet += EVENT_POLL_S


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
        created, kick = await service.start_plan(session, app_state.jobs, data, request.user.employee_id)
        # The job reaches the queue once the plan's row is committed and the answer sent.
        return Response(created, status_code=202, background=BackgroundTask(_call, kick))

    @post(
        "/{plan_id:uuid}/cancel",
        operation_id="cancelPlan",
        summary="Cancel a queued or running plan (the best plan found so far is kept)",
        status_code=202,
        responses=problem_responses(400, 401, 403, 404, 409),
    )
    async def cancel(self, session: NamedDependency[AsyncSession], plan_id: FromPath[UUID]) -> PlanRead:
        return await service.cancel_plan(session, plan_id)

    @get(
        "/{plan_id:uuid}/events",
        operation_id="followPlan",
        summary="The run's progress as server-sent events (`progress`, then `end`)",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def events(
        self,
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        plan_id: FromPath[UUID],
    ) -> ServerSentEvent:
        await service.get_plan(session, plan_id)  # 404 before the stream starts
        return ServerSentEvent(plan_events(app_state.database, plan_id))

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
        "/{plan_id:uuid}/charts/whatif.svg",
        operation_id="getPlanWhatIfChart",
        summary="The what-if curve: the office planned again with fewer desks, step by step (SVG)",
        media_type="image/svg+xml",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def whatif_chart(
        self, session: NamedDependency[AsyncSession], plan_id: FromPath[UUID]
    ) -> Response[bytes]:
        plan = await service.get_plan(session, plan_id)
        svg = await whatif_svg(plan.kpis)
        if svg is None:
            raise NotFound(
                f"plan {plan_id} has no what-if curve yet (its worker draws it after the plan)",
                message_id="plan.no-whatif",
            )
        return Response(svg, media_type="image/svg+xml")

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
