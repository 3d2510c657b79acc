"""Closures: days a planner closes a site, a floor or a zone (a move, a deep clean, a strike)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from zones.models.base import Base

REASON_LENGTH = 200


class Closure(Base):
    """The site, one floor or one zone closed from `starts_on` to `ends_on`, both included.

    With neither `floor_id` nor `zone_id` the whole site is closed; a closure names at most one of
    them. Nobody may book what a closure covers, and adding one cancels the bookings it hits (so the
    reason is required: it is what the people who lose a booking are told).
    """

    __tablename__ = "closure"
    __table_args__ = (
        CheckConstraint("starts_on <= ends_on", name="starts_before_ends"),
        CheckConstraint("floor_id IS NULL OR zone_id IS NULL", name="one_place"),
        # The booking rules ask "is anything at this site closed on this day?" on every booking.
        Index("ix_closure_site_days", "site_id", "ends_on", "starts_on"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    floor_id: Mapped[UUID | None] = mapped_column(ForeignKey("floor.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[UUID | None] = mapped_column(ForeignKey("zone.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH))
    created_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("employee.id", ondelete="SET NULL"))
