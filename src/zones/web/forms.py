"""Forms and addresses of the pages: reading values where one that does not parse means "not given"
(the page then shows its default rather than an error), and the problems an error summary lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class Problem:
    """A problem for the error summary: the element on the page it is about, and its text."""

    target: str
    text: str


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
