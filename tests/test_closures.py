"""Closed days: the site country's public holidays and planners' closures refuse bookings, adding a
closure cancels the bookings it hits (with a CANCEL to each person), and plans leave closed days out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from httpx import AsyncClient
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from booking_support import World, as_, build_world, weekday
from zones.bookings.desks import DeskBookings
from zones.bookings.rooms import RoomBookings
from zones.closures import service
from zones.closures.days import holiday_on, is_closed, public_holidays
from zones.db import Database
from zones.errors import InvalidInput, RuleRefused
from zones.models import Booking, BookingStatus, OutboxMessage, Period, RoomBooking, RoomBookingStatus, Site
from zones.plans.scenario_from_db import scenario_for_site, week_days
from zones.server.app import create_app
from zones.settings import Settings

PROBLEM = "application/problem+json"
CHRISTMAS = date(2026, 12, 25)  # a Friday; Juledag, a Danish public holiday
WEDNESDAY = weekday(2)  # 2 December 2026, an ordinary working day


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


@dataclass
class Api:
    world: World
    client: AsyncClient

    async def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return await self.client.request(method, path, headers=self.world.headers(who), **kwargs)


@pytest.fixture
async def api(world: World, db: Database) -> AsyncIterator[Api]:
    app = create_app(
        Settings(database_url=db.engine.url.render_as_string(hide_password=False), release_interval_s=0),
        clock=world.clock,
    )
    async with AsyncTestClient(app) as client:
        yield Api(world, client)


def desk_in_zone(world: World, zone_key: str) -> str:
    """The first bookable, not accessible desk of a zone, by code."""
    zone_id = world.zones[zone_key].id
    return min(
        code
        for code, desk in world.desks.items()
        if desk.zone_id == zone_id and desk.bookable and "accessible" not in desk.attributes
    )


async def book(world: World, who: str, code: str, day: date) -> Any:
    return await as_(world, who, lambda ctx: DeskBookings(ctx).book(world.desk(code), day, Period.FULL))


async def close(world: World, starts_on: date, ends_on: date, reason: str, **place: str) -> Any:
    """A planner's closure of the site (or the zone / floor named by key / name), as the API adds it."""
    async with world.db.write_session() as session:
        site = await session.get_one(Site, world.site.id)
        where = await service.place_in(session, site, **place)  # type: ignore[arg-type]
        return await service.add_closure(
            session,
            where,
            starts_on,
            ends_on,
            reason,
            created_by_id=world.people["planner"].employee_id,
            now=world.clock(),
            calendar=world.calendar,
        )


# --- public holidays ----------------------------------------------------------------------------


def test_danish_public_holidays_come_from_the_holidays_package_and_are_kept_per_year() -> None:
    assert holiday_on("DK", CHRISTMAS) == "Christmas Day"
    assert holiday_on("DK", date(2027, 1, 1)) == "New Year's Day"
    assert holiday_on("DK", WEDNESDAY) is None
    assert public_holidays("DK", 2026) is public_holidays("DK", 2026)
    assert holiday_on("XX", CHRISTMAS) is None, "a country the package does not know has no holidays"


async def test_a_desk_on_a_public_holiday_is_refused_naming_the_holiday(world: World) -> None:
    world.clock.set_local(date(2026, 12, 14), 9)  # Christmas inside the 21-day horizon
    with pytest.raises(RuleRefused) as refused:
        await book(world, "ann", "Q1-03", CHRISTMAS)
    assert refused.value.rule == "closed"
    assert refused.value.message_id == "closed.holiday"
    assert refused.value.params["day"] == "2026-12-25"
    assert refused.value.params["name"] == "Christmas Day"
    assert not refused.value.clash
    await book(world, "ann", "Q1-03", date(2026, 12, 28))  # the Monday after is open


async def test_a_room_on_a_public_holiday_is_refused(world: World) -> None:
    world.clock.set_local(date(2026, 12, 14), 9)
    with pytest.raises(RuleRefused) as refused:
        await as_(
            world,
            "ann",
            lambda ctx: RoomBookings(ctx).book(
                world.rooms["W-AMAGER"].id,
                "Workshop",
                datetime(2026, 12, 25, 10),
                datetime(2026, 12, 25, 12),
                [],
            ),
        )
    assert refused.value.message_id == "closed.holiday"


async def test_the_api_refuses_a_holiday_booking_with_a_problem_naming_the_rule(api: Api) -> None:
    api.world.clock.set_local(date(2026, 12, 14), 9)
    response = await api.call(
        "ann", "POST", "/bookings", json={"desk_id": str(api.world.desk("Q1-03")), "day": "2026-12-25"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["rule"] == "closed" and problem["type"].endswith("/closed")
    assert "Christmas Day" in problem["detail"]


# --- closures refuse bookings -------------------------------------------------------------------


async def test_a_zone_closure_refuses_desks_in_that_zone_only(world: World) -> None:
    await close(world, WEDNESDAY, WEDNESDAY, "Deep clean", zone_name="1-quiet")
    with pytest.raises(RuleRefused) as refused:
        await book(world, "ann", "Q1-03", WEDNESDAY)
    assert refused.value.message_id == "closed.closure"
    assert refused.value.params["reason"] == "Deep clean"
    assert refused.value.params["place"] == world.zones["1-quiet"].name
    await book(world, "ann", desk_in_zone(world, "1-collab-culture"), WEDNESDAY)
    await book(world, "bob", "Q1-03", weekday(3))  # the day after is open


async def test_a_floor_closure_refuses_every_zone_on_that_floor_and_no_other(world: World) -> None:
    await close(world, WEDNESDAY, weekday(3), "New carpets", floor_name="1")
    for code in ("Q1-03", desk_in_zone(world, "1-collab-leisure")):
        with pytest.raises(RuleRefused, match="New carpets"):
            await book(world, "ann", code, weekday(3))
    await book(world, "ann", desk_in_zone(world, "2-quiet"), weekday(3))


async def test_a_site_closure_refuses_moving_a_booking_onto_its_days(world: World) -> None:
    booking = await book(world, "ann", "Q1-03", weekday(1))
    await close(world, WEDNESDAY, WEDNESDAY, "Fire drill all day")
    with pytest.raises(RuleRefused, match="Fire drill"):
        await as_(world, "ann", lambda ctx: DeskBookings(ctx).move(booking.id, day=WEDNESDAY))
    async with world.db.read_session() as session:
        site = await session.get_one(Site, world.site.id)
        closed = await is_closed(session, site, WEDNESDAY)
        assert closed is not None and closed.kind == "closure" and closed.name == "Fire drill all day"
        assert await is_closed(session, site, weekday(1)) is None


# --- adding a closure cancels what it hits ------------------------------------------------------


async def test_adding_a_closure_cancels_the_bookings_it_hits_and_queues_cancels(world: World) -> None:
    quiet = await book(world, "ann", "Q1-03", WEDNESDAY)
    elsewhere = await book(world, "bob", desk_in_zone(world, "2-quiet"), WEDNESDAY)
    other_day = await book(world, "eve", "Q1-04", weekday(3))
    room = await as_(
        world,
        "planner",
        lambda ctx: RoomBookings(ctx).book(
            world.rooms["W-AMAGER"].id, "Retro", datetime(2026, 12, 2, 10), datetime(2026, 12, 2, 11), []
        ),
    )
    outcome = await close(world, WEDNESDAY, WEDNESDAY, "Water damage", floor_name="1st floor")
    assert [b.id for b in outcome.cancelled] == [quiet.id]
    assert outcome.cancelled_rooms == [], "the workshop rooms are on the 2nd floor"

    outcome = await close(world, WEDNESDAY, WEDNESDAY, "Power cut")
    assert [b.id for b in outcome.cancelled] == [elsewhere.id]
    assert [r.id for r in outcome.cancelled_rooms] == [room.id]
    async with world.db.read_session() as session:
        bookings = {b.id: b for b in await session.scalars(select(Booking))}
        assert bookings[quiet.id].status is BookingStatus.CANCELLED and bookings[quiet.id].sequence == 1
        assert bookings[elsewhere.id].status is BookingStatus.CANCELLED
        assert bookings[other_day.id].status is BookingStatus.BOOKED
        cancelled_room = await session.get_one(RoomBooking, room.id)
        assert cancelled_room.status is RoomBookingStatus.CANCELLED and cancelled_room.sequence == 1
        cancels = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.method == "CANCEL")))
    by_booking = {m.booking_id: m for m in cancels if m.booking_id}
    assert set(by_booking) == {quiet.id, elsewhere.id}
    assert by_booking[quiet.id].recipient == world.people["ann"].email
    assert by_booking[quiet.id].sequence == 1
    assert (
        "Water damage" in by_booking[quiet.id].subject and "1st floor closed" in by_booking[quiet.id].subject
    )
    assert "Power cut" in by_booking[elsewhere.id].subject
    room_cancels = [m for m in cancels if m.room_booking_id == room.id]
    assert [m.recipient for m in room_cancels] == [world.people["planner"].email]
    assert "Power cut" in room_cancels[0].subject


async def test_a_closure_must_name_one_place_and_a_sensible_range(world: World) -> None:
    async with world.db.write_session() as session:
        site = await session.get_one(Site, world.site.id)
        with pytest.raises(InvalidInput) as both:
            await service.place_in(session, site, floor_name="1", zone_name="1-quiet")
        assert both.value.message_id == "closure.one-place"
        with pytest.raises(InvalidInput) as backwards:
            service.check_days(weekday(3), weekday(2))
        assert backwards.value.message_id == "closure.ends-before-start"


# --- the API ------------------------------------------------------------------------------------


async def test_a_planner_closes_a_zone_over_the_api_and_sees_it_listed_with_the_holidays(api: Api) -> None:
    world = api.world
    booked = await book(world, "ann", "Q1-03", WEDNESDAY)
    response = await api.call(
        "planner",
        "POST",
        f"/sites/{world.site.id}/closures",
        json={"starts_on": "2026-12-02", "reason": "Deep clean", "zone_id": str(world.zones["1-quiet"].id)},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["cancelled_bookings"] == 1 and created["cancelled_room_bookings"] == 0
    closure = created["closure"]
    assert closure["starts_on"] == closure["ends_on"] == "2026-12-02"
    assert closure["place"] == world.zones["1-quiet"].name and closure["reason"] == "Deep clean"
    assert closure["created_by_id"] == str(world.people["planner"].employee_id)
    async with world.db.read_session() as session:
        assert (await session.get_one(Booking, booked.id)).status is BookingStatus.CANCELLED

    listed = await api.call(
        "ann", "GET", f"/sites/{world.site.id}/closures", params={"from": "2026-12-01", "to": "2027-01-01"}
    )
    assert listed.status_code == 200, listed.text
    entries = [(e["kind"], e["starts_on"], e["name"]) for e in listed.json()]
    assert entries == [
        ("closure", "2026-12-02", "Deep clean"),
        ("holiday", "2026-12-25", "Christmas Day"),
        ("holiday", "2026-12-26", "Second Day of Christmas"),
        ("holiday", "2027-01-01", "New Year's Day"),
    ]
    assert listed.json()[0]["id"] == closure["id"]

    removed = await api.call("planner", "DELETE", f"/closures/{closure['id']}")
    assert removed.status_code == 204, removed.text
    await book(world, "bob", "Q1-03", WEDNESDAY)  # open again


async def test_employees_may_list_closures_but_not_add_or_remove_them(api: Api) -> None:
    world = api.world
    path = f"/sites/{world.site.id}/closures"
    assert (await api.call("ann", "GET", path)).status_code == 200
    refused = await api.call("ann", "POST", path, json={"starts_on": "2026-12-02", "reason": "Party"})
    assert refused.status_code == 403 and refused.headers["content-type"].startswith(PROBLEM)
    added = await api.call("admin", "POST", path, json={"starts_on": "2026-12-02", "reason": "Party"})
    assert added.status_code == 201, added.text
    closure_id = added.json()["closure"]["id"]
    assert (await api.call("ann", "DELETE", f"/closures/{closure_id}")).status_code == 403
    assert (await api.call("planner", "DELETE", f"/closures/{closure_id}")).status_code == 204
    assert (await api.call("planner", "DELETE", f"/closures/{closure_id}")).status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"starts_on": "2026-12-03", "ends_on": "2026-12-02", "reason": "x"}, "before the first"),
        ({"starts_on": "2026-12-02", "ends_on": "2028-01-01", "reason": "x"}, "at most 366 days"),
        ({"starts_on": "2026-12-02", "reason": "   "}, "Say why"),
        ({"starts_on": "2026-12-02", "reason": "x", "floor_id": "{floor}", "zone_id": "{zone}"}, "not both"),
    ],
)
async def test_bad_closures_are_refused_with_422_problem_details(
    api: Api, body: dict[str, str], message: str
) -> None:
    world = api.world
    zone = world.zones["1-quiet"]
    body = {k: v.format(floor=zone.floor_id, zone=zone.id) for k, v in body.items()}
    response = await api.call("planner", "POST", f"/sites/{world.site.id}/closures", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert message in response.json()["detail"]


async def test_a_reason_with_a_line_break_or_an_unknown_zone_is_refused(api: Api) -> None:
    world = api.world
    path = f"/sites/{world.site.id}/closures"
    broken = await api.call("planner", "POST", path, json={"starts_on": "2026-12-02", "reason": "a\nb"})
    assert broken.status_code == 422 and broken.headers["content-type"].startswith(PROBLEM)
    assert broken.json()["invalid-params"][0]["name"] == "reason"
    unknown = await api.call(
        "planner",
        "POST",
        path,
        json={"starts_on": "2026-12-02", "reason": "x", "zone_id": str(world.people["ann"].employee_id)},
    )
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith(PROBLEM)
    backwards = await api.call("ann", "GET", path, params={"from": "2026-12-03", "to": "2026-12-02"})
    assert backwards.status_code == 422 and backwards.headers["content-type"].startswith(PROBLEM)


# --- plans --------------------------------------------------------------------------------------


async def test_a_plan_scenario_leaves_out_holidays_and_site_closures_but_not_zone_closures(
    world: World,
) -> None:
    await close(world, date(2026, 12, 22), date(2026, 12, 22), "Christmas lunch")
    await close(world, date(2026, 12, 23), date(2026, 12, 23), "Deep clean", zone_name="1-quiet")
    async with world.db.read_session() as session:
        site = await session.get_one(Site, world.site.id)
        days = week_days(site, date(2026, 12, 21), 1)
        assert CHRISTMAS in days
        scenario, _ = await scenario_for_site(session, site.id, days)
    assert scenario.days == (date(2026, 12, 21), date(2026, 12, 23), date(2026, 12, 24))


# --- a closure and bookings at the same moment ----------------------------------------------------


async def test_a_booking_in_flight_when_a_closure_is_added_is_cancelled_by_it(world: World) -> None:
    """The closure waits for the booking being made on its day, then finds and cancels it."""
    day = weekday(2)
    async with world.db.write_session() as booking_session:
        booked = await DeskBookings(world.context(booking_session, "ann")).book(
            world.desk("Q1-03"), day, Period.FULL
        )
        closing = asyncio.create_task(close(world, day, day, "Burst pipe"))
        await asyncio.sleep(0.5)
        assert not closing.done(), "the closure went ahead while a booking on its day was in flight"
    outcome = await closing
    assert [b.id for b in outcome.cancelled] == [booked.id]
    async with world.db.read_session() as session:
        assert await session.scalar(select(Booking.status).where(Booking.id == booked.id)) is (
            BookingStatus.CANCELLED
        )


async def test_a_booking_made_while_a_closure_is_being_added_is_refused(world: World) -> None:
    """The booking waits for the closure being added on its day, then sees it and is refused."""
    day = weekday(2)
    async with world.db.write_session() as session:
        site = await session.get_one(Site, world.site.id)
        where = await service.place_in(session, site)
        await service.add_closure(
            session,
            where,
            day,
            day,
            "Burst pipe",
            created_by_id=world.people["planner"].employee_id,
            now=world.clock(),
            calendar=world.calendar,
        )
        booking = asyncio.create_task(
            as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), day, Period.FULL))
        )
        await asyncio.sleep(0.5)
        assert not booking.done(), "the booking went ahead while a closure of its day was being added"
    with pytest.raises(RuleRefused) as refused:
        await booking
    assert refused.value.message_id == "closed.closure"
    async with world.db.read_session() as check:
        assert list(await check.scalars(select(Booking))) == []
