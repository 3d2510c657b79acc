"""A room: a bookable workshop space in a facilitation zone."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import CheckConstraint, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base, json_list

if TYPE_CHECKING:
    from zones.models.zone import Zone


class Room(Base):
    """A workshop room with a seat capacity, booked for a time range by a group."""

    __tablename__ = "room"
    __table_args__ = (
        UniqueConstraint("site_id", "code", name="uq_room_site_code"),
        ForeignKeyConstraint(
            ["zone_id", "site_id"],
            ["zone.id", "zone.site_id"],
            ondelete="CASCADE",
            name="fk_room_zone_same_site",
        ),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    zone_id: Mapped[UUID] = mapped_column(index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int]
    attributes: Mapped[list[str]] = mapped_column(json_list(), default=list)
    bookable: Mapped[bool] = mapped_column(default=True)

    zone: Mapped[Zone] = relationship(back_populates="rooms", lazy="raise")
