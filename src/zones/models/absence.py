"""Absences: days a person cannot be in (leave, travel), which plans and bookings respect."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from zones.models.base import Base


class Absence(Base):
    """A person away from `starts_on` to `ends_on`, both included."""

    __tablename__ = "absence"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="starts_before_ends"),)

    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    reason: Mapped[str] = mapped_column(String(100), default="")
