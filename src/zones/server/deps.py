"""What every request can ask for: its database session (one write transaction for changes), the
page of a list, and the app's shared state."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated, Any

from advanced_alchemy.filters import LimitOffset
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.bookings.context import BookingContext
from zones.db.transaction import write_transaction
from zones.server.session import close_request_session, request_session, writes
from zones.server.state import AppState

MAX_PAGE_SIZE = 500


async def provide_session(request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    """The request's session (`zones.server.session`). A request that may change data runs as one
    write transaction.

    It begins as a writer (BEGIN IMMEDIATE on SQLite), commits after the handler has built its
    answer and before that answer is sent, and rolls back on any error; a commit refused by a
    constraint answers 409. So no handler commits, and a failed commit never answers 2xx.
    """
    session = await request_session(request.scope)
    try:
        if not writes(request.scope):
            yield session
            return
        async with write_transaction(session):
            yield session
    finally:
        await close_request_session(request.scope)


def provide_state(request: Request[Any, Any, Any]) -> AppState:
    """The app's shared state: database, settings, clock, calendar settings, running plans."""
    return AppState.of(request.app)


def provide_booking_context(
    session: NamedDependency[AsyncSession],
    request: Request[Principal, Any, Any],
    app_state: NamedDependency[AppState],
) -> BookingContext:
    """What a booking service acts with: the request's session, the caller, the clock, the calendar."""
    return BookingContext(
        session, request.user, clock=app_state.clock, calendar=app_state.calendar, layouts=app_state.layouts
    )


def provide_page(
    limit: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 50,
    offset: Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip")] = 0,
) -> LimitOffset:
    """The page a list request asks for."""
    return LimitOffset(limit=limit, offset=offset)


dependencies = {
    "session": Provide(provide_session),
    "app_state": Provide(provide_state, sync_to_thread=False),
    "page": Provide(provide_page, sync_to_thread=False),
    "context": Provide(provide_booking_context, sync_to_thread=False),
}
"""The app-wide dependencies every controller may name."""
