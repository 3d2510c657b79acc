"""The what-if curve of a finished plan: the office planned again with fewer desks, step by step.

The worker draws it right after a run is done (the run's time limit covers the plan, not this), and
stores the sweep on the plan (`kpis["whatif"]`); the review page and `GET /plans/{id}/charts/whatif.svg`
show it as a chart.
"""

from __future__ import annotations

import asyncio
import io
import threading
from typing import Any
from uuid import UUID

import msgspec

from zones.db import Database
from zones.models import Plan

WHATIF_KEY = "whatif"


async def compute_whatif(database: Database, plan_id: UUID, steps: int, step_time_limit: float) -> bool:
    """Sweep the plan's office (`steps` steps of 5 % fewer desks, each planned for `step_time_limit`
    seconds) and store the curve on the plan; False when the plan is gone."""
    from zones.optimizer import planning
    from zones.plans.scenario_from_db import stored_plan

    async with database.read_session() as session:
        stored = await stored_plan(session, plan_id)
    if stored is None:
        return False

    stop = threading.Event()

    def sweep() -> planning.DensificationSweep:
        def plan_for(candidate: planning.Scenario) -> planning.Plan:
            planning.raise_if_stopped(stop)  # between steps: a stopping worker does not wait for them
            options = planning.PlanOptions(time_limit=step_time_limit, seed=0, stop=stop)
            return planning.plan_office(candidate, options)

        return planning.densification_sweep(
            stored.scenario, steps=steps, planner=plan_for, thresholds=stored.thresholds
        )

    try:
        result = await asyncio.to_thread(sweep)
    except asyncio.CancelledError:  # the worker is stopping: the solver stops within a second
        stop.set()
        raise
    async with database.write_session() as session:
        row = await session.get(Plan, plan_id)
        if row is None:
            return False
        row.kpis = {**row.kpis, WHATIF_KEY: msgspec.to_builtins(result)}
    return True


def stored_sweep(kpis: dict[str, Any]) -> Any:
    """The sweep stored on a plan, or None when it has not been drawn (yet)."""
    from zones.optimizer import planning

    data = kpis.get(WHATIF_KEY)
    return None if data is None else msgspec.convert(data, planning.DensificationSweep)


async def whatif_svg(kpis: dict[str, Any]) -> bytes | None:
    """The what-if chart as SVG (matplotlib, off the event loop), or None when not drawn."""
    sweep = stored_sweep(kpis)
    if sweep is None:
        return None

    def draw() -> bytes:
        from matplotlib import pyplot as plt

        from zones.optimizer.planning.charts import whatif_figure

        figure = whatif_figure(sweep)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(figure)
        return buffer.getvalue()

    return await asyncio.to_thread(draw)
