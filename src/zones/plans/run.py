"""Run the planner for a site: a stored plan row whose progress updates while CP-SAT works.

The row is the run's record wherever the run happens (a worker process, or `zones plan` in a
terminal): queued → running (claimed, with a heartbeat every second) → done, failed or cancelled.
A planner's cancel request reaches the solver through the same once-a-second write that stores the
progress; a run whose heartbeat stops (its worker was killed) is marked failed by `reap_stale_runs`.
"""

from __future__ import annotations

import asyncio
import csv
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from zones.clock import Clock, utc_now
from zones.db import Database
from zones.errors import Conflict, InvalidInput
from zones.models import ACTIVE_PLAN_STATUSES, Plan, PlanSeat, PlanStatus, Site
from zones.optimizer import planning
from zones.plans.document import PlanDocument, plan_document, write_plan_json
from zones.plans.scenario_from_db import KeyMap, scenario_for_site, site_thresholds, week_days

PROGRESS_WRITE_INTERVAL_S = 1.0


@dataclass(frozen=True)
class PlanRequest:
    """What to plan: a site, a horizon of whole ISO weeks, and how long the solver may take."""

    site_id: UUID
    first_monday: date
    weeks: int = 1
    time_limit_s: float = 60.0
    seed: int | None = None
    created_by: UUID | None = None


@dataclass
class PlanOutcome:
    """A finished run: the plan, the densification analysis, and its document (KPIs beside the baseline)."""

    plan_id: UUID
    scenario: planning.Scenario
    keys: KeyMap
    plan: planning.Plan
    analysis: planning.DensificationAnalysis
    document: PlanDocument
    site: str = ""
    """The site's name and key, for reports."""
    wall_time: float = 0.0
    """Seconds the whole run took, reading the database to storing the plan."""


def progress_dict(progress: planning.PlanProgress) -> dict[str, Any]:
    """The solver's latest progress as stored and served by the API."""
    return {
        "stage": progress.stage,
        "objective": progress.objective,
        "bound": progress.bound,
        "gap": None if progress.gap != progress.gap else progress.gap,  # NaN before a first bound
        "elapsed_s": round(progress.elapsed, 2),
        "solutions": progress.solutions,
        "done": progress.done,
    }


async def create_plan_row(
    session: AsyncSession, request: PlanRequest, status: PlanStatus = PlanStatus.QUEUED
) -> UUID:
    """Record a plan run (queued for a worker, or running here) in the caller's write transaction,
    so its progress can be followed from the start (once that transaction has committed).

    One run per site and horizon may be active: a second is refused with a conflict naming the
    first (and the database's partial unique index refuses it when two starts race).
    """
    site = await session.get_one(Site, request.site_id)
    days = week_days(site, request.first_monday, request.weeks)
    if not days:
        raise InvalidInput(
            "invalid-horizon",
            "Invalid horizon",
            "the horizon has no working days",
            message_id="plan.no-working-days",
        )
    active = await session.scalar(
        select(Plan.id).where(
            Plan.site_id == request.site_id,
            Plan.starts_on == days[0],
            Plan.ends_on == days[-1],
            Plan.status.in_(ACTIVE_PLAN_STATUSES),
        )
    )
    if active is not None:
        raise Conflict(
            "plan-running",
            "A plan is already running",
            f"plan {active} of this site and horizon is still queued or running; cancel it or wait",
            plan_id=str(active),
        )
    now = utc_now()
    row = Plan(
        site_id=request.site_id,
        created_by_id=request.created_by,
        starts_on=days[0],
        ends_on=days[-1],
        weeks=request.weeks,
        seed=request.seed,
        status=status,
        time_limit_s=request.time_limit_s,
        started_at=now if status is PlanStatus.RUNNING else None,
        heartbeat_at=now if status is PlanStatus.RUNNING else None,
        progress={},
        kpis={},
        flags=[],
        violations=[],
    )
    session.add(row)
    await session.flush()
    return row.id


def request_of(row: Plan) -> PlanRequest:
    """What a stored run asks for (the Monday of its first week, its weeks, limit and seed)."""
    monday = row.starts_on - timedelta(days=row.starts_on.weekday())
    return PlanRequest(row.site_id, monday, row.weeks, row.time_limit_s, row.seed, row.created_by_id)


async def claim_plan(database: Database, plan_id: UUID, worker: str, clock: Clock = utc_now) -> Plan | None:
    """Take a queued run for this worker: running, with a first heartbeat. None when the run is not
    queued any more (cancelled while it waited, taken, or gone); a run cancelled while queued ends
    here as cancelled."""
    async with database.write_session() as session:
        row = await session.get(Plan, plan_id)
        if row is None or row.status is not PlanStatus.QUEUED:
            return None
        now = clock()
        if row.cancel_requested:
            row.status, row.finished_at = PlanStatus.CANCELLED, now
            return None
        row.status, row.worker, row.started_at, row.heartbeat_at = PlanStatus.RUNNING, worker[:120], now, now
        return row


async def mark_failed(database: Database, plan_id: UUID, error: str, now: datetime) -> None:
    """End a running plan as failed (its seats were never written)."""
    async with database.write_session() as session:
        await session.execute(
            update(Plan)
            .where(Plan.id == plan_id, Plan.status == PlanStatus.RUNNING)
            .values(status=PlanStatus.FAILED, error=error[:2000], finished_at=now)
            .execution_options(synchronize_session=False)
        )


STALE_ERROR = "the worker running this plan stopped (no heartbeat); start the plan again"


async def reap_stale_runs(database: Database, now: datetime, stale_after_s: float) -> list[UUID]:
    """Mark running plans whose worker stopped writing its heartbeat as failed; their ids.

    A worker killed mid-run never wrote its plan's seats (they are written with the final status in
    one transaction), so a failed run holds no half-written plan.
    """
    cutoff = now - timedelta(seconds=stale_after_s)
    async with database.write_session() as session:
        result = await session.execute(
            update(Plan)
            .where(Plan.status == PlanStatus.RUNNING, Plan.heartbeat_at < cutoff)
            .values(status=PlanStatus.FAILED, error=STALE_ERROR, finished_at=now)
            .returning(Plan.id)
            .execution_options(synchronize_session=False)
        )
        return list(result.scalars())


async def run_plan(
    database: Database,
    plan_id: UUID,
    request: PlanRequest,
    on_progress: Callable[[planning.PlanProgress], None] | None = None,
    *,
    clock: Clock = utc_now,
) -> PlanOutcome:
    """Plan, compare with the greedy baseline, analyse densification, and store it all.

    The whole run, from reading the site to storing the plan, takes at most `time_limit_s` seconds
    of wall-clock time (give or take a fraction of a second): the planner gets what the rest leaves.
    A cancel request stops the solver within seconds: the run ends cancelled, keeping the best plan
    found when stage 1 had a complete one (`best_found`), else with no plan (`PlanCancelled`).
    """
    try:
        return await _run(database, plan_id, request, on_progress, clock)
    except planning.PlanStopped:
        async with database.write_session() as session:
            row = await session.get_one(Plan, plan_id)
            row.status, row.finished_at = PlanStatus.CANCELLED, clock()
        raise PlanCancelled(plan_id) from None
    except Exception as error:
        async with database.write_session() as session:
            row = await session.get_one(Plan, plan_id)
            row.status, row.error, row.finished_at = PlanStatus.FAILED, str(error)[:2000], clock()
        raise


class PlanCancelled(Exception):
    """A planner cancelled the run before stage 1 had a complete solution: no plan was stored."""

    def __init__(self, plan_id: UUID) -> None:
        super().__init__(f"plan {plan_id} was cancelled before a complete plan was found")
        self.plan_id = plan_id


async def _run(
    database: Database,
    plan_id: UUID,
    request: PlanRequest,
    on_progress: Callable[[planning.PlanProgress], None] | None,
    clock: Clock,
) -> PlanOutcome:
    budget = planning.Deadline(request.time_limit_s)
    async with database.read_session() as session:
        await session.get_one(Plan, plan_id)  # fail before solving when the row is gone
        site = await session.get_one(Site, request.site_id)
        days = week_days(site, request.first_monday, request.weeks)
        scenario, keys = await scenario_for_site(session, request.site_id, days)
        thresholds = await site_thresholds(session, site)
    latest: list[planning.PlanProgress] = []

    def progress(update: planning.PlanProgress) -> None:
        latest.append(update)
        if on_progress is not None:
            on_progress(update)

    baseline_started = time.perf_counter()
    baseline = await asyncio.to_thread(planning.greedy_plan, scenario, request.seed or 0)
    baseline_seconds = time.perf_counter() - baseline_started
    stop = threading.Event()
    options = planning.PlanOptions(
        time_limit=planning.planner_time_limit(budget, baseline_seconds), seed=request.seed, stop=stop
    )
    solving = asyncio.create_task(
        asyncio.to_thread(planning.plan_office, scenario, options, progress=progress)
    )
    written = 0
    while not solving.done():
        await asyncio.wait({solving}, timeout=PROGRESS_WRITE_INTERVAL_S)
        if solving.done():
            break
        # Once a second: the latest progress and the heartbeat out, a cancel request in.
        values: dict[str, Any] = {"heartbeat_at": clock()}
        if len(latest) > written:
            written = len(latest)
            values["progress"] = progress_dict(latest[-1])
        async with database.write_session() as session:
            cancel = await session.scalar(
                update(Plan).where(Plan.id == plan_id).values(**values).returning(Plan.cancel_requested)
            )
        if cancel:
            stop.set()
    result = solving.result()
    analysis = planning.analyse_densification(scenario, result, thresholds)
    document = plan_document(scenario, result, baseline, analysis, plan_id=plan_id, people=keys.names)
    async with database.write_session() as session:
        row = await session.get_one(Plan, plan_id)
        for (person, day), seat in result.seats.items():
            if seat.zone is None or seat.desk is None:
                continue
            session.add(
                PlanSeat(
                    plan_id=plan_id,
                    employee_id=keys.employees[person],
                    day=day,
                    zone_id=keys.zones[seat.zone],
                    desk_id=keys.desks[seat.desk],
                    activity=seat.activity,
                )
            )
        row.status, row.finished_at = PlanStatus.DONE, clock()
        if result.stopped:  # cancelled after stage 1 had a complete plan: the best one found
            row.status, row.best_found = PlanStatus.CANCELLED, True
        row.progress = progress_dict(latest[-1]) if latest else {"done": True}
        row.kpis = {
            "plan": document.kpis,
            "baseline": document.baseline_kpis,
            "stages": document.stages,
            "preference_bound": document.preference_bound,
        }
        row.flags = document.flags
        row.violations = document.violations
    return PlanOutcome(
        plan_id, scenario, keys, result, analysis, document, f"{site.name} ({site.key})", budget.elapsed()
    )


def write_plan_files(outcome: PlanOutcome, folder: Path) -> list[Path]:
    """The plan as CSV (one row per person and office day) and as its JSON document."""
    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / "plan.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["day", "email", "name", "zone", "desk", "activity"])
        for seat in outcome.document.seats:
            email, name = outcome.keys.names[seat.person]
            writer.writerow(
                [seat.day.isoformat(), email, name, seat.zone or "", seat.desk or "", seat.activity]
            )
    return [csv_path, write_plan_json(outcome.document, folder)]
