"""Plans as a service: queue a run for a worker, cancel it, list and read plans, and who sits where."""

from __future__ import annotations

import logging
from datetime import date
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.bookings.context import count
from zones.clock import utc_now
from zones.errors import Conflict, NotFound
from zones.jobs.carriers import RUN_PLAN, JobCarrier, Kick, plan_key
from zones.models import Desk, Employee, Plan, PlanSeat, PlanStatus, Site, Zone
from zones.plans.run import PlanRequest, create_plan_row
from zones.plans.scenario_from_db import parse_iso_week
from zones.plans.schemas import PlanCreate, PlanRead, SeatRead

logger = logging.getLogger("zones.plans")


async def start_plan(
    session: AsyncSession,
    jobs: JobCarrier,
    wanted: PlanCreate,
    created_by: UUID,
) -> tuple[PlanRead, Kick]:
    """Record a queued run and its job in the caller's write transaction; run the returned kick once
    that transaction has committed (SAQ enqueues then; the job table needs nothing more).

    A worker process claims and runs it; its row shows the progress. Raises `Conflict` when a run
    of the same site and horizon is still queued or running.
    """
    if await session.get(Site, wanted.site_id) is None:
        raise NotFound.of("site", wanted.site_id)
    monday = parse_iso_week(wanted.week)
    request = PlanRequest(wanted.site_id, monday, wanted.weeks, wanted.time_limit_s, wanted.seed, created_by)
    plan_id = await create_plan_row(session, request)
    kick = await jobs.submit(session, RUN_PLAN, key=plan_key(plan_id), plan_id=str(plan_id))
    return PlanRead.of(await session.get_one(Plan, plan_id)), kick


async def cancel_plan(session: AsyncSession, plan_id: UUID) -> PlanRead:
    """Ask a run to stop: a queued one is cancelled at once; a running one's worker stops the solver
    within seconds (keeping the best complete plan, if stage 1 had one). A finished run: conflict."""
    row = await session.get(Plan, plan_id, with_for_update=True)
    if row is None:
        raise NotFound.of("plan", plan_id)
    if row.status is PlanStatus.QUEUED:
        row.status, row.cancel_requested, row.finished_at = PlanStatus.CANCELLED, True, utc_now()
    elif row.status is PlanStatus.RUNNING:
        row.cancel_requested = True
    else:
        raise Conflict(
            "plan-finished",
            "The plan has finished",
            f"plan {plan_id} is {row.status.value}; there is nothing to cancel",
        )
    await session.flush()
    return PlanRead.of(row)


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
