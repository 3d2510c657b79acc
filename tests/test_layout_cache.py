"""The layout each server process caches (zones and desks) is never used after the office changed,
whichever process changed it: every availability answer reads the office version with the bookings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from booking_support import World, build_world, weekday
from zones.db import Database
from zones.models import Desk
from zones.server.app import create_app
from zones.server.state import AppState
from zones.settings import Settings


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


@pytest.fixture
async def client(world: World, db: Database) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, release_interval_s=0), clock=world.clock)
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def _desk_codes(world: World, client: AsyncTestClient) -> set[str]:  # type: ignore[type-arg]
    response = await client.get(
        "/availability",
        params={"site_id": str(world.site.id), "day": str(weekday(1))},
        headers=world.headers("ann"),
    )
    assert response.status_code == 200, response.text
    return {desk["code"] for zone in response.json()["zones"] for desk in zone["desks"]}


async def test_a_desk_taken_out_of_use_elsewhere_disappears_from_the_next_answer(
    world: World,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    assert "Q1-03" in await _desk_codes(world, client)
    async with world.db.write_session() as session:  # another process: the CLI, another worker
        await session.execute(update(Desk).where(Desk.code == "Q1-03").values(bookable=False))
    assert "Q1-03" not in await _desk_codes(world, client)
    async with world.db.write_session() as session:
        await session.execute(update(Desk).where(Desk.code == "Q1-03").values(bookable=True))
    assert "Q1-03" in await _desk_codes(world, client)


async def test_an_unchanged_office_is_read_from_the_cache(
    world: World,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    await _desk_codes(world, client)
    layouts = AppState.of(client.app).layouts
    cached = layouts.cached(world.site.id)
    assert cached is not None
    await _desk_codes(world, client)
    assert layouts.cached(world.site.id) is cached


async def test_a_desk_taken_out_of_use_elsewhere_cannot_be_booked_at_once(
    world: World,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    async def book(code: str, day_offset: int) -> tuple[int, str]:
        response = await client.post(
            "/bookings",
            json={"desk_id": str(world.desk(code)), "day": str(weekday(day_offset))},
            headers=world.headers("ann"),
        )
        return response.status_code, response.json().get("rule", "")

    assert (await book("Q1-03", 1))[0] == 201  # the process has read every desk's place now
    async with world.db.write_session() as session:  # another process takes Q1-04 out of use
        await session.execute(update(Desk).where(Desk.code == "Q1-04").values(bookable=False))
    assert await book("Q1-04", 2) == (422, "desk-not-bookable")
