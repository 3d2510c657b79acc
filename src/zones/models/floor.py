"""A floor of a site, with the size of its plan."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base

if TYPE_CHECKING:
    from zones.models.site import Site
    from zones.models.zone import Zone


class Floor(Base):
    """A storey of a site; `level` orders floors and identifies one within its site."""

    __tablename__ = "floor"
    __table_args__ = (
        UniqueConstraint("site_id", "level", name="uq_floor_site_level"),
        UniqueConstraint("site_id", "name", name="uq_floor_site_name"),
        # Target of the zone's composite key, which keeps a zone on a floor of its own site.
        UniqueConstraint("id", "site_id", name="uq_floor_id_site"),
        CheckConstraint("width_m IS NULL OR width_m > 0", name="width_positive"),
        CheckConstraint("depth_m IS NULL OR depth_m > 0", name="depth_positive"),
    )

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[int]
    width_m: Mapped[float | None] = mapped_column(Float())
    depth_m: Mapped[float | None] = mapped_column(Float())

    site: Mapped[Site] = relationship(back_populates="floors", lazy="raise")
    zones: Mapped[list[Zone]] = relationship(
        back_populates="floor", cascade="all, delete-orphan", order_by="Zone.key", lazy="raise"
    )
