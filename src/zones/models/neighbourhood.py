"""A team neighbourhood: zones grouped so a team can sit together."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base

if TYPE_CHECKING:
    from zones.models.site import Site


class Neighbourhood(Base):
    """A named group of zones on one site that one or more teams call home."""

    __tablename__ = "neighbourhood"
    __table_args__ = (UniqueConstraint("site_id", "key", name="uq_neighbourhood_site_key"),)

    site_id: Mapped[UUID] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))

    site: Mapped[Site] = relationship(back_populates="neighbourhoods", lazy="raise")
