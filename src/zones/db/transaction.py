"""One way to write: a transaction that holds the write lock, commits once, and rolls back on error.

The HTTP server (`zones.server.deps.provide_session`), the CLI and the background tasks all write
through `write_transaction`; nothing else begins a writer or commits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zones.errors import Conflict

WRITE_OPTION: Final = "zones_write"
"""Execution option that marks a transaction as a writer; on SQLite it begins with BEGIN IMMEDIATE."""


async def begin_writer(session: AsyncSession) -> None:
    """Begin the session's transaction as a writer (BEGIN IMMEDIATE on SQLite)."""
    await session.connection(execution_options={WRITE_OPTION: True})


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


__all__ = ("WRITE_OPTION", "begin_writer", "stored_meanwhile", "write_transaction")
