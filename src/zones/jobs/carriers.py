"""How a job reaches a worker: SAQ (Redis or PostgreSQL) or the embedded database's job table."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from zones.models import QueuedJob
from zones.settings import Settings

Kick = Callable[[], Awaitable[None]]
"""What to run once the transaction that recorded a job has committed."""

PLAN_QUEUE: Final = "zones-plans"
RUN_PLAN: Final = "run_plan"
"""The job function that runs a plan (`zones.jobs.execute.run_plan_job`)."""

logger = logging.getLogger("zones.jobs")


def plan_key(plan_id: object) -> str:
    """The job key of a plan run: one job per run, whichever process enqueues it."""
    return f"plan-{plan_id}"


async def _nothing() -> None:
    return None


class JobCarrier(Protocol):
    """Carries jobs from the API to the workers."""

    name: str

    async def submit(self, session: AsyncSession, function: str, key: str, **arguments: Any) -> Kick:
        """Record a job in the caller's write transaction; run the returned kick after it commits.

        `key` names the job (one job per key while it waits); arguments are JSON values.
        """
        ...

    async def close(self) -> None: ...


class TableCarrier:
    """The embedded default: jobs wait in the `queued_job` table of the same database.

    The job row is written in the caller's transaction, so a job exists exactly when the plan row
    that it runs does; a worker process polls the table and claims one job at a time.
    """

    name = "database"

    async def submit(self, session: AsyncSession, function: str, key: str, **arguments: Any) -> Kick:
        session.add(QueuedJob(function=function, arguments={"key": key, **arguments}))
        return _nothing

    async def close(self) -> None:
        return None


def saq_dsn(settings: Settings) -> str:
    """Where SAQ queues: Redis when set, else the PostgreSQL database (as a libpq URL for psycopg)."""
    if settings.redis_url:
        return settings.redis_url
    url = settings.database_url
    return "postgresql://" + url.split("://", 1)[1]


def saq_config(settings: Settings, *, worker: bool = False) -> Any:
    """litestar-saq's configuration of the plan queue (the worker's also names the job functions)."""
    from litestar_saq import QueueConfig, SAQConfig

    from zones.jobs import execute

    options: dict[str, Any] = {}
    if not settings.redis_url:
        # psycopg pool: the API only enqueues; a worker runs one plan at a time.
        options = {"min_size": 1, "max_size": 4 if worker else 2}
    queue = QueueConfig(
        dsn=saq_dsn(settings),
        name=PLAN_QUEUE,
        tasks=[execute.run_plan] if worker else [],  # type: ignore[list-item]  # SAQ's Context type
        concurrency=1,
        broker_options=options,
        separate_process=False,
        # On PostgreSQL, poll rather than LISTEN: a NOTIFY sent between SAQ's first look and its
        # LISTEN is lost, and the job would wait for the next one. (Redis blocks on the list itself.)
        poll_interval=None if settings.redis_url else 0.5,
        timers={"sweep": 10, "abort": 1},  # type: ignore[arg-type]  # a partial TypedDict
    )
    return SAQConfig(queue_configs=[queue], use_server_lifespan=False)


async def saq_enqueue(queue: Any, function: str, key: str, **arguments: Any) -> None:
    """Put a job on a SAQ queue (SAQ keeps one job per key, so enqueueing again is harmless).

    No SAQ timeout: the plan's own time limit ends the run, and a dead worker is found by the plan's
    heartbeat. One attempt: a failed run is started again by a planner.
    """
    await queue.enqueue(function, key=key, timeout=0, retries=1, **arguments)


class SaqCarrier:
    """SAQ through litestar-saq: on Redis when `ZONES_REDIS_URL` is set, else on PostgreSQL."""

    name = "saq"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._queue: Any = None

    async def queue(self) -> Any:
        if self._queue is None:
            queue = saq_config(self.settings).get_queues().get(PLAN_QUEUE)
            await queue.connect()
            self._queue = queue
        return self._queue

    async def submit(self, session: AsyncSession, function: str, key: str, **arguments: Any) -> Kick:
        async def enqueue() -> None:
            await saq_enqueue(await self.queue(), function, key, **arguments)

        return enqueue

    async def close(self) -> None:
        if self._queue is not None:
            await self._queue.disconnect()
            self._queue = None


def uses_saq(settings: Settings) -> bool:
    """Whether jobs travel through SAQ: with Redis, or on PostgreSQL; not on embedded SQLite alone."""
    return bool(settings.redis_url) or not settings.is_sqlite


def job_carrier(settings: Settings) -> JobCarrier:
    """The carrier for these settings."""
    return SaqCarrier(settings) if uses_saq(settings) else TableCarrier()
