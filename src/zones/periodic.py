"""Background work that repeats inside the server process (no-show release, invite delivery)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


class PeriodicTask:
    """Runs `work` every `interval` seconds until shutdown; a failed round is logged and retried."""

    def __init__(
        self, name: str, interval: float, work: Callable[[], Awaitable[object]], logger: logging.Logger
    ) -> None:
        self.name, self.interval, self.work, self.logger = name, interval, work, logger
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.interval > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.work()
            except Exception:  # keep the loop alive; the next round retries
                self.logger.exception("%s failed", self.name)
            await asyncio.sleep(self.interval)
