"""The declarative base every Zones table derives from, and column types they share."""

from __future__ import annotations

import enum
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import JSON, Enum

Base = UUIDv7AuditBase
"""UUIDv7 primary key (sortable, not guessable) plus created_at / updated_at in UTC."""


def enum_column(enum_type: type[enum.Enum], length: int = 16) -> Enum:
    """A portable enum column: a string with a CHECK constraint, stored by value."""
    return Enum(
        enum_type,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def json_list() -> JSON:
    """A JSON list column (attributes, needs, weekdays) portable across SQLite and PostgreSQL."""
    return JSON()


JsonList = list[Any]

from advanced_alchemy.base import orm_registry  # noqa: E402

orm_metadata = orm_registry.metadata
"""The MetaData every table (mapped classes and plain association tables) registers in."""
