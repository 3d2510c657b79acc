"""A site: one office building or address, with its time zone and working week."""

from __future__ import annotations

from datetime import time
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from zones.models.base import Base, json_list

if TYPE_CHECKING:
    from zones.models.floor import Floor
    from zones.models.neighbourhood import Neighbourhood
    from zones.models.policy import Policy


class Site(Base):
    """An office site: floors, zones and desks hang off it; times are read in its time zone."""

    __tablename__ = "site"
    __table_args__ = (
        CheckConstraint("length(country) = 2", name="country_is_alpha2"),
        CheckConstraint("opens_at < closes_at", name="opens_before_closing"),
    )

    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2))
    working_days: Mapped[list[int]] = mapped_column(json_list())
    opens_at: Mapped[time] = mapped_column(Time(), default=time(8, 0))
    closes_at: Mapped[time] = mapped_column(Time(), default=time(17, 0))

    floors: Mapped[list[Floor]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="Floor.level", lazy="raise"
    )
    neighbourhoods: Mapped[list[Neighbourhood]] = relationship(
        back_populates="site", cascade="all, delete-orphan", lazy="raise"
    )
    policy: Mapped[Policy | None] = relationship(
        back_populates="site", cascade="all, delete-orphan", uselist=False, lazy="raise"
    )
