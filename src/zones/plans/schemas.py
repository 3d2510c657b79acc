"""Request and response bodies for plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec

from zones.models import Plan, PlanStatus
from zones.text import whole


class PlanCreate(msgspec.Struct, forbid_unknown_fields=True):
    """What to plan."""

    site_id: UUID
    week: Annotated[
        str, msgspec.Meta(pattern=whole(r"\d{4}-[Ww]\d{2}"), description="First ISO week, e.g. 2026-W49")
    ]
    weeks: Annotated[int, msgspec.Meta(ge=1, le=8)] = 1
    time_limit_s: Annotated[float, msgspec.Meta(gt=0, le=600)] = 60.0
    seed: int | None = None


class PlanRead(msgspec.Struct):
    """A planning run: its progress while it runs, its KPIs and densification flags once done."""

    id: UUID
    site_id: UUID
    starts_on: date
    ends_on: date
    status: PlanStatus
    time_limit_s: float
    progress: dict[str, Any]
    """Latest solver progress: stage, objective, bound, gap, elapsed_s."""
    kpis: dict[str, Any]
    flags: list[dict[str, Any]]
    violations: list[dict[str, Any]]
    error: str | None
    weeks: int = 1
    cancel_requested: bool = False
    best_found: bool = False
    """Cancelled after stage 1 had a complete plan: the plan holds the best one found."""
    worker: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    applied_at: datetime | None = None

    @classmethod
    def of(cls, row: Plan) -> PlanRead:
        return cls(
            row.id,
            row.site_id,
            row.starts_on,
            row.ends_on,
            row.status,
            row.time_limit_s,
            row.progress,
            row.kpis,
            row.flags,
            row.violations,
            row.error,
            row.weeks,
            row.cancel_requested,
            row.best_found,
            row.worker,
            row.started_at,
            row.finished_at,
            row.applied_at,
        )


class SeatRead(msgspec.Struct):
    """Someone in the office on a planned day."""

    day: date
    employee_id: UUID
    name: str
    zone: str
    desk: str
    activity: str
