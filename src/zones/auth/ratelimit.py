"""Rate limits on signing in: how many attempts one key (a client address, an e-mail address) may
make in a fixed window of `ZONES_*` `limit_window_s` seconds.

The count lives where every server process sees it: in Redis (`INCR` and `EXPIRE` on
`zones:limit:<key>:<window>`) when `ZONES_REDIS_URL` is set, else in the `rate_limit_hit` table (one
upsert per attempt, in the request's own transaction). Over the limit, `limit` raises
`TooManyAttempts`, which answers 429 with `Retry-After` (the seconds to the window's end): a page
for a browser, a problem detail for anything else (`rate_limit_handlers`).

Callers count before they look anything up, so a count never depends on whether an address is
known.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from litestar import Request
from litestar.exceptions import HTTPException
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from zones.models import RateLimitHit
from zones.server.state import AppState

logger = logging.getLogger("zones.auth")

REDIS_PREFIX: Final = "zones:limit:"
KEEP_WINDOWS_FOR: Final = timedelta(days=1)
"""Counts of windows that ended longer ago than this are deleted now and then."""
CLEANUP_CHANCE: Final = 0.01
"""The share of counted attempts that also delete old windows (the database carrier)."""
PROBLEM_MEDIA_TYPE: Final = "application/problem+json"


class TooManyAttempts(HTTPException):
    """An attempt over its limit: 429, with the seconds to wait in `Retry-After`."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            detail=f"Too many sign-in attempts. Try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


def client_key(address: str) -> str:
    """The key counting sign-in attempts (links asked for, links used, SSO answers) from one client."""
    return f"client:{address}"


def address_key(email: str) -> str:
    """The key counting sign-in links asked for one e-mail address (hashed: no address is stored)."""
    return "link:address:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def window_of(now: datetime, window_s: float) -> tuple[datetime, datetime]:
    """The fixed window `now` falls in: its start and its end."""
    seconds = max(1.0, window_s)
    start = math.floor(now.timestamp() / seconds) * seconds
    begins = datetime.fromtimestamp(start, tz=UTC)
    return begins, begins + timedelta(seconds=seconds)


async def count(state: AppState, db: AsyncSession, key: str, now: datetime) -> tuple[int, datetime]:
    """Count one attempt of `key` in the window of `now`: the attempts so far (this one included)
    and when the window ends."""
    starts, ends = window_of(now, state.settings.sign_in.limit_window_s)
    if state.redis is not None:
        return await count_in_redis(state.redis, key, starts, ends), ends
    return await count_in_database(db, key, starts, now), ends


async def count_in_redis(redis: Any, key: str, starts: datetime, ends: datetime) -> int:
    name = f"{REDIS_PREFIX}{key}:{int(starts.timestamp())}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(name)
        pipe.expire(name, max(1, math.ceil((ends - starts).total_seconds())) + 60)
        hits, _ = await pipe.execute()
    return int(hits)


async def count_in_database(db: AsyncSession, key: str, starts: datetime, now: datetime) -> int:
    table: Any = RateLimitHit.__table__
    dialect = db.bind.dialect.name if db.bind is not None else "sqlite"
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(id=uuid7(), key=key, window_start=starts, hits=1, created_at=now, updated_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start],
            set_={"hits": table.c.hits + 1, "updated_at": now},
        )
        .returning(table.c.hits)
    )
    hits = int((await db.execute(statement)).scalar_one())
    if random.random() < CLEANUP_CHANCE:
        await delete_old_windows(db, now)
    return hits


async def delete_old_windows(db: AsyncSession, now: datetime) -> int:
    """Forget counts of windows that began more than a day ago."""
    result: Any = await db.execute(
        delete(RateLimitHit).where(RateLimitHit.window_start < now - KEEP_WINDOWS_FOR)
    )
    return int(result.rowcount or 0)


async def limit(request: Request[Any, Any, Any], db: AsyncSession, key: str, limit: int) -> None:
    """Count an attempt of `key`; raise `TooManyAttempts` when it is over `limit` in this window.

    `db` is the request's session: on the database carrier the count is part of its transaction.
    A refused attempt rolls back its own count, so the count stays at the limit, and the attempts
    before it were committed with their requests.
    """
    state = AppState.of(request.app)
    now = state.clock()
    hits, ends = await count(state, db, key, now)
    if hits > limit:
        retry_after = max(1, math.ceil((ends - now).total_seconds()))
        logger.warning(
            "rate limit: %s over %d attempts; retry in %d s", key.split(":")[0], limit, retry_after
        )
        raise TooManyAttempts(retry_after)
