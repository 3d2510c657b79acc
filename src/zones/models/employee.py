"""An employee: someone who books seats and is planned into the office."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base, enum_column, json_list
from zones.models.team import team_membership

if TYPE_CHECKING:
    from zones.models.team import Team


class Role(enum.StrEnum):
    """What a person may do in Zones."""

    EMPLOYEE = "employee"
    """Books and manages their own seats."""
    PLANNER = "planner"
    """Describes the office, imports staff, runs plans, books on behalf of others."""
    ADMIN = "admin"
    """Everything, including other people's roles."""


class Employee(Base):
    """A member of staff: identity, role, home site, part-time share and seating needs."""

    __tablename__ = "employee"
    __table_args__ = (
        CheckConstraint("contracted_share > 0 AND contracted_share <= 1", name="contracted_share_in_range"),
    )

    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.EMPLOYEE)
    home_site_id: Mapped[UUID | None] = mapped_column(ForeignKey("site.id", ondelete="SET NULL"), index=True)
    contracted_share: Mapped[float] = mapped_column(Float(), default=1.0)
    """Share of a full working week the person is contracted for (0.8 = four days of five)."""
    needs: Mapped[list[str]] = mapped_column(json_list(), default=list)
    """Desk attributes the person needs, e.g. `accessible`."""
    preferred_days: Mapped[list[int]] = mapped_column(json_list(), default=list)
    """ISO weekdays the person prefers to be in (1 = Monday); the planner honours them where it can."""
    focus_days: Mapped[int] = mapped_column(default=0)
    """Days a week the person wants for focus work, in a quiet zone."""
    team_days: Mapped[int] = mapped_column(default=0)
    """Days a week the person wants with their team, in a collaboration zone."""
    shares_presence: Mapped[bool] = mapped_column(default=True)
    """Whether colleagues may see that this person is in, and where."""
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    """The language of the web pages the person chose (`da`, `en`); unset: the browser's."""

    teams: Mapped[list[Team]] = relationship(
        secondary=team_membership, back_populates="members", order_by="Team.name", lazy="raise"
    )


# E-mail addresses are matched without regard to case: Ann@x.dk and ann@x.dk are one person.
Index("uq_employee_email_lower", func.lower(Employee.email), unique=True)
