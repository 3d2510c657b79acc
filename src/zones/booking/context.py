"""What every booking operation needs: a session, who is acting, and the time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.calendar.events import CalendarConfig


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass
class BookingContext:
    """A session inside a write transaction, the acting principal, and a clock (tests move it)."""

    session: AsyncSession
    actor: Principal
    clock: Callable[[], datetime] = field(default=utc_now)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    """Organizer and links for the invites each change writes to the outbox."""

    def now(self) -> datetime:
        return self.clock()
