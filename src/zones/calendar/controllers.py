"""Calendar endpoints: one booking as .ics, and each person's private subscription feed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.bookings.context import BookingContext
from zones.calendar.feed import booking_calendar, create_feed, feed_by_file_name, feed_urls, revoke_feeds
from zones.server.problems import problem_responses
from zones.server.state import AppState

CALENDAR_MEDIA_TYPE = "text/calendar"


class FeedRead(msgspec.Struct):
    """A new subscription URL (shown once: only its hash is kept)."""

    url: str
    webcal_url: str


class FeedRevoked(msgspec.Struct):
    """How many feed URLs stopped working."""

    revoked: int


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
        self, context: NamedDependency[BookingContext], booking_id: FromPath[UUID]
    ) -> Response[str]:
        return Response(
            await booking_calendar(context, booking_id),
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
        self,
        session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        app_state: NamedDependency[AppState],
    ) -> FeedRead:
        token = await create_feed(session, request.user.employee_id, app_state.clock())
        url, webcal_url = feed_urls(app_state.calendar, token)
        return FeedRead(url=url, webcal_url=webcal_url)

    @delete(
        "/calendar/feed",
        operation_id="revokeCalendarFeed",
        summary="Stop my calendar subscription URL working",
        status_code=200,
        responses=problem_responses(401),
    )
    async def revoke(
        self,
        session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        app_state: NamedDependency[AppState],
    ) -> FeedRevoked:
        return FeedRevoked(await revoke_feeds(session, request.user.employee_id, app_state.clock()))

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
        session: NamedDependency[AsyncSession],
        request: Request[Any, Any, Any],
        app_state: NamedDependency[AppState],
        file_name: FromPath[str],
    ) -> Response[str]:
        text, etag = await feed_by_file_name(session, file_name, app_state.calendar, app_state.clock())
        headers = {"ETag": etag, "Cache-Control": "private, max-age=300"}
        if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
            return Response("", status_code=304, headers=headers, media_type=CALENDAR_MEDIA_TYPE)
        return Response(text, headers=headers, media_type=CALENDAR_MEDIA_TYPE)
