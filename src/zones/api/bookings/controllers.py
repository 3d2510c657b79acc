"""Desk bookings, room bookings, availability, who's in, and the caller."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from advanced_alchemy.service import OffsetPagination
from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.api.bookings.schemas import (
    WEEKDAYS,
    AttendeesUpdate,
    AvailabilityRead,
    BookingCreate,
    BookingMove,
    BookingRead,
    Conflict,
    DeskAvailability,
    MeRead,
    MeUpdate,
    PresenceRead,
    RoomBookingCreate,
    RoomBookingRead,
    SeriesCreate,
    SeriesRead,
    TeamPresenceRead,
    WhosInRead,
    ZoneAvailabilityRead,
)
from zones.api.deps import commit, provide_booking_context
from zones.api.problems import problem_responses
from zones.auth import Principal
from zones.booking.context import BookingContext
from zones.booking.desks import DeskBookings
from zones.booking.errors import not_found
from zones.booking.presence import availability, whos_in
from zones.booking.rooms import RoomBookings
from zones.db.engine import mark_as_writer
from zones.models import Activity, Booking, Desk, Employee, Period, RoomAttendee, RoomBooking, Site, Zone

Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Items per page")]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000, description="Items to skip")]
WRITE_ERRORS = problem_responses(400, 401, 403, 404, 409, 422)
READ_ERRORS = problem_responses(400, 401, 404)
LIST_ERRORS = problem_responses(400, 401, 403)


async def describe(session: AsyncSession, bookings: list[Booking]) -> list[BookingRead]:
    """Bookings with their desk code and zone name, in one query."""
    desk_ids = {b.desk_id for b in bookings}
    names: dict[UUID, tuple[str, str]] = {}
    if desk_ids:
        rows = await session.execute(
            select(Desk.id, Desk.code, Zone.name)
            .join(Zone, Zone.id == Desk.zone_id)
            .where(Desk.id.in_(desk_ids))
        )
        names = {desk_id: (code, zone) for desk_id, code, zone in rows.all()}
    return [BookingRead.of(b, *names.get(b.desk_id, ("?", "?"))) for b in bookings]


async def committed(context: BookingContext, booking: Booking) -> BookingRead:
    """Commit the change, then describe the booking: a failed commit never answers 2xx."""
    await commit(context.session)
    return (await describe(context.session, [booking]))[0]


class BookingController(Controller):
    """Desk bookings: a day, a morning or an afternoon; recurring series; check-in."""

    path = "/bookings"
    tags = ["Bookings"]
    dependencies = {"context": Provide(provide_booking_context)}

    @post(operation_id="createBooking", summary="Book a desk", responses=WRITE_ERRORS)
    async def create_booking(
        self, context: NamedDependency[BookingContext], data: JSONBody[BookingCreate]
    ) -> BookingRead:
        booking = await DeskBookings(context).book(data.desk_id, data.day, data.period, data.employee_id)
        return await committed(context, booking)

    @post(
        "/series",
        operation_id="createBookingSeries",
        summary="Book a desk every given weekday until a date",
        responses=WRITE_ERRORS,
    )
    async def create_series(
        self, context: NamedDependency[BookingContext], data: JSONBody[SeriesCreate]
    ) -> SeriesRead:
        outcome = await DeskBookings(context).book_series(
            data.desk_id,
            [WEEKDAYS[d] for d in data.weekdays],
            data.starts_on,
            data.until,
            data.period,
            data.employee_id,
        )
        await commit(context.session)
        return SeriesRead(
            series_id=outcome.series.id,
            booked=await describe(context.session, outcome.booked),
            conflicts=[
                Conflict(
                    day=day,
                    rule=error.code,
                    title=error.title,
                    detail=error.detail,
                    alternatives=error.extra.get("alternatives", []),
                )
                for day, error in outcome.conflicts
            ],
        )

    @get(
        operation_id="listBookings", summary="My bookings (or someone's, for planners)", responses=LIST_ERRORS
    )
    async def list_bookings(
        self,
        db_session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        when: Annotated[
            Literal["upcoming", "past", "all"], QueryParameter(name="scope", description="Which bookings")
        ] = "upcoming",
        employee_id: Annotated[UUID | None, QueryParameter(description="Whose bookings")] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> OffsetPagination[BookingRead]:
        context = BookingContext(db_session, request.user, clock=request.app.state.clock)
        bookings, total = await DeskBookings(context).list_for(
            employee_id or request.user.employee_id, when, limit, offset
        )
        return OffsetPagination(await describe(db_session, bookings), limit, offset, total)

    @get("/{booking_id:uuid}", operation_id="getBooking", summary="Get a booking", responses=READ_ERRORS)
    async def get_booking(
        self,
        db_session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        booking_id: FromPath[UUID],
    ) -> BookingRead:
        context = BookingContext(db_session, request.user, clock=request.app.state.clock)
        booking = await DeskBookings(context).get(booking_id)
        return (await describe(db_session, [booking]))[0]

    @patch(
        "/{booking_id:uuid}",
        operation_id="moveBooking",
        summary="Move a booking to another desk, day or period",
        responses=WRITE_ERRORS,
    )
    async def move_booking(
        self,
        context: NamedDependency[BookingContext],
        booking_id: FromPath[UUID],
        data: JSONBody[BookingMove],
    ) -> BookingRead:
        booking = await DeskBookings(context).move(booking_id, data.desk_id, data.day, data.period)
        return await committed(context, booking)

    @delete(
        "/{booking_id:uuid}",
        operation_id="cancelBooking",
        summary="Cancel a booking",
        status_code=200,
        responses=WRITE_ERRORS,
    )
    async def cancel_booking(
        self, context: NamedDependency[BookingContext], booking_id: FromPath[UUID]
    ) -> BookingRead:
        booking = await DeskBookings(context).cancel(booking_id)
        return await committed(context, booking)

    @post(
        "/{booking_id:uuid}/check-in",
        operation_id="checkInBooking",
        summary="Check in at the booked desk",
        status_code=200,
        responses=WRITE_ERRORS,
    )
    async def check_in(
        self, context: NamedDependency[BookingContext], booking_id: FromPath[UUID]
    ) -> BookingRead:
        booking = await DeskBookings(context).check_in(booking_id)
        return await committed(context, booking)


class RoomBookingController(Controller):
    """Workshop rooms in facilitation zones, booked by the hour with attendees."""

    path = "/room-bookings"
    tags = ["Room bookings"]
    dependencies = {"context": Provide(provide_booking_context)}

    @post(operation_id="createRoomBooking", summary="Book a workshop room", responses=WRITE_ERRORS)
    async def create_room_booking(
        self, context: NamedDependency[BookingContext], data: JSONBody[RoomBookingCreate]
    ) -> RoomBookingRead:
        booking = await RoomBookings(context).book(
            data.room_id, data.title, data.starts_at, data.ends_at, data.attendees, data.organiser_id
        )
        await commit(context.session)
        return RoomBookingRead.of(booking)

    @get(operation_id="listRoomBookings", summary="Room bookings I organise or attend", responses=LIST_ERRORS)
    async def list_room_bookings(
        self,
        db_session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        when: Annotated[
            Literal["upcoming", "past", "all"], QueryParameter(name="scope", description="Which bookings")
        ] = "upcoming",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> OffsetPagination[RoomBookingRead]:
        from sqlalchemy import func
        from sqlalchemy.orm import selectinload

        me = request.user.employee_id
        now = request.app.state.clock()
        attending = select(RoomAttendee.room_booking_id).where(RoomAttendee.employee_id == me)
        statement = select(RoomBooking).where(
            or_(RoomBooking.organiser_id == me, RoomBooking.id.in_(attending))
        )
        if when == "upcoming":
            statement = statement.where(RoomBooking.ends_at > now)
        elif when == "past":
            statement = statement.where(RoomBooking.ends_at <= now)
        total = int(await db_session.scalar(select(func.count()).select_from(statement.subquery())) or 0)
        rows = await db_session.scalars(
            statement.options(selectinload(RoomBooking.attendees))
            .order_by(RoomBooking.starts_at, RoomBooking.id)
            .limit(limit)
            .offset(offset)
        )
        return OffsetPagination([RoomBookingRead.of(b) for b in rows], limit, offset, total)

    @get(
        "/{booking_id:uuid}",
        operation_id="getRoomBooking",
        summary="Get a room booking",
        responses=READ_ERRORS,
    )
    async def get_room_booking(
        self,
        db_session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        booking_id: FromPath[UUID],
    ) -> RoomBookingRead:
        context = BookingContext(db_session, request.user, clock=request.app.state.clock)
        return RoomBookingRead.of(await RoomBookings(context).get(booking_id))

    @put(
        "/{booking_id:uuid}/attendees",
        operation_id="setRoomBookingAttendees",
        summary="Replace the attendee list",
        responses=WRITE_ERRORS,
    )
    async def set_attendees(
        self,
        context: NamedDependency[BookingContext],
        booking_id: FromPath[UUID],
        data: JSONBody[AttendeesUpdate],
    ) -> RoomBookingRead:
        rooms = RoomBookings(context)
        await rooms.set_attendees(booking_id, data.attendees)
        await commit(context.session)
        return RoomBookingRead.of(await rooms.get(booking_id))

    @delete(
        "/{booking_id:uuid}",
        operation_id="cancelRoomBooking",
        summary="Cancel a room booking",
        status_code=200,
        responses=WRITE_ERRORS,
    )
    async def cancel_room_booking(
        self, context: NamedDependency[BookingContext], booking_id: FromPath[UUID]
    ) -> RoomBookingRead:
        booking = await RoomBookings(context).cancel(booking_id)
        await commit(context.session)
        return RoomBookingRead.of(booking)


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
        db_session: NamedDependency[AsyncSession],
        site_id: Annotated[UUID, QueryParameter()],
        day: Annotated[date, QueryParameter()],
        period: Annotated[Period, QueryParameter()] = Period.FULL,
        floor_id: Annotated[UUID | None, QueryParameter()] = None,
        zone_id: Annotated[UUID | None, QueryParameter()] = None,
        activity: Annotated[Activity | None, QueryParameter()] = None,
        attribute: Annotated[str | None, QueryParameter(max_length=40)] = None,
    ) -> AvailabilityRead:
        if await db_session.get(Site, site_id) is None:
            raise not_found("site", site_id)
        zones = await availability(
            db_session,
            site_id,
            day,
            period,
            floor_id=floor_id,
            activity=activity,
            attribute=attribute,
            zone_id=zone_id,
        )
        return AvailabilityRead(
            site_id=site_id,
            day=day,
            period=period,
            zones=[
                ZoneAvailabilityRead(
                    zone_id=z.zone.id,
                    zone_key=z.zone.key,
                    zone_name=z.zone.name,
                    activity=z.zone.activity.value,
                    bookable_desks=z.bookable,
                    taken_desks=z.taken,
                    free_desks=z.bookable - z.taken,
                    utilisation=round(z.utilisation, 3),
                    desks=[
                        DeskAvailability(
                            d.desk.id,
                            d.desk.code,
                            list(d.desk.attributes),
                            d.desk.x_m,
                            d.desk.y_m,
                            d.free,
                            d.taken_by,
                        )
                        for d in z.desks
                    ],
                )
                for z in zones
            ],
        )

    @get(
        "/whos-in", operation_id="getWhosIn", summary="Who of my teams is in on a day", responses=READ_ERRORS
    )
    async def get_whos_in(
        self,
        db_session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        day: Annotated[date, QueryParameter()],
        site_id: Annotated[UUID | None, QueryParameter()] = None,
        team_id: Annotated[UUID | None, QueryParameter(description="One team (planners: any team)")] = None,
    ) -> WhosInRead:
        teams = await whos_in(db_session, request.user, day, site_id, team_id)
        return WhosInRead(
            day=day,
            teams=[
                TeamPresenceRead(
                    team_id=t.team_id,
                    team=t.team,
                    hidden=t.hidden,
                    present=[
                        PresenceRead(p.employee_id, p.name, p.zone, p.desk, p.period, p.checked_in)
                        for p in t.present
                    ],
                )
                for t in teams
            ],
        )

    @get("/me", operation_id="getMe", summary="The authenticated caller", responses=problem_responses(401))
    async def get_me(
        self, db_session: NamedDependency[AsyncSession], request: Request[Principal, Any, Any]
    ) -> MeRead:
        employee = await db_session.get_one(Employee, request.user.employee_id)
        return _me(employee)

    @patch(
        "/me",
        operation_id="updateMe",
        summary="Opt in or out of showing my presence",
        responses=problem_responses(400, 401),
    )
    async def update_me(
        self,
        db_session: NamedDependency[AsyncSession],
        request: Request[Principal, Any, Any],
        data: JSONBody[MeUpdate],
    ) -> MeRead:
        await mark_as_writer(db_session)
        employee = await db_session.get_one(Employee, request.user.employee_id)
        employee.shares_presence = data.shares_presence
        await commit(db_session)
        return _me(employee)


def _me(employee: Employee) -> MeRead:
    return MeRead(employee.id, employee.email, employee.name, employee.role.value, employee.shares_presence)


controllers = [BookingController, RoomBookingController, PresenceController]
