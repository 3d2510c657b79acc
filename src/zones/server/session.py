"""The one database session of a request, shared by authentication and the handler.

A request that may change data (POST, PUT, PATCH, DELETE) gets a session that begins as a writer
(BEGIN IMMEDIATE on SQLite) and commits once, after the handler (`zones.server.deps`). A GET reads
without a transaction: no BEGIN and no ROLLBACK, each statement on its own. The session is made the
first time it is needed, so a request whose token the cache already knows and whose handler reads
nothing never checks out a connection.

On SQLite a writer holds the one write lock from that moment to its commit (and its process hands
the turns out in order, `zones.db.transaction`): a handler must therefore never write through a
session of its own, or it would wait for its own request.
"""

from __future__ import annotations

from typing import Any, Final, cast

from sqlalchemy.ext.asyncio import AsyncSession

from zones.server.state import AppState

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES_OPT: Final = "writes"
"""A GET handler that changes data says so with `opt={WRITES_OPT: True}` (single sign-on starts by
recording its attempt, and the identity provider answers with a GET, a redirect, that signs the
person in)."""
_SCOPE_KEY: Final = "zones.session"


def _scope(scope: Any) -> dict[str, Any]:
    return cast(dict[str, Any], scope)


def writes(scope: Any) -> bool:
    """Whether the request may change data."""
    held = _scope(scope)
    if held.get("method", "GET") not in SAFE_METHODS:
        return True
    handler = held.get("route_handler")
    return handler is not None and bool(handler.opt.get(WRITES_OPT))


async def request_session(scope: Any) -> AsyncSession:
    """The request's session, made on first use; a writer's transaction has begun."""
    held = _scope(scope)
    session: AsyncSession | None = held.get(_SCOPE_KEY)
    if session is None:
        database = AppState.of(held["app"]).database
        session = await database.open_writer() if writes(scope) else database.autocommit_session()
        held[_SCOPE_KEY] = session
    return session


async def close_request_session(scope: Any) -> None:
    """Give the request's connection back (anything not committed is rolled back)."""
    held = _scope(scope)
    session: AsyncSession | None = held.pop(_SCOPE_KEY, None)
    if session is not None:
        await AppState.of(held["app"]).database.close_session(session)


__all__ = ("SAFE_METHODS", "WRITES_OPT", "close_request_session", "request_session", "writes")
