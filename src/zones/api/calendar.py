"""Calendar endpoints: one booking as .ics, and each person's private subscription feed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from zones.api.deps import commit
from zones.api.problems import problem, problem_responses
from zones.auth import Principal
from zones.booking.context import BookingContext
from zones.booking.desks import DeskBookings
from zones.calendar.events import CalendarConfig, calendar, event, to_text
from zones.calendar.feed import create_feed, feed_owner, feed_text, revoke_feeds
from zones.calendar.outbox import desk_booking_facts_for
from zones.db.engine import mark_as_writer

CALENDAR_MEDIA_TYPE = "text/calendar"


class FeedRead(msgspec.Struct):
    """A new subscription URL (shown once: only its hash is kept)."""

    url: str
    webcal_url: str


class FeedRevoked(msgspec.Struct):
    """How many feed URLs stopped working."""

    revoked: int


def calendar_config(request: Request[Any, Any, Any]) -> CalendarConfig:
    """Organizer and public URL from the app's settings."""
    config: CalendarConfig = request.app.state.calendar
    return config


class CalendarController(Controller):
    """Bookings in people's calendars."""

    tags = ["Calendar"]

    @get(
        "/bookings/{booking_id:uuid}/calendar",
        operation_id="getBookingCalendar",
        summary="One booking as an iCalendar file (also served at /bookings/{id}.ics)",
        media_type=CALENDAR_MEDIA_TYPE,
        responses=problem_responses(400, 401, 404),
    )
    async def booking_calendar(
        self,
        db_session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        booking_id: FromPath[UUID],
    ) -> Response[str]:
        context = BookingContext(db_session, request.user, clock=request.app.state.clock)
        booking = await DeskBookings(context).get(booking_id)
        config = calendar_config(request)
        facts = await desk_booking_facts_for(db_session, booking, config, booking.updated_at)
        text = to_text(calendar("PUBLISH", [event(facts, config)], {facts.timezone}))
        return Response(
            text,
            media_type=CALENDAR_MEDIA_TYPE,
            headers={"Content-Disposition": f'attachment; filename="booking-{booking_id}.ics"'},
        )

    @post(
        "/calendar/feed",
        operation_id="createCalendarFeed",
        summary="Create (or replace) my private calendar subscription URL",
        responses=problem_responses(401),
    )
    async def create(
        self, db_session: NamedDependency[AsyncSession], request: Request[Principal, Any, Any]
    ) -> FeedRead:
        await mark_as_writer(db_session)
        token = await create_feed(db_session, request.user.employee_id, request.app.state.clock())
        await commit(db_session)
        url = f"{calendar_config(request).public_url}/calendar/{token}.ics"
        return FeedRead(url=url, webcal_url="webcal://" + url.split("://", 1)[1])

    @delete(
        "/calendar/feed",
        operation_id="revokeCalendarFeed",
        summary="Stop my calendar subscription URL working",
        status_code=200,
        responses=problem_responses(401),
    )
    async def revoke(
        self, db_session: NamedDependency[AsyncSession], request: Request[Principal, Any, Any]
    ) -> FeedRevoked:
        await mark_as_writer(db_session)
        revoked = await revoke_feeds(db_session, request.user.employee_id, request.app.state.clock())
        await commit(db_session)
        return FeedRevoked(revoked)

    @get(
        "/calendar/{file_name:str}",
        operation_id="getCalendarFeed",
        summary="A person's bookings as a subscribable calendar (the URL itself is the secret)",
        media_type=CALENDAR_MEDIA_TYPE,
        exclude_from_auth=True,
        security=[{}],
        responses=problem_responses(404),
    )
    async def feed(
        self,
        db_session: NamedDependency[AsyncSession],
        request: Request[Any, Any, Any],
        file_name: FromPath[str],
    ) -> Response[str]:
        token = file_name.removesuffix(".ics")
        employee = await feed_owner(db_session, token) if file_name.endswith(".ics") else None
        if employee is None:
            raise problem(404, "No such calendar feed (it may have been revoked)")
        text, etag = await feed_text(
            db_session, employee, calendar_config(request), request.app.state.clock()
        )
        headers = {"ETag": etag, "Cache-Control": "private, max-age=300"}
        if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
            return Response("", status_code=304, headers=headers, media_type=CALENDAR_MEDIA_TYPE)
        return Response(text, headers=headers, media_type=CALENDAR_MEDIA_TYPE)
