"""Dependencies shared by controllers: the caller, write transactions, the clock."""

from __future__ import annotations

from typing import Any

from advanced_alchemy.exceptions import IntegrityError as RepositoryIntegrityError
from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.booking.context import BookingContext
from zones.booking.errors import BookingError
from zones.db.engine import mark_as_writer


async def provide_booking_context(
    db_session: NamedDependency[AsyncSession], request: Request[Principal, Any, Any]
) -> BookingContext:
    """A write transaction (BEGIN IMMEDIATE on SQLite) for the authenticated caller."""
    await mark_as_writer(db_session)
    return BookingContext(
        db_session, request.user, clock=request.app.state.clock, calendar=request.app.state.calendar
    )


async def commit(session: AsyncSession) -> None:
    """Commit before answering, so a failed commit can never be reported as success."""
    try:
        await session.commit()
    except (IntegrityError, RepositoryIntegrityError) as error:
        await session.rollback()
        raise BookingError(
            409, "conflict", "Conflict", "The change conflicts with data stored meanwhile"
        ) from error
