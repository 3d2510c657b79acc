"""A site's policy: attendance band, booking rules, planning weights and sourced densification thresholds."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base, enum_column

if TYPE_CHECKING:
    from zones.models.site import Site


class ThresholdDirection(enum.StrEnum):
    """Whether a figure must stay at or above (`min`) or at or below (`max`) its threshold."""

    MIN = "min"
    MAX = "max"


class Policy(Base):
    """The rules a site books and plans by; one per site."""

    __tablename__ = "policy"
    __table_args__ = (
        CheckConstraint(
            "attendance_min_share >= 0 AND attendance_min_share <= attendance_max_share"
            " AND attendance_max_share <= 1",
            name="attendance_band_valid",
        ),
        CheckConstraint("booking_horizon_days >= 0", name="horizon_not_negative"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), unique=True)
    attendance_min_share: Mapped[float] = mapped_column(Float())
    attendance_max_share: Mapped[float] = mapped_column(Float())
    booking_horizon_days: Mapped[int]
    checkin_opens_minutes_before: Mapped[int]
    checkin_deadline_minutes_after: Mapped[int]
    accessible_hold_days: Mapped[int]
    """Accessible desks stay reserved for people who need them until this many days before."""
    planning_weights: Mapped[dict[str, int]] = mapped_column(
        JSON(), default=dict, server_default=text("'{}'")
    )
    """The planner's objective weights by name; the planner's defaults fill in any not listed."""

    site: Mapped[Site] = relationship(back_populates="policy", lazy="raise")
    thresholds: Mapped[list[PolicyThreshold]] = relationship(
        back_populates="policy",
        cascade="all, delete-orphan",
        order_by="PolicyThreshold.metric",
        lazy="raise",
    )


class PolicyThreshold(Base):
    """A densification threshold: the figure to watch, where it warns and breaches, and why."""

    __tablename__ = "policy_threshold"
    __table_args__ = (
        UniqueConstraint("policy_id", "metric", name="uq_policy_threshold_metric"),
        CheckConstraint("warning_at IS NOT NULL OR breach_at IS NOT NULL", name="has_a_level"),
    )

    policy_id: Mapped[UUID] = mapped_column(ForeignKey("policy.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(String(64))
    direction: Mapped[ThresholdDirection] = mapped_column(enum_column(ThresholdDirection, length=8))
    warning_at: Mapped[float | None] = mapped_column(Float())
    breach_at: Mapped[float | None] = mapped_column(Float())
    unit: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text())
    note: Mapped[str] = mapped_column(Text(), default="")
    counted_height_max_m: Mapped[float | None] = mapped_column(Float())
    """For air volume: ceiling height counted at most this high (UK counts up to 3 m)."""

    policy: Mapped[Policy] = relationship(back_populates="thresholds", lazy="raise")
