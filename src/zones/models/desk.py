"""A desk: one bookable workstation in a zone."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import ColumnElement, Float, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base, json_list, json_list_contains

if TYPE_CHECKING:
    from zones.models.zone import Zone


class Desk(Base):
    """A workstation with its place on the floor plan and what it offers (`attributes`)."""

    __tablename__ = "desk"
    __table_args__ = (
        UniqueConstraint("site_id", "code", name="uq_desk_site_code"),
        ForeignKeyConstraint(
            ["zone_id", "site_id"],
            ["zone.id", "zone.site_id"],
            ondelete="CASCADE",
            name="fk_desk_zone_same_site",
        ),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[UUID] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(32))
    x_m: Mapped[float | None] = mapped_column(Float())
    y_m: Mapped[float | None] = mapped_column(Float())
    attributes: Mapped[list[str]] = mapped_column(json_list(), default=list)
    bookable: Mapped[bool] = mapped_column(default=True)

    zone: Mapped[Zone] = relationship(back_populates="desks", lazy="raise")

    @classmethod
    def offers(cls, attribute: str) -> ColumnElement[bool]:
        """SQL: the desk offers `attribute` (a whole item of its `attributes`, never a substring)."""
        return json_list_contains(cls.attributes, attribute)
