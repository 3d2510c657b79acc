"""Planning over HTTP: start a run, follow its progress, read the plan and its densification flags."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.api.auth import requires_planner
from zones.api.problems import problem, problem_responses
from zones.auth import Principal
from zones.db import Database
from zones.models import Desk, Employee, Plan, PlanSeat, PlanStatus, Site, Zone
from zones.plans.run import PlanRequest, create_plan_row, run_plan
from zones.plans.scenario_from_db import parse_iso_week

logger = logging.getLogger("zones.plans")


class PlanCreate(msgspec.Struct, forbid_unknown_fields=True):
    """What to plan."""

    site_id: UUID
    week: Annotated[
        str, msgspec.Meta(pattern=r"^\d{4}-[Ww]\d{2}$", description="First ISO week, e.g. 2026-W49")
    ]
    weeks: Annotated[int, msgspec.Meta(ge=1, le=8)] = 1
    time_limit_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 60.0
    seed: int | None = None


class PlanRead(msgspec.Struct):
    """A planning run: its progress while it runs, its KPIs and densification flags once done."""

    id: UUID
    site_id: UUID
    starts_on: date
    ends_on: date
    status: PlanStatus
    time_limit_s: float
    progress: dict[str, Any]
    """Latest solver progress: stage, objective, bound, gap, elapsed_s."""
    kpis: dict[str, Any]
    flags: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    error: str | None

    @classmethod
    def of(cls, row: Plan) -> PlanRead:
        return cls(
            row.id,
            row.site_id,
            row.starts_on,
            row.ends_on,
            row.status,
            row.time_limit_s,
            row.progress,
            row.kpis,
            row.flags,
            row.violations,
            row.error,
        )


class SeatRead(msgspec.Struct):
    """Someone in the office on a planned day."""

    day: date
    employee_id: UUID
    name: str
    zone: str
    desk: str
    activity: str


def _start(database: Database, tasks: set[asyncio.Task[Any]], plan_id: UUID, request: PlanRequest) -> None:
    async def run() -> None:
        try:
            await run_plan(database, plan_id, request)
        except Exception:  # stored on the plan row as status=failed
            logger.exception("plan %s failed", plan_id)

    task = asyncio.create_task(run(), name=f"zones-plan-{plan_id}")
    tasks.add(task)
    task.add_done_callback(tasks.discard)


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
        db_session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        data: JSONBody[PlanCreate],
    ) -> PlanRead:
        if await db_session.get(Site, data.site_id) is None:
            raise problem(404, f"No site with id {data.site_id}")
        try:
            monday = parse_iso_week(data.week)
        except ValueError as error:
            raise problem(422, str(error)) from error
        plan_request = PlanRequest(
            data.site_id, monday, data.weeks, data.time_limit_s, data.seed, request.user.employee_id
        )
        database: Database = request.app.state.database
        try:
            plan_id = await create_plan_row(database, plan_request)
        except ValueError as error:
            raise problem(422, str(error)) from error
        async with database.read_session() as session:  # the request's own session predates the row
            created = PlanRead.of(await session.get_one(Plan, plan_id))
        _start(database, request.app.state.plan_tasks, plan_id, plan_request)
        return created

    @get(operation_id="listPlans", summary="Plans, newest first", responses=problem_responses(400, 401, 403))
    async def list_plans(
        self,
        db_session: NamedDependency[AsyncSession],
        site_id: Annotated[UUID | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
    ) -> OffsetPagination[PlanRead]:
        statement = select(Plan)
        if site_id is not None:
            statement = statement.where(Plan.site_id == site_id)
        total = int(await db_session.scalar(select(func.count()).select_from(statement.subquery())) or 0)
        rows = await db_session.scalars(
            statement.order_by(Plan.created_at.desc()).limit(limit).offset(offset)
        )
        return OffsetPagination([PlanRead.of(r) for r in rows], limit, offset, total)

    @get(
        "/{plan_id:uuid}",
        operation_id="getPlan",
        summary="A plan, with progress while it runs",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def get_plan(self, db_session: NamedDependency[AsyncSession], plan_id: FromPath[UUID]) -> PlanRead:
        row = await db_session.get(Plan, plan_id)
        if row is None:
            raise problem(404, f"No plan with id {plan_id}")
        return PlanRead.of(row)

    @get(
        "/{plan_id:uuid}/seats",
        operation_id="listPlanSeats",
        summary="Who sits where on each planned day",
        responses=problem_responses(400, 401, 403, 404),
    )
    async def seats(
        self,
        db_session: NamedDependency[AsyncSession],
        plan_id: FromPath[UUID],
        day: Annotated[date | None, QueryParameter()] = None,
    ) -> list[SeatRead]:
        if await db_session.get(Plan, plan_id) is None:
            raise problem(404, f"No plan with id {plan_id}")
        statement = (
            select(PlanSeat.day, Employee.id, Employee.name, Zone.key, Desk.code, PlanSeat.activity)
            .join(Employee, Employee.id == PlanSeat.employee_id)
            .join(Zone, Zone.id == PlanSeat.zone_id)
            .join(Desk, Desk.id == PlanSeat.desk_id)
            .where(PlanSeat.plan_id == plan_id)
            .order_by(PlanSeat.day, Zone.key, Desk.code)
        )
        if day is not None:
            statement = statement.where(PlanSeat.day == day)
        return [SeatRead(*row) for row in (await db_session.execute(statement)).all()]
