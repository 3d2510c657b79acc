"""The periodic task that frees desks nobody checked in to."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from zones.booking.desks import release_no_shows
from zones.calendar.events import CalendarConfig
from zones.db import Database

logger = logging.getLogger("zones.release")


async def release_once(database: Database, now: datetime, calendar: CalendarConfig | None = None) -> int:
    """Release every overdue booking in one write transaction; returns how many."""
    async with database.write_session() as session:
        return len(await release_no_shows(session, now, calendar))


class ReleaseTask:
    """Runs `release_once` every `interval` seconds inside the server process."""

    def __init__(
        self,
        database: Database,
        clock: Callable[[], datetime],
        interval: float,
        calendar: CalendarConfig | None = None,
    ) -> None:
        self.database, self.clock, self.interval, self.calendar = database, clock, interval, calendar
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="zones-release-no-shows")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                released = await release_once(self.database, self.clock(), self.calendar)
                if released:
                    logger.info("released %d bookings that were not checked in", released)
            except Exception:  # keep the loop alive; the next round retries
                logger.exception("releasing no-shows failed")
            await asyncio.sleep(self.interval)
