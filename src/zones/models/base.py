"""The declarative base every Zones table derives from, and column types they share."""

from __future__ import annotations

import enum
from typing import Any

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import JSON, Boolean, ColumnElement, Enum, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

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


class _JsonListContains(FunctionElement[bool]):
    """SQL for "this JSON list column holds this string", written per database below."""

    type = Boolean()
    inherit_cache = True
    name = "json_list_contains"


@compiles(_JsonListContains, "postgresql")
def _contains_postgresql(element: _JsonListContains, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({column} AS JSONB) @> jsonb_build_array({value}))"


@compiles(_JsonListContains, "sqlite")
def _contains_sqlite(element: _JsonListContains, compiler: SQLCompiler, **kw: Any) -> str:
    column, value = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({column}) WHERE json_each.value = {value})"


def json_list_contains(column: Any, value: str) -> ColumnElement[bool]:
    """Whether a JSON list column (desk or room attributes, needs) holds `value` as a whole item.

    The one attribute match: the booking rules, availability and the read API all use it.
    """
    return _JsonListContains(column, literal(value))


from advanced_alchemy.base import orm_registry  # noqa: E402

orm_metadata = orm_registry.metadata
"""The MetaData every table (mapped classes and plain association tables) registers in."""
