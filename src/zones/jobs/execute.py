"""What a worker does with a job: run a plan, whichever carrier brought it."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from zones.clock import Clock, utc_now
from zones.db import Database

logger = logging.getLogger("zones.jobs")


def worker_name() -> str:
    """This worker as the plan rows name it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class WorkerContext:
    """What a worker's jobs share: the database, the clock and the worker's name."""

    database: Database
    clock: Clock = utc_now
    name: str = ""
    whatif_steps: int = 0
    """Steps of the what-if curve drawn after each finished plan (0: none)."""
    whatif_step_s: float = 5.0

    def __post_init__(self) -> None:
        self.name = self.name or worker_name()


async def run_plan_job(context: WorkerContext, plan_id: UUID) -> str:
    """Claim the queued plan and run it to the end; the outcome as a word (for the job's record).

    Everything the run does is on the plan row: a run that was cancelled while it waited, or taken
    by another worker, is left alone.
    """
    from zones.plans import run

    row = await run.claim_plan(context.database, plan_id, context.name, context.clock)
    if row is None:
        return "skipped"
    logger.info("plan %s: running (site %s, %s to %s)", plan_id, row.site_id, row.starts_on, row.ends_on)
    try:
        outcome = await run.run_plan(context.database, plan_id, run.request_of(row), clock=context.clock)
    except asyncio.CancelledError:
        # The worker is shutting down (SIGTERM): say so on the row now rather than leave it to the
        # stale-heartbeat sweep. (A killed worker cannot; the sweep marks its run failed.)
        await asyncio.shield(stopped_by_shutdown(context, plan_id))
        raise
    except run.PlanCancelled:
        logger.info("plan %s: cancelled before a complete plan was found", plan_id)
        return "cancelled"
    except Exception:
        logger.exception("plan %s: failed", plan_id)  # the row says failed, with the error
        return "failed"
    stopped = outcome.plan.stopped
    logger.info(
        "plan %s: %s in %.1f s", plan_id, "cancelled, best found" if stopped else "done", outcome.wall_time
    )
    if not stopped and context.whatif_steps > 0:
        await draw_whatif(context, plan_id)
    return "cancelled" if stopped else "done"


async def draw_whatif(context: WorkerContext, plan_id: UUID) -> None:
    """The plan's what-if curve, after the plan (a failure here leaves the plan as it is)."""
    from zones.plans.whatif import compute_whatif

    try:
        await compute_whatif(context.database, plan_id, context.whatif_steps, context.whatif_step_s)
        logger.info("plan %s: what-if curve drawn", plan_id)
    except Exception:
        logger.exception("plan %s: the what-if curve failed", plan_id)


async def stopped_by_shutdown(context: WorkerContext, plan_id: UUID) -> None:
    from zones.plans.run import mark_failed

    await mark_failed(
        context.database, plan_id, "the worker was stopped; start the plan again", context.clock()
    )


# SAQ's side: the worker puts the context in SAQ's context (`CONTEXT_KEY`), and the task runs the plan.

CONTEXT_KEY = "zones"


async def run_plan(ctx: dict[str, Any], *, plan_id: str) -> str:
    """The SAQ task (SAQ knows a task by its function's name: `carriers.RUN_PLAN`): run the plan."""
    context: WorkerContext = ctx[CONTEXT_KEY]
    return await run_plan_job(context, UUID(plan_id))
