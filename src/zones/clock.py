"""The time, injectable: every part of Zones asks a clock, so tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Something that tells the current time (timezone-aware, UTC)."""


def utc_now() -> datetime:
    """The current time in UTC: the clock Zones runs on outside tests."""
    return datetime.now(UTC)
