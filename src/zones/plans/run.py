"""Run the planner for a site: a stored plan row whose progress updates while CP-SAT works."""

from __future__ import annotations

import asyncio
import csv
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from zones.clock import Clock, utc_now
from zones.db import Database
from zones.errors import InvalidInput
from zones.models import Plan, PlanSeat, PlanStatus, Site
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


async def create_plan_row(session: AsyncSession, request: PlanRequest) -> UUID:
    """Record a plan as running in the caller's write transaction, so its progress can be followed
    from the start (once that transaction has committed)."""
    site = await session.get_one(Site, request.site_id)
    days = week_days(site, request.first_monday, request.weeks)
    if not days:
        raise InvalidInput(
            "invalid-horizon",
            "Invalid horizon",
            "the horizon has no working days",
            message_id="plan.no-working-days",
        )
    row = Plan(
        site_id=request.site_id,
        created_by_id=request.created_by,
        starts_on=days[0],
        ends_on=days[-1],
        status=PlanStatus.RUNNING,
        time_limit_s=request.time_limit_s,
        progress={},
        kpis={},
        flags=[],
        violations=[],
    )
    session.add(row)
    await session.flush()
    return row.id


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
    """
    try:
        return await _run(database, plan_id, request, on_progress, clock)
    except Exception as error:
        async with database.write_session() as session:
            row = await session.get_one(Plan, plan_id)
            row.status, row.error, row.finished_at = PlanStatus.FAILED, str(error)[:2000], clock()
        raise


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
    options = planning.PlanOptions(
        time_limit=planning.planner_time_limit(budget, baseline_seconds), seed=request.seed
    )
    solving = asyncio.create_task(
        asyncio.to_thread(planning.plan_office, scenario, options, progress=progress)
    )
    written = 0
    while not solving.done():
        await asyncio.wait({solving}, timeout=PROGRESS_WRITE_INTERVAL_S)
        if len(latest) > written:
            written = len(latest)
            async with database.write_session() as session:
                (await session.get_one(Plan, plan_id)).progress = progress_dict(latest[-1])
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
