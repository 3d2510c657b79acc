"""Teams and circles: the groups whose members want to be in the office together."""

from __future__ import annotations

import enum
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base, enum_column, orm_metadata

if TYPE_CHECKING:
    from zones.models.employee import Employee


class TeamKind(enum.StrEnum):
    """A standing team, or a temporary circle formed around one task."""

    TEAM = "team"
    CIRCLE = "circle"


team_membership = Table(
    "team_membership",
    orm_metadata,
    Column("team_id", ForeignKey("team.id", ondelete="CASCADE"), primary_key=True),
    Column("employee_id", ForeignKey("employee.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Team(Base):
    """A group of employees; a circle stops counting after `ends_on`."""

    __tablename__ = "team"
    __table_args__ = (
        CheckConstraint("(kind = 'circle') = (ends_on IS NOT NULL)", name="circle_has_end_date"),
        CheckConstraint(
            "overlap_days IS NULL OR (overlap_days >= 0 AND overlap_days <= 7)", name="overlap_days_in_week"
        ),
        CheckConstraint("team_day IS NULL OR (team_day >= 1 AND team_day <= 7)", name="team_day_is_weekday"),
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TeamKind] = mapped_column(enum_column(TeamKind), default=TeamKind.TEAM)
    ends_on: Mapped[date | None]
    neighbourhood_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL"), index=True
    )
    overlap_days: Mapped[int | None]
    """How many days a week the team wants all its members in together."""
    team_day: Mapped[int | None]
    """A fixed ISO weekday the team meets in the office, if it has one."""

    members: Mapped[list[Employee]] = relationship(
        secondary=team_membership, back_populates="teams", order_by="Employee.name", lazy="raise"
    )

    def is_active_on(self, day: date) -> bool:
        """Whether the team still counts on `day` (circles end; teams do not)."""
        return self.ends_on is None or day <= self.ends_on


Index("uq_team_name_lower", func.lower(Team.name), unique=True)
