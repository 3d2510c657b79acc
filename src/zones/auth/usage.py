"""When credentials were last used, recorded off the request path.

A request only notes the time in memory; a background task writes the notes every minute in one
transaction: an API token's `last_used_at` and a session's `seen_at` (from which its idle expiry
counts), each to the minute, so a busy person costs one write a minute, not one per request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, cast

from sqlalchemy import Table, bindparam, or_, update

from zones.auth.sessions import DatabaseSessions
from zones.db import Database
from zones.models import ApiToken
from zones.periodic import PeriodicTask

if TYPE_CHECKING:
    from zones.auth.sessions import SessionCredential, SessionStore

TOKENS: Final = cast(Table, ApiToken.__table__)
RESOLUTION: Final = timedelta(minutes=1)
FLUSH_INTERVAL_S: Final = 60.0
logger = logging.getLogger("zones.auth")


def to_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


class UsageRecorder:
    """Notes of credential use since the last flush (this process only)."""

    def __init__(self) -> None:
        self.tokens: dict[str, datetime] = {}
        self.sessions: dict[str, datetime] = {}
        self._tokens_written: dict[str, datetime] = {}

    def token_used(self, token_hash: str, now: datetime) -> None:
        minute = to_minute(now)
        if self._tokens_written.get(token_hash) != minute:
            self.tokens[token_hash] = minute

    def session_seen(self, credential: SessionCredential, now: datetime) -> None:
        if now - credential.seen_at >= RESOLUTION:
            self.sessions[credential.id_hash] = to_minute(now)

    async def flush(self, database: Database, sessions: SessionStore) -> None:
        """Write the notes (one transaction); notes taken meanwhile wait for the next flush."""
        tokens, self.tokens = self.tokens, {}
        seen, self.sessions = self.sessions, {}
        if not tokens and not seen:
            return
        async with database.write_session() as db:
            if tokens:
                await db.execute(
                    update(TOKENS)
                    .where(
                        TOKENS.c.token_hash == bindparam("hash"),
                        or_(TOKENS.c.last_used_at.is_(None), TOKENS.c.last_used_at < bindparam("at")),
                    )
                    .values(last_used_at=bindparam("at")),
                    [{"hash": h, "at": at} for h, at in tokens.items()],
                )
            if seen:
                await sessions.touch(db, seen)
        if len(self._tokens_written) > 100_000:
            self._tokens_written.clear()
        self._tokens_written.update(tokens)


def usage_task(
    recorder: UsageRecorder, database: Database, sessions: SessionStore, clock: Callable[[], datetime]
) -> PeriodicTask:
    """The background task that writes the notes every minute, and once an hour deletes sessions
    that have ended (Redis expires its own)."""
    rounds = 0

    async def flush() -> None:
        nonlocal rounds
        await recorder.flush(database, sessions)
        rounds += 1
        if rounds % 60 == 0 and isinstance(sessions, DatabaseSessions):
            async with database.write_session() as db:
                await sessions.end_expired(db, clock())

    return PeriodicTask("zones-usage", FLUSH_INTERVAL_S, flush, logger)
