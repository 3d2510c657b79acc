"""Reading what a page's address or form says, where a value that does not parse means "not given"
(the page then shows its default rather than an error)."""

from __future__ import annotations

from datetime import date
from uuid import UUID


def date_or_none(value: str) -> date | None:
    """An ISO date (`2026-12-03`), else None."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def uuid_or_none(value: str) -> UUID | None:
    """A UUID, else None."""
    try:
        return UUID(value)
    except ValueError:
        return None
