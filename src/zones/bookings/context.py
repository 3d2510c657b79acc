"""What every booking operation needs: a session, who is acting, and the time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.calendar.events import CalendarConfig
from zones.clock import Clock
from zones.office.layout import LayoutCache


@dataclass
class BookingContext:
    """A session inside a write transaction, the acting principal, and a clock (tests move it)."""

    session: AsyncSession
    actor: Principal
    clock: Clock
    calendar: CalendarConfig
    """Organizer and links for the invites each change writes to the outbox (from the settings)."""
    layouts: LayoutCache = field(default_factory=LayoutCache)
    """Desk places this process has read (the server shares one; checked against the office version)."""

    def now(self) -> datetime:
        return self.clock()


Scope = Literal["upcoming", "past", "all"]
"""Which of someone's bookings a list shows: those not over yet, those over, or every one."""


async def count(session: AsyncSession, statement: Select[Any]) -> int:
    """How many rows `statement` would return (the total of a paginated list)."""
    return int(await session.scalar(select(func.count()).select_from(statement.subquery())) or 0)
