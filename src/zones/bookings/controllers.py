"""Desk bookings, room bookings, availability, who's in, and the caller: parse, call the service, answer.

Every request runs in the session the app provides (`zones.server.deps.provide_session`): changes
commit after the handler and before the answer, so handlers never commit.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth import Principal
from zones.bookings import presence
from zones.bookings.context import BookingContext, Scope
from zones.bookings.desks import DeskBookings
from zones.bookings.rooms import RoomBookings
from zones.bookings.schemas import (
    AttendeesUpdate,
    AvailabilityRead,
    BookingCreate,
    BookingMove,
    BookingRead,
    Conflict,
    MeRead,
    MeUpdate,
    RoomBookingCreate,
    RoomBookingRead,
    SeatRead,
    SeatRequest,
    SeriesCreate,
    SeriesRead,
    WhosInRead,
)
from zones.bookings.seat_finder import find_a_seat
from zones.models import Activity, Period
from zones.office.schemas import AttributeFilter
from zones.server.problems import problem_responses
from zones.server.state import AppState

WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)
READ_ERRORS = problem_responses(400, 401, 404)
LIST_ERRORS = problem_responses(400, 401, 403)
ScopeParameter = Annotated[Scope, QueryParameter(name="scope", description="Which bookings")]


def provide_desk_bookings(context: NamedDependency[BookingContext]) -> DeskBookings:
    """Desk bookings as the caller."""
    return DeskBookings(context)


def provide_room_bookings(context: NamedDependency[BookingContext]) -> RoomBookings:
    """Room bookings as the caller."""
    return RoomBookings(context)


booking_dependencies = {
    "desks": Provide(provide_desk_bookings, sync_to_thread=False),
    "rooms": Provide(provide_room_bookings, sync_to_thread=False),
}


class BookingController(Controller):
    """Desk bookings: a day, a morning or an afternoon; recurring series; check-in."""

    path = "/bookings"
    tags = ["Bookings"]
    dependencies = booking_dependencies

    @post(operation_id="createBooking", summary="Book a desk", responses=WRITE_ERRORS)
    async def create_booking(
        self, desks: NamedDependency[DeskBookings], data: JSONBody[BookingCreate]
    ) -> BookingRead:
        return (await desks.book(data.desk_id, data.day, data.period, data.employee_id)).read()

    @post(
        "/find-a-seat",
        operation_id="findASeat",
        summary="Book the best free desk for the day's activity (focus: quiet zone; team: the team's area)",
        responses=WRITE_ERRORS,
    )
    async def find_seat(self, desks: NamedDependency[DeskBookings], data: JSONBody[SeatRequest]) -> SeatRead:
        found = await find_a_seat(desks, data.day, data.period, data.activity, data.employee_id)
        return SeatRead(found.booking.read(), found.reason, found.near)  # type: ignore[arg-type]

    @post(
        "/series",
        operation_id="createBookingSeries",
        summary="Book a desk every given weekday until a date",
        responses=WRITE_ERRORS,
    )
    async def create_series(
        self, desks: NamedDependency[DeskBookings], data: JSONBody[SeriesCreate]
    ) -> SeriesRead:
        outcome = await desks.book_series(
            data.desk_id,
            [day.iso for day in data.weekdays],
            data.starts_on,
            data.until,
            data.period,
            data.employee_id,
        )
        return SeriesRead(
            series_id=outcome.series.id,
            booked=[booking.read() for booking in outcome.booked],
            conflicts=[
                Conflict(day, refusal.rule, refusal.title, refusal.detail, refusal.alternatives)
                for day, refusal in outcome.conflicts
            ],
        )

    @get(
        operation_id="listBookings", summary="My bookings (or someone's, for planners)", responses=LIST_ERRORS
    )
    async def list_bookings(
        self,
        desks: NamedDependency[DeskBookings],
        page: NamedDependency[LimitOffset],
        when: ScopeParameter = "upcoming",
        employee_id: Annotated[UUID | None, QueryParameter(description="Whose bookings")] = None,
    ) -> OffsetPagination[BookingRead]:
        return await desks.list_for(employee_id or desks.actor.employee_id, when, page)

    @get("/{booking_id:uuid}", operation_id="getBooking", summary="Get a booking", responses=READ_ERRORS)
    async def get_booking(
        self, desks: NamedDependency[DeskBookings], booking_id: FromPath[UUID]
    ) -> BookingRead:
        return await desks.read(await desks.get(booking_id))

    @patch(
        "/{booking_id:uuid}",
        operation_id="moveBooking",
        summary="Move a booking to another desk, day or period",
        responses=WRITE_ERRORS,
    )
    async def move_booking(
        self, desks: NamedDependency[DeskBookings], booking_id: FromPath[UUID], data: JSONBody[BookingMove]
    ) -> BookingRead:
        return await desks.read(await desks.move(booking_id, data.desk_id, data.day, data.period))

    @delete(
        "/{booking_id:uuid}",
        operation_id="cancelBooking",
        summary="Cancel a booking",
        status_code=200,
        responses=WRITE_ERRORS,
    )
    async def cancel_booking(
        self, desks: NamedDependency[DeskBookings], booking_id: FromPath[UUID]
    ) -> BookingRead:
        return await desks.read(await desks.cancel(booking_id))

    @post(
        "/{booking_id:uuid}/check-in",
        operation_id="checkInBooking",
        summary="Check in at the booked desk",
        status_code=200,
        responses=WRITE_ERRORS,
    )
    async def check_in(self, desks: NamedDependency[DeskBookings], booking_id: FromPath[UUID]) -> BookingRead:
        return await desks.read(await desks.check_in(booking_id))


class RoomBookingController(Controller):
    """Workshop rooms in facilitation zones, booked by the hour with attendees."""

    path = "/room-bookings"
    tags = ["Room bookings"]
    dependencies = booking_dependencies

    @post(operation_id="createRoomBooking", summary="Book a workshop room", responses=WRITE_ERRORS)
    async def create_room_booking(
        self, rooms: NamedDependency[RoomBookings], data: JSONBody[RoomBookingCreate]
    ) -> RoomBookingRead:
        booking = await rooms.book(
            data.room_id, data.title, data.starts_at, data.ends_at, data.attendees, data.organiser_id
        )
        return RoomBookingRead.of(booking)

    @get(operation_id="listRoomBookings", summary="Room bookings I organise or attend", responses=LIST_ERRORS)
    async def list_room_bookings(
        self,
        rooms: NamedDependency[RoomBookings],
        page: NamedDependency[LimitOffset],
        when: ScopeParameter = "upcoming",
    ) -> OffsetPagination[RoomBookingRead]:
        return await rooms.list_for_me(when, page)

    @get(
        "/{booking_id:uuid}",
        operation_id="getRoomBooking",
        summary="Get a room booking",
        responses=READ_ERRORS,
    )
    async def get_room_booking(
        self, rooms: NamedDependency[RoomBookings], booking_id: FromPath[UUID]
    ) -> RoomBookingRead:
        return RoomBookingRead.of(await rooms.get(booking_id))

    @put(
        "/{booking_id:uuid}/attendees",
        operation_id="setRoomBookingAttendees",
        summary="Replace the attendee list",
        responses=WRITE_ERRORS,
    )
    async def set_attendees(
        self,
        rooms: NamedDependency[RoomBookings],
        booking_id: FromPath[UUID],
        data: JSONBody[AttendeesUpdate],
    ) -> RoomBookingRead:
        change = await rooms.set_attendees(booking_id, data.attendees)
        return RoomBookingRead.of(change.booking)

    @delete(
        "/{booking_id:uuid}",
        operation_id="cancelRoomBooking",
        summary="Cancel a room booking",
        status_code=200,
        responses=WRITE_ERRORS,
    )
    async def cancel_room_booking(
        self, rooms: NamedDependency[RoomBookings], booking_id: FromPath[UUID]
    ) -> RoomBookingRead:
        return RoomBookingRead.of(await rooms.cancel(booking_id))


class PresenceController(Controller):
    """Free desks by activity, and who of my teams is in."""

    tags = ["Presence"]

    @get(
        "/availability",
        operation_id="getAvailability",
        summary="Free and taken desks per zone",
        responses=READ_ERRORS,
    )
    async def get_availability(
        self,
        session: NamedDependency[AsyncSession],
        app_state: NamedDependency[AppState],
        site_id: Annotated[UUID, QueryParameter()],
        day: Annotated[date, QueryParameter()],
        period: Annotated[Period, QueryParameter()] = Period.FULL,
        floor_id: Annotated[UUID | None, QueryParameter()] = None,
        zone_id: Annotated[UUID | None, QueryParameter()] = None,
        activity: Annotated[Activity | None, QueryParameter()] = None,
        attribute: AttributeFilter = None,
    ) -> AvailabilityRead:
        return await presence.availability(
            session,
            app_state.layouts,
            site_id,
            day,
            period,
            floor_id=floor_id,
            activity=activity,
            attribute=attribute,
            zone_id=zone_id,
        )

    @get(
        "/whos-in", operation_id="getWhosIn", summary="Who of my teams is in on a day", responses=READ_ERRORS
    )
    async def get_whos_in(
        self,
        session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        day: Annotated[date, QueryParameter()],
        site_id: Annotated[UUID | None, QueryParameter()] = None,
        team_id: Annotated[UUID | None, QueryParameter(description="One team (planners: any team)")] = None,
    ) -> WhosInRead:
        return await presence.whos_in(session, request.user, day, site_id, team_id)

    @get("/me", operation_id="getMe", summary="The authenticated caller", responses=problem_responses(401))
    async def get_me(
        self, session: NamedDependency[AsyncSession], request: Request[Principal, Any, Any]
    ) -> MeRead:
        return await presence.me(session, request.user)

    @patch(
        "/me",
        operation_id="updateMe",
        summary="Opt in or out of showing my presence",
        responses=problem_responses(400, 401),
    )
    async def update_me(
        self,
        session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        data: JSONBody[MeUpdate],
    ) -> MeRead:
        return await presence.share_presence(session, request.user, data.shares_presence)


controllers = [BookingController, RoomBookingController, PresenceController]
