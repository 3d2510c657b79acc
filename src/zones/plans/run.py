"""Run the planner for a site: a stored plan row whose progress updates while CP-SAT works."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from zones.db import Database
from zones.models import Plan, PlanSeat, PlanStatus, Policy, Site
from zones.optimizer import planning
from zones.plans.scenario_from_db import KeyMap, scenario_for_site, thresholds_for, week_days

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
    """A finished run: the plan, the greedy baseline beside it, and the densification analysis."""

    plan_id: UUID
    scenario: planning.Scenario
    keys: KeyMap
    plan: planning.Plan
    baseline: planning.Plan
    analysis: planning.DensificationAnalysis
    kpis: dict[str, float]
    baseline_kpis: dict[str, float]


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


async def create_plan_row(database: Database, request: PlanRequest) -> UUID:
    """Record a plan as running, so its progress can be followed from the start."""
    async with database.read_session() as session:
        site = await session.get_one(Site, request.site_id)
        days = week_days(site, request.first_monday, request.weeks)
    if not days:
        raise ValueError("the horizon has no working days")
    async with database.write_session() as session:
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
) -> PlanOutcome:
    """Plan, compare with the greedy baseline, analyse densification, and store it all."""
    try:
        return await _run(database, plan_id, request, on_progress)
    except Exception as error:
        async with database.write_session() as session:
            row = await session.get_one(Plan, plan_id)
            row.status, row.error, row.finished_at = PlanStatus.FAILED, str(error)[:2000], datetime.now(UTC)
        raise


async def _run(
    database: Database,
    plan_id: UUID,
    request: PlanRequest,
    on_progress: Callable[[planning.PlanProgress], None] | None,
) -> PlanOutcome:
    async with database.read_session() as session:
        row = await session.get_one(Plan, plan_id)
        site = await session.get_one(Site, request.site_id)
        days = week_days(site, request.first_monday, request.weeks)
        scenario, keys = await scenario_for_site(session, request.site_id, days)
        policy = await session.scalar(
            select(Policy).where(Policy.site_id == request.site_id).options(selectinload(Policy.thresholds))
        )
        thresholds = thresholds_for(policy, site.country)
    latest: list[planning.PlanProgress] = []

    def progress(update: planning.PlanProgress) -> None:
        latest.append(update)
        if on_progress is not None:
            on_progress(update)

    options = planning.PlanOptions(time_limit=request.time_limit_s, seed=request.seed)
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
    baseline = await asyncio.to_thread(planning.greedy_plan, scenario, request.seed or 0)
    analysis = planning.analyse_densification(scenario, result, thresholds)
    plan_kpis = planning.plan_kpis(scenario, result).as_dict()
    baseline_kpis = planning.plan_kpis(scenario, baseline).as_dict()
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
        row.status, row.finished_at = PlanStatus.DONE, datetime.now(UTC)
        row.progress = progress_dict(latest[-1]) if latest else {"done": True}
        row.kpis = {
            "plan": plan_kpis,
            "baseline": baseline_kpis,
            "stages": [msgspec.to_builtins(s) for s in result.stages],
            "preference_bound": preference_bound_figures(result),
        }
        row.flags = [msgspec.to_builtins(flag) for flag in analysis.flags]
        row.violations = [msgspec.to_builtins(v) for v in result.violations]
    return PlanOutcome(plan_id, scenario, keys, result, baseline, analysis, plan_kpis, baseline_kpis)


def preference_bound_figures(plan: planning.Plan) -> dict[str, float] | None:
    """The plan's preference bound as shares of the preferred days wanted (None if not computed)."""
    bound = plan.preference_bound
    if bound is None:
        return None
    return {
        "wanted": bound.wanted,
        "with_team_days": bound.share_with_team_days,
        "without_team_days": bound.share_without_team_days,
    }


def write_plan_files(outcome: PlanOutcome, folder: Path) -> list[Path]:
    """The plan as CSV (one row per person and office day) and JSON (plan, KPIs, flags)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = sorted(
        outcome.plan.seats.items(), key=lambda item: (item[0][1], outcome.keys.names[item[0][0]][1])
    )
    csv_path = folder / "plan.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["day", "email", "name", "zone", "desk", "activity"])
        for (person, day), seat in rows:
            email, name = outcome.keys.names[person]
            writer.writerow([day.isoformat(), email, name, seat.zone or "", seat.desk or "", seat.activity])
    json_path = folder / "plan.json"
    json_path.write_bytes(
        msgspec.json.format(
            msgspec.json.encode(
                {
                    "plan_id": str(outcome.plan_id),
                    "scenario": outcome.scenario.name,
                    "days": [d.isoformat() for d in outcome.scenario.days],
                    "kpis": outcome.kpis,
                    "baseline_kpis": outcome.baseline_kpis,
                    "stages": [msgspec.to_builtins(s) for s in outcome.plan.stages],
                    "preference_bound": preference_bound_figures(outcome.plan),
                    "violations": [msgspec.to_builtins(v) for v in outcome.plan.violations],
                    "flags": [msgspec.to_builtins(f) for f in outcome.analysis.flags],
                    "seats": [
                        {
                            "day": day.isoformat(),
                            "email": outcome.keys.names[person][0],
                            "zone": seat.zone,
                            "desk": seat.desk,
                            "activity": seat.activity,
                        }
                        for (person, day), seat in rows
                    ],
                }
            ),
            indent=2,
        )
    )
    return [csv_path, json_path]
