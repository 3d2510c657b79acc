"""Plans as a service: start a run in the background, list and read plans, and who sits where."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.bookings.context import count
from zones.db import Database
from zones.errors import NotFound
from zones.models import Desk, Employee, Plan, PlanSeat, Site, Zone
from zones.plans.run import PlanRequest, create_plan_row, run_plan
from zones.plans.scenario_from_db import parse_iso_week
from zones.plans.schemas import PlanCreate, PlanRead, SeatRead

logger = logging.getLogger("zones.plans")


async def start_plan(
    session: AsyncSession,
    database: Database,
    tasks: set[asyncio.Task[Any]],
    wanted: PlanCreate,
    created_by: UUID,
) -> tuple[PlanRead, Callable[[], None]]:
    """Record a running plan in the caller's write transaction; the plan runs in the background once
    `start` is called, after that transaction committed (its row shows the progress)."""
    if await session.get(Site, wanted.site_id) is None:
        raise NotFound.of("site", wanted.site_id)
    monday = parse_iso_week(wanted.week)
    request = PlanRequest(wanted.site_id, monday, wanted.weeks, wanted.time_limit_s, wanted.seed, created_by)
    plan_id = await create_plan_row(session, request)
    created = PlanRead.of(await session.get_one(Plan, plan_id))

    async def run() -> None:
        try:
            await run_plan(database, plan_id, request)
        except Exception:  # stored on the plan row as status=failed
            logger.exception("plan %s failed", plan_id)

    def start() -> None:
        task = asyncio.create_task(run(), name=f"zones-plan-{plan_id}")
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    return created, start


async def list_plans(
    session: AsyncSession, site_id: UUID | None, page: LimitOffset
) -> OffsetPagination[PlanRead]:
    """Plans, newest first, optionally of one site."""
    statement = select(Plan)
    if site_id is not None:
        statement = statement.where(Plan.site_id == site_id)
    total = await count(session, statement)
    rows = await session.scalars(
        statement.order_by(Plan.created_at.desc()).limit(page.limit).offset(page.offset)
    )
    return OffsetPagination([PlanRead.of(r) for r in rows], page.limit, page.offset, total)


async def get_plan(session: AsyncSession, plan_id: UUID) -> PlanRead:
    """One plan, with its progress while it runs."""
    row = await session.get(Plan, plan_id)
    if row is None:
        raise NotFound.of("plan", plan_id)
    return PlanRead.of(row)


async def plan_seats(session: AsyncSession, plan_id: UUID, day: date | None = None) -> list[SeatRead]:
    """Who sits where on each planned day (or on one day)."""
    if await session.get(Plan, plan_id) is None:
        raise NotFound.of("plan", plan_id)
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
    return [SeatRead(*row) for row in (await session.execute(statement)).all()]
