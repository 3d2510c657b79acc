"""Queued background jobs for the embedded database: what a local worker claims and runs.

With Redis or PostgreSQL the jobs travel through SAQ (its own tables); on embedded SQLite without
Redis they wait in this table, in the same database, until a worker process claims one inside a
`BEGIN IMMEDIATE` transaction (so two workers never claim the same job).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from zones.models.base import Base, enum_column


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class QueuedJob(Base):
    """One job: a function name the worker knows and its keyword arguments."""

    __tablename__ = "queued_job"
    __table_args__ = (Index("ix_queued_job_status_created", "status", "created_at"),)

    function: Mapped[str] = mapped_column(String(64))
    arguments: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.QUEUED)
    worker: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    error: Mapped[str | None] = mapped_column(String(2000))
