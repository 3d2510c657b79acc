"""The worker process (`zones worker`): claims plan runs and runs them, one at a time.

On embedded SQLite it polls the `queued_job` table, claiming a job inside `BEGIN IMMEDIATE` so two
workers never take the same one; with Redis or PostgreSQL it is a SAQ worker (litestar-saq) on the
plan queue. Either way it also sweeps: runs whose worker stopped writing a heartbeat are marked
failed, and on SAQ a queued run whose job never reached the queue (the API could not enqueue it) is
enqueued again (SAQ keeps one job per key, so this never runs a plan twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select

from zones.clock import Clock, utc_now
from zones.db import Database, create_database
from zones.jobs.carriers import PLAN_QUEUE, RUN_PLAN, plan_key, saq_config, saq_enqueue, uses_saq
from zones.jobs.execute import CONTEXT_KEY, WorkerContext, run_plan_job
from zones.models import JobStatus, Plan, PlanStatus, QueuedJob
from zones.plans.run import reap_stale_runs
from zones.settings import Settings

logger = logging.getLogger("zones.jobs")

REQUEUE_AFTER_S = 10.0
"""A run queued this long without its SAQ job is enqueued again by the worker's sweep."""


async def claim_job(database: Database, worker: str, now: datetime) -> QueuedJob | None:
    """The oldest queued job, now running for `worker` (None when the queue is empty)."""
    async with database.write_session() as session:  # BEGIN IMMEDIATE on SQLite: one claimer at a time
        job = await session.scalar(
            select(QueuedJob)
            .where(QueuedJob.status == JobStatus.QUEUED)
            .order_by(QueuedJob.created_at, QueuedJob.id)
            .limit(1)
        )
        if job is None:
            return None
        job.status, job.worker, job.claimed_at = JobStatus.RUNNING, worker[:120], now
        return job


async def finish_job(database: Database, job_id: UUID, outcome: str, now: datetime) -> None:
    async with database.write_session() as session:
        job = await session.get_one(QueuedJob, job_id)
        job.status = JobStatus.FAILED if outcome == "failed" else JobStatus.DONE
        job.finished_at, job.error = now, None if outcome != "failed" else "the plan run failed"


async def fail_jobs_of(database: Database, plan_ids: list[UUID], now: datetime) -> None:
    """The table's jobs of runs the sweep found dead end as failed too."""
    if not plan_ids:
        return
    dead = {str(plan_id) for plan_id in plan_ids}
    async with database.write_session() as session:
        for job in await session.scalars(select(QueuedJob).where(QueuedJob.status == JobStatus.RUNNING)):
            if job.arguments.get("plan_id") in dead:
                job.status, job.finished_at, job.error = JobStatus.FAILED, now, "the worker stopped"


async def run_table_job(context: WorkerContext, job: QueuedJob) -> str:
    if job.function != RUN_PLAN:
        logger.error("job %s: unknown function %r", job.id, job.function)
        return "failed"
    return await run_plan_job(context, UUID(job.arguments["plan_id"]))


class Sweeper:
    """Once a second or so: dead runs marked failed (and, on SAQ, lost jobs enqueued again)."""

    def __init__(self, context: WorkerContext, stale_after_s: float, requeue: Callable[[UUID], Any] | None):
        self.context, self.stale_after_s, self.requeue = context, stale_after_s, requeue

    async def sweep(self) -> None:
        now = self.context.clock()
        dead = await reap_stale_runs(self.context.database, now, self.stale_after_s)
        for plan_id in dead:
            logger.warning("plan %s: its worker stopped; marked failed", plan_id)
        await fail_jobs_of(self.context.database, dead, now)
        if self.requeue is not None:
            async with self.context.database.read_session() as session:
                waiting = await session.scalars(
                    select(Plan.id).where(
                        Plan.status == PlanStatus.QUEUED,
                        Plan.created_at < now - timedelta(seconds=REQUEUE_AFTER_S),
                    )
                )
                for plan_id in list(waiting):
                    await self.requeue(plan_id)

    async def forever(self, interval: float) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # the next round retries
                logger.exception("job sweep failed")
            await asyncio.sleep(interval)


async def work(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    stop: asyncio.Event | None = None,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Run a worker until `stop` is set (or SIGINT/SIGTERM)."""
    database = create_database(settings.database_url, 3)
    context = WorkerContext(
        database, clock, whatif_steps=settings.whatif_steps, whatif_step_s=settings.whatif_step_s
    )
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    orphaned = asyncio.create_task(_stop_when_orphaned(stop))
    try:
        if uses_saq(settings):
            await _work_saq(settings, context, stop, ready)
        else:
            await _work_table(settings, context, stop, ready)
    finally:
        orphaned.cancel()
        await database.dispose()


PARENT_VARIABLE = "ZONES_WORKER_PARENT"
"""Set by `zones serve` for the worker it starts: the worker stops when that process is gone (a
server stopped with SIGTERM may end without a word to its worker)."""


async def _stop_when_orphaned(stop: asyncio.Event) -> None:
    parent = os.environ.get(PARENT_VARIABLE, "")
    if not parent.isdigit():
        return
    while os.getppid() == int(parent):  # noqa: ASYNC110  # no event says a parent process has gone
        await asyncio.sleep(1.0)
    logger.info("the server that started this worker has stopped; stopping")
    stop.set()


async def _work_table(
    settings: Settings, context: WorkerContext, stop: asyncio.Event, ready: Callable[[str], None] | None
) -> None:
    sweeper = Sweeper(context, settings.job_stale_s, None)
    if ready is not None:
        ready("database")
    while not stop.is_set():
        await sweeper.sweep()
        job = await claim_job(context.database, context.name, context.clock())
        if job is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), settings.worker_poll_s)
            continue
        running = asyncio.create_task(run_table_job(context, job))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not running.done():  # stopping: the run ends as failed ("the worker was stopped")
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            outcome = "failed"
        else:
            outcome = running.result()
        await finish_job(context.database, job.id, outcome, context.clock())


async def _work_saq(
    settings: Settings, context: WorkerContext, stop: asyncio.Event, ready: Callable[[str], None] | None
) -> None:
    from litestar_saq import SAQPlugin

    worker = SAQPlugin(saq_config(settings, worker=True)).get_workers()[PLAN_QUEUE]
    worker.SIGNALS = []  # this function handles the signals
    worker.context[CONTEXT_KEY] = context  # type: ignore[literal-required]  # SAQ's context holds ours
    queue = worker.queue

    async def requeue(plan_id: UUID) -> None:
        await saq_enqueue(queue, RUN_PLAN, plan_key(plan_id), plan_id=str(plan_id))

    await queue.connect()
    sweeper = asyncio.create_task(Sweeper(context, settings.job_stale_s, requeue).forever(1.0))
    running = asyncio.create_task(worker.start())
    if ready is not None:
        ready("redis" if settings.redis_url else "postgresql")
    try:
        await stop.wait()
    finally:
        sweeper.cancel()
        await worker.stop()  # a run in progress ends as failed ("the worker was stopped")
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(running, 10)
        await queue.disconnect()
