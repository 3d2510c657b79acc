"""A zone: an area of a floor typed by the activity it is for."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import CheckConstraint, Float, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base, enum_column

if TYPE_CHECKING:
    from zones.models.desk import Desk
    from zones.models.floor import Floor
    from zones.models.room import Room


class Activity(enum.StrEnum):
    """What a zone is for."""

    QUIET = "quiet"
    """Focus work: no calls, no meetings."""
    COLLABORATION = "collaboration"
    """Teammates sitting together, talking freely."""
    FACILITATION = "facilitation"
    """Workshop rooms for running a process with a group."""


class Zone(Base):
    """An activity zone with its floor area and ceiling height, the basis of density figures."""

    __tablename__ = "zone"
    __table_args__ = (
        UniqueConstraint("site_id", "key", name="uq_zone_site_key"),
        UniqueConstraint("id", "site_id", name="uq_zone_id_site"),
        ForeignKeyConstraint(
            ["floor_id", "site_id"],
            ["floor.id", "floor.site_id"],
            ondelete="CASCADE",
            name="fk_zone_floor_same_site",
        ),
        CheckConstraint("area_m2 > 0", name="area_positive"),
        CheckConstraint("ceiling_height_m > 0", name="ceiling_positive"),
        CheckConstraint("occupancy_cap IS NULL OR occupancy_cap >= 0", name="cap_not_negative"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    floor_id: Mapped[UUID] = mapped_column(index=True)
    neighbourhood_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("neighbourhood.id", ondelete="SET NULL"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    activity: Mapped[Activity] = mapped_column(enum_column(Activity))
    area_m2: Mapped[float] = mapped_column(Float())
    ceiling_height_m: Mapped[float] = mapped_column(Float())
    occupancy_cap: Mapped[int | None]
    # Outline on the floor plan, in metres from the floor's origin; optional.
    x_m: Mapped[float | None] = mapped_column(Float())
    y_m: Mapped[float | None] = mapped_column(Float())
    width_m: Mapped[float | None] = mapped_column(Float())
    depth_m: Mapped[float | None] = mapped_column(Float())

    floor: Mapped[Floor] = relationship(back_populates="zones", lazy="raise")
    desks: Mapped[list[Desk]] = relationship(
        back_populates="zone", cascade="all, delete-orphan", order_by="Desk.code", lazy="raise"
    )
    rooms: Mapped[list[Room]] = relationship(
        back_populates="zone", cascade="all, delete-orphan", order_by="Room.code", lazy="raise"
    )

    @property
    def volume_m3(self) -> float:
        """Air volume of the zone."""
        return self.area_m2 * self.ceiling_height_m
