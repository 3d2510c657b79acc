"""The role matrix of the API holds on the pages: what the API refuses someone, the pages refuse
them too, with the same meaning (the API's 404 is the page's 404, its 403 the page's 403), and
someone signed out is sent to sign in. ann owns the bookings; bob is her teammate and invited to
her workshop; eve is unrelated; planners and admins may act for anyone, as in the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import pytest
from sqlalchemy import select, update

from booking_support import as_, weekday
from page_support import Pages
from zones.bookings.desks import DeskBookings
from zones.bookings.rooms import RoomBookings
from zones.models import Booking, BookingStatus, Desk, Period, Policy, RoomBooking, RoomBookingStatus

ROLES = ("anonymous", "ann", "bob", "eve", "planner", "admin")
SIGN_IN = 303
"""Signed out, a page sends the browser to the sign-in page."""


def _row(*statuses: int) -> dict[str, int]:
    """Statuses in the order of ROLES."""
    return dict(zip(ROLES, statuses, strict=True))


EVERYONE = _row(SIGN_IN, 200, 200, 200, 200, 200)
PLANNERS = _row(SIGN_IN, 403, 403, 403, 200, 200)
PLANNER_FORMS = _row(401, 403, 403, 403, 422, 422)
EXPECTED: dict[str, dict[str, int]] = {
    # request: status per role (anonymous, ann = owner, bob, eve, planner, admin)
    "GET /": EVERYONE,
    "GET /profile": EVERYONE,
    "GET /plan": EVERYONE,
    "GET /plan/list": EVERYONE,
    "GET /workshop-rooms": EVERYONE,
    "GET /week/bookings/{booking}/cancel": _row(SIGN_IN, 200, 404, 404, 200, 200),
    "POST /week/bookings/{booking}/cancel": _row(401, 303, 404, 404, 303, 303),
    "GET /plan?move={booking}": _row(SIGN_IN, 200, 404, 404, 200, 200),
    "GET /plan/move?booking={booking}&desk={desk}&day={day}": _row(SIGN_IN, 200, 404, 404, 200, 200),
    "POST /plan/move": _row(401, 303, 404, 404, 303, 303),
    "GET /bookings/{booking}.ics": _row(SIGN_IN, 200, 404, 404, 200, 200),
    "GET /workshop-rooms/bookings/{room_booking}/cancel": _row(SIGN_IN, 200, 403, 404, 200, 200),
    "POST /workshop-rooms/bookings/{room_booking}/cancel": _row(401, 303, 403, 404, 303, 303),
    # The planner's pages: planners and admins only (employees get a 403 page); the forms posted
    # here lack what those pages need, so planners get the form back with its problems (422).
    "GET /planning": PLANNERS,
    "GET /planning/staff": PLANNERS,
    "GET /planning/office": PLANNERS,
    "GET /planning/closures": PLANNERS,
    "GET /planning/analytics": PLANNERS,
    "GET /planning/runs": PLANNERS,
    "POST /planning/staff": PLANNER_FORMS,
    "POST /planning/office": PLANNER_FORMS,
    "POST /planning/closures": PLANNER_FORMS,
    "POST /planning/runs": PLANNER_FORMS,
    # A booking's id is no plan's or closure's: planners are told there is no such thing (404).
    "GET /planning/runs/{booking}": _row(SIGN_IN, 403, 403, 403, 404, 404),
    "GET /planning/runs/{booking}/progress": _row(SIGN_IN, 403, 403, 403, 303, 303),
    "POST /planning/runs/{booking}/cancel": _row(401, 403, 403, 403, 404, 404),
    "POST /planning/runs/{booking}/apply": _row(401, 403, 403, 403, 404, 404),
    "POST /planning/closures/{booking}/remove": _row(401, 403, 403, 403, 404, 404),
}
"""As the API's matrix (tests/test_api_bookings.py) has it for the same actions: cancel, move and
the calendar file of a desk booking are ann's, her planners' and her admins' (404 for others, as
for a booking that does not exist); a room booking's invited guest may see it but not cancel it
(403), a stranger may not see it (404)."""
WRITES: Final = {
    "POST /week/bookings/{booking}/cancel",
    "POST /plan/move",
    "POST /workshop-rooms/bookings/{room_booking}/cancel",
}


@dataclass
class Made:
    """What ann has before each request: a desk booking on a C1 desk and a workshop with bob."""

    booking: Booking
    room_booking: RoomBooking


async def _make(pages: Pages, desk: str, day: date, hour: int) -> Made:
    world = pages.world
    start = datetime(day.year, day.month, day.day, hour)

    async def both(ctx: Any) -> Made:
        booking = await DeskBookings(ctx).book(world.desk(desk), day, Period.FULL)
        room_booking = await RoomBookings(ctx).book(
            world.rooms["W-HAVNEN"].id,
            "Planning",
            start,
            start + timedelta(minutes=50),
            [world.people["bob"].email],
        )
        return Made(booking, room_booking)

    made: Made = await as_(world, "ann", both)
    return made


async def _changed(pages: Pages, made: Made) -> bool:
    """Whether ann's booking was cancelled or moved (off its C1 desk), or her workshop cancelled."""
    async with pages.world.db.read_session() as session:
        booking = (
            await session.execute(
                select(Booking.status, Desk.code)
                .join(Desk, Desk.id == Booking.desk_id)
                .where(Booking.id == made.booking.id)
            )
        ).one()
        room_status = await session.scalar(
            select(RoomBooking.status).where(RoomBooking.id == made.room_booking.id)
        )
    return (
        booking.status is not BookingStatus.BOOKED
        or not booking.code.startswith("C1-")
        or room_status is not RoomBookingStatus.BOOKED
    )


@pytest.mark.parametrize("request_line", list(EXPECTED))
async def test_every_page_answers_every_role_as_the_api_does(pages: Pages, request_line: str) -> None:
    world = pages.world
    async with world.db.write_session() as session:  # many bookings for one person: roles, not caps
        await session.execute(update(Policy).values(attendance_max_share=1.0, booking_horizon_days=40))
    world.clock.set_local(weekday(0), 7, 0)
    days = [weekday(d) for d in range(1, 30) if weekday(d).isoweekday() <= 5]
    method, target = request_line.split(" ", 1)
    for n, who in enumerate(ROLES):
        made = await _make(pages, f"C1-{n + 1:02d}", days[n], 9)
        path = target.format(
            booking=made.booking.id,
            room_booking=made.room_booking.id,
            desk=world.desk("L1-01"),
            day=made.booking.day,
        )
        headers = {"Accept": "text/html"} if who == "anonymous" else pages.headers(who)
        token = headers.pop("X-CSRF-Token", "")
        if method == "GET":
            answer = await pages.client.get(path, headers=headers)
        else:
            form = {
                "csrf_token": token,
                "booking": str(made.booking.id),
                "desk": str(world.desk(f"L1-{n + 1:02d}")),
                "day": str(made.booking.day),
            }
            answer = await pages.client.post(path, data=form, headers=headers)
        expected = EXPECTED[request_line][who]
        assert answer.status_code == expected, (
            f"{request_line} as {who}: {answer.status_code}\n{answer.text[:400]}"
        )
        if expected == SIGN_IN and who == "anonymous":
            assert answer.headers["location"].startswith("/sign-in")
        if request_line in WRITES:
            assert await _changed(pages, made) == (expected == 303), f"{request_line} as {who}"
