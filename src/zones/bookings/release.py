"""The periodic task that frees desks nobody checked in to."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from zones.bookings.desks import release_no_shows
from zones.calendar.events import CalendarConfig
from zones.db import Database
from zones.periodic import PeriodicTask

logger = logging.getLogger("zones.release")


async def release_once(database: Database, now: datetime, calendar: CalendarConfig) -> int:
    """Release every overdue booking in one write transaction; returns how many."""
    async with database.write_session() as session:
        return len(await release_no_shows(session, now, calendar))


def release_task(
    database: Database, clock: Callable[[], datetime], interval: float, calendar: CalendarConfig
) -> PeriodicTask:
    """Release no-shows every `interval` seconds inside the server process."""

    async def release() -> None:
        released = await release_once(database, clock(), calendar)
        if released:
            logger.info("released %d bookings that were not checked in", released)

    return PeriodicTask("zones-release-no-shows", interval, release, logger)
