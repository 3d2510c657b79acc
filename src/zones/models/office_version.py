"""A version stamp of the office layout, so each process can cache the layout and notice a change.

`office_version` holds one row (id 1) whose `version` database triggers (migration 0008) raise by one
whenever a layout table changes: site, floor, neighbourhood, zone, desk, room, policy and
policy_threshold. Bookings, people, teams, tokens, the outbox and plans do not touch it. A process
keeps the version it read with its cached layout and reloads when `office_version_now()` returns a
different number; compare for equality, not order. The bump commits or rolls back with the change.

On PostgreSQL the triggers fire once per statement (a bulk load bumps once per statement), on SQLite
once per row. A trigger re-creates a missing row, so the version only counts from 0 again if someone
deletes the row; `office_version_now()` reads a missing row as 0.
"""

from __future__ import annotations

from advanced_alchemy.base import orm_registry
from sqlalchemy import BigInteger, CheckConstraint, Column, Integer, Select, Table, func, select, text
from sqlalchemy.orm import Mapped

from zones.models.base import orm_metadata

OFFICE_VERSION = Table(
    "office_version",
    orm_metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, default=1),
    Column("version", BigInteger, nullable=False, default=0, server_default=text("0")),
    CheckConstraint("id = 1", name="single_row"),
)

LAYOUT_TABLES = (
    "site",
    "floor",
    "neighbourhood",
    "zone",
    "desk",
    "room",
    "policy",
    "policy_threshold",
)
"""The tables whose changes raise the version (the triggers are created by migration 0008)."""


def office_version_now() -> Select[int]:
    """The current layout version in one query: `await session.scalar(office_version_now())`."""
    stored = select(OFFICE_VERSION.c.version).where(OFFICE_VERSION.c.id == 1).scalar_subquery()
    return select(func.coalesce(stored, 0))


@orm_registry.mapped
class OfficeVersion:
    """The one row of `office_version` (id 1); the triggers write it, nothing else needs to."""

    __table__ = OFFICE_VERSION

    id: Mapped[int]
    version: Mapped[int]
