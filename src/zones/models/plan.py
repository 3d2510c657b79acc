"""Stored plans: who comes in on which day, in which zone and at which desk, with the figures."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from zones.models.base import Base, enum_column


class PlanStatus(enum.StrEnum):
    """Where a planning run is: queued for a worker, running, then done, failed or cancelled."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def active(self) -> bool:
        """Whether the run still waits for or holds a worker (one active run per site and horizon)."""
        return self in (PlanStatus.QUEUED, PlanStatus.RUNNING)

    @property
    def finished(self) -> bool:
        return not self.active


ACTIVE_PLAN_STATUSES = (PlanStatus.QUEUED, PlanStatus.RUNNING)
_ACTIVE_RUN = text("status IN ('queued', 'running')")


class Plan(Base):
    """One planning run for a site and horizon, with its progress while it runs and its results after."""

    __tablename__ = "plan"
    __table_args__ = (
        # One active run per site and horizon: a second start is refused by the database.
        Index(
            "uq_plan_active_run",
            "site_id",
            "starts_on",
            "ends_on",
            unique=True,
            sqlite_where=_ACTIVE_RUN,
            postgresql_where=_ACTIVE_RUN,
        ),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.QUEUED)
    time_limit_s: Mapped[float] = mapped_column(Float())
    weeks: Mapped[int] = mapped_column(Integer(), default=1)
    """ISO weeks planned, from the week of `starts_on`."""
    seed: Mapped[int | None] = mapped_column(Integer())
    cancel_requested: Mapped[bool] = mapped_column(Boolean(), default=False)
    """A planner asked to stop; the worker stops the solver within seconds."""
    best_found: Mapped[bool] = mapped_column(Boolean(), default=False)
    """Cancelled after stage 1 had a complete solution: the plan holds the best one found."""
    worker: Mapped[str | None] = mapped_column(String(120))
    """The worker that claimed the run (host and process)."""
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """Written by the worker every second or two while it runs; a stale one means the worker died."""
    applied_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """When the plan was first turned into bookings."""
    applied_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))
    progress: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    """Latest solver progress: stage, objective, bound, gap, elapsed."""
    kpis: Mapped[dict[str, Any]] = mapped_column(JSON(), default=dict)
    """The plan's KPIs and the greedy baseline's, side by side."""
    flags: Mapped[list[Any]] = mapped_column(JSON(), default=list)
    """Densification flags: severity, figure, threshold, source."""
    violations: Mapped[list[Any]] = mapped_column(JSON(), default=list)
    """Hard constraints that could not all hold, and by how much."""
    error: Mapped[str | None] = mapped_column(String(2000))
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class PlanSeat(Base):
    """A person in the office on a day of a plan: zone, desk and what the day is for."""

    __tablename__ = "plan_seat"
    __table_args__ = (
        UniqueConstraint("plan_id", "employee_id", "day", name="uq_plan_seat_person_day"),
        UniqueConstraint("plan_id", "desk_id", "day", name="uq_plan_seat_desk_day"),
    )

    plan_id: Mapped[UUID] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"))
    day: Mapped[date]
    zone_id: Mapped[UUID] = mapped_column(ForeignKey("zone.id", ondelete="CASCADE"))
    desk_id: Mapped[UUID] = mapped_column(ForeignKey("desk.id", ondelete="CASCADE"))
    activity: Mapped[str] = mapped_column(String(16))
