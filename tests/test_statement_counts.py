"""Round trips per request, counted at the engine on SQLite and PostgreSQL.

The budgets are today's counts, so a change that adds a statement to a hot path fails here and has
to say why (issue 11 lowers them). Run with `-s` to print the counts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from httpx import AsyncClient
from litestar.testing import AsyncTestClient

from booking_support import World, build_world, weekday
from statement_counter import StatementCounter
from zones.db import Database
from zones.server.app import create_app
from zones.server.state import AppState
from zones.settings import Settings

BUDGETS = {
    # request: (SQLite, PostgreSQL) round trips, pre-pings on PostgreSQL included
    "authenticated GET /me": (6, 8),
    "POST /bookings": (14, 16),
    "POST /bookings refused (desk taken)": (10, 12),
    "GET /availability": (9, 11),
}


@dataclass
class Measured:
    world: World
    client: AsyncClient
    counter: StatementCounter

    async def count(self, method: str, path: str, who: str, status: int, **kwargs: Any) -> int:
        self.counter.reset()
        response = await self.client.request(method, path, headers=self.world.headers(who), **kwargs)
        assert response.status_code == status, response.text
        return self.counter.round_trips


@pytest.fixture
async def measured(db: Database) -> AsyncIterator[Measured]:
    world = await build_world(db)
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, release_interval_s=0), clock=world.clock)
    counter = StatementCounter()
    async with AsyncTestClient(app) as client:
        with counter.watching(AppState.of(app).database.engine):
            yield Measured(world, client, counter)


async def test_round_trips_per_request_stay_within_budget(measured: Measured, db: Database) -> None:
    world = measured.world
    desk, day = str(world.desk("Q1-03")), str(weekday(1))
    site = str(world.site.id)
    await measured.count("GET", "/me", "ann", 200)  # warm the pool and the caches once
    counts = {
        "authenticated GET /me": await measured.count("GET", "/me", "ann", 200),
        "POST /bookings": await measured.count(
            "POST", "/bookings", "ann", 201, json={"desk_id": desk, "day": day}
        ),
        "POST /bookings refused (desk taken)": await measured.count(
            "POST", "/bookings", "bob", 409, json={"desk_id": desk, "day": day}
        ),
        "GET /availability": await measured.count(
            "GET", "/availability", "ann", 200, params={"site_id": site, "day": day}
        ),
    }
    column = 0 if db.dialect == "sqlite" else 1
    for request, trips in counts.items():
        print(f"{db.dialect:<10} {request:<38} {trips:>3} round trips (budget {BUDGETS[request][column]})")
    over = {request: trips for request, trips in counts.items() if trips > BUDGETS[request][column]}
    assert over == {}, f"over budget: {over}"
