"""Find me a seat: the best free desk for the day's activity — a quiet zone for focus, the team's
neighbourhood on a team day — nearest to the teammates who are in, through every booking rule."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from booking_support import World, as_, build_world, weekday
from zones.bookings.desks import DeskBookings
from zones.bookings.seat_finder import find_a_seat
from zones.db import Database
from zones.errors import Forbidden
from zones.models import Employee, Period
from zones.server.app import create_app
from zones.settings import Settings

DAY = weekday(3)  # Thursday


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


def _zone_of(world: World, desk_id: object) -> str:
    desk = next(d for d in world.desks.values() if d.id == desk_id)
    return next(z.key for z in world.zones.values() if z.id == desk.zone_id)


async def test_a_team_day_books_in_the_teams_neighbourhood_next_to_the_teammate_who_is_in(
    world: World,
) -> None:
    await as_(world, "bob", lambda ctx: DeskBookings(ctx).book(world.desk("C1-12"), DAY, Period.FULL))
    found = await as_(world, "ann", lambda ctx: find_a_seat(DeskBookings(ctx), DAY, Period.FULL, "team"))
    assert found.reason == "team-neighbourhood"
    assert found.booking.desk_code == "C1-08"  # 2 m from Bob's C1-12; C1-16 is as near, C1-08 sorts first
    assert found.near == [world.people["bob"].name]


async def test_a_focus_day_books_a_quiet_desk_on_the_teams_floor(world: World) -> None:
    await as_(world, "bob", lambda ctx: DeskBookings(ctx).book(world.desk("C1-12"), DAY, Period.FULL))
    found = await as_(world, "ann", lambda ctx: find_a_seat(DeskBookings(ctx), DAY, Period.MORNING, "focus"))
    assert found.reason == "quiet-zone"
    assert _zone_of(world, found.booking.desk_id) == "1-quiet"  # the quiet zone nearest Bob, not floor 2's
    assert found.booking.period is Period.MORNING


async def test_someone_who_needs_an_accessible_desk_only_gets_one(world: World) -> None:
    found = await as_(
        world, "needs_access", lambda ctx: find_a_seat(DeskBookings(ctx), DAY, Period.FULL, "focus")
    )
    desk = next(d for d in world.desks.values() if d.id == found.booking.desk_id)
    assert "accessible" in desk.attributes


async def test_teammates_who_hide_their_presence_are_not_named(world: World) -> None:
    await as_(world, "bob", lambda ctx: DeskBookings(ctx).book(world.desk("C1-12"), DAY, Period.FULL))
    async with world.db.write_session() as session:
        await session.execute(
            update(Employee)
            .where(Employee.id == world.people["bob"].employee_id)
            .values(shares_presence=False)
        )
    found = await as_(world, "ann", lambda ctx: find_a_seat(DeskBookings(ctx), DAY, Period.FULL, "team"))
    assert found.near == []
    assert found.reason == "team-neighbourhood"


async def test_when_no_desk_of_the_activity_is_free_the_nearest_other_is_booked_and_said(
    world: World,
) -> None:
    quiet = [  # the accessible ones stay free: held for colleagues who need them, so not Ann's either
        code
        for code, desk in world.desks.items()
        if desk.bookable
        and _zone_of(world, desk.id).endswith("quiet")
        and "accessible" not in desk.attributes
    ]
    async with world.db.read_session() as session:
        staff = list(await session.scalars(select(Employee.id).order_by(Employee.email)))
    others = [e for e in staff if e not in {p.employee_id for p in world.people.values()}]
    for code, employee in zip(quiet, others, strict=False):  # the planner fills the quiet desks
        await as_(
            world,
            "planner",
            lambda ctx, c=code, e=employee: DeskBookings(ctx).book(world.desk(c), DAY, Period.FULL, e),
        )
    found = await as_(world, "ann", lambda ctx: find_a_seat(DeskBookings(ctx), DAY, Period.FULL, "focus"))
    assert found.reason == "other-activity"
    assert not _zone_of(world, found.booking.desk_id).endswith("quiet")


async def test_only_planners_find_a_seat_for_someone_else(world: World) -> None:
    ann = world.people["ann"].employee_id
    with pytest.raises(Forbidden):
        await as_(world, "eve", lambda ctx: find_a_seat(DeskBookings(ctx), DAY, Period.FULL, "focus", ann))
    found = await as_(
        world, "planner", lambda ctx: find_a_seat(DeskBookings(ctx), DAY, Period.FULL, "focus", ann)
    )
    assert found.booking.employee_id == ann


@pytest.fixture
async def client(world: World) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    settings = Settings(
        database_url=world.db.engine.url.render_as_string(hide_password=False), release_interval_s=0
    )
    async with AsyncTestClient(create_app(settings, clock=world.clock)) as test_client:
        yield test_client


async def test_the_api_books_and_says_why(world: World, client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    answer = await client.post(
        "/bookings/find-a-seat",
        json={"day": str(DAY), "activity": "team"},
        headers=world.headers("ann"),
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["reason"] == "team-neighbourhood" and body["booking"]["desk_code"].startswith("C1-")
    again = await client.post(
        "/bookings/find-a-seat", json={"day": str(DAY), "activity": "team"}, headers=world.headers("ann")
    )
    assert again.status_code == 409  # one booking a day: the rules of DeskBookings.book apply
