"""One way to write: a transaction that holds the write lock, commits once, and rolls back on error.

The HTTP server (`zones.server.deps.provide_session`), the CLI and the background tasks all write
through `write_transaction`; nothing else begins a writer or commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final
from weakref import WeakKeyDictionary

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zones.errors import Conflict

WRITE_OPTION: Final = "zones_write"
"""Execution option that marks a transaction as a writer; on SQLite it begins with BEGIN IMMEDIATE."""
READ_OPTION: Final = "zones_autocommit_read"
"""Execution option for SQLite connections that read without a transaction (no BEGIN)."""


_RELEASE: Final = "zones_writer_release"
_turns: WeakKeyDictionary[Any, WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock]] = (
    WeakKeyDictionary()
)


def _writers_turn(session: AsyncSession) -> asyncio.Lock | None:
    """SQLite takes one writer at a time: this process's writers queue here, first come first
    served, instead of polling the database's lock in SQLite's busy handler (whose growing sleeps
    were the long tail of a booking rush). None on PostgreSQL, where writers run side by side."""
    bind = session.bind
    if bind is None or bind.dialect.name != "sqlite":
        return None
    engine = bind.sync_engine if hasattr(bind, "sync_engine") else bind
    locks = _turns.setdefault(engine, WeakKeyDictionary())
    loop = asyncio.get_running_loop()
    lock = locks.get(loop)
    if lock is None:
        lock = locks[loop] = asyncio.Lock()
    return lock


async def begin_writer(session: AsyncSession) -> None:
    """Begin the session's transaction as a writer (BEGIN IMMEDIATE on SQLite); once per session.

    Whoever begins a writer ends it with `write_transaction` (or `end_writer` after closing).
    """
    if session.info.get(WRITE_OPTION):
        return
    turn = _writers_turn(session)
    if turn is not None:
        await turn.acquire()
        session.info[_RELEASE] = turn.release
    try:
        await session.connection(execution_options={WRITE_OPTION: True})
    except BaseException:
        end_writer(session)
        raise
    session.info[WRITE_OPTION] = True


def end_writer(session: AsyncSession) -> None:
    """The writer's transaction is over (committed, rolled back or closed): the next may begin."""
    session.info.pop(WRITE_OPTION, None)
    release = session.info.pop(_RELEASE, None)
    if release is not None:
        release()


def stored_meanwhile() -> Conflict:
    """What a write answers when a unique key or constraint refused it: another write got in first."""
    return Conflict(
        "conflict",
        "Conflict",
        "The change conflicts with data stored meanwhile",
        message_id="conflict.stored-meanwhile",
    )


@asynccontextmanager
async def write_transaction(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Run the block as one write transaction on `session`: all of it is stored, or none of it.

    The commit happens when the block ends, so a caller that answers afterwards (an HTTP response,
    a CLI message) never reports a change that failed to commit. An error inside the block is
    re-raised unchanged after the rollback; a constraint that refuses the commit becomes `Conflict`.
    """
    await begin_writer(session)
    try:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        try:
            await session.commit()
        except IntegrityError as error:  # a unique key, exclusion or check constraint said no
            await session.rollback()
            raise stored_meanwhile() from error
        except BaseException:
            await session.rollback()
            raise
    finally:
        end_writer(session)


__all__ = (
    "READ_OPTION",
    "WRITE_OPTION",
    "begin_writer",
    "end_writer",
    "stored_meanwhile",
    "write_transaction",
)
