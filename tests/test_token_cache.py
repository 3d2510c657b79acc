"""The per-process cache of token lookups: a burst of requests costs one lookup, yet a revoked token
stops working within the cache's seconds and an expiring token never outlives its expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import AsyncTestClient

from booking_support import World, build_world
from zones.auth.tokens import TokenCache, issue_token, revoke_tokens
from zones.db import Database
from zones.server.app import create_app
from zones.server.state import AppState
from zones.settings import Settings

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_token_is_forgotten_after_its_seconds() -> None:
    ticks = Ticks()
    cache = TokenCache(5, monotonic=ticks)
    principal = object()
    cache.put("hash", principal, None)  # type: ignore[arg-type]
    assert cache.get("hash", NOW) is principal
    ticks.now += 4.9
    assert cache.get("hash", NOW) is principal
    ticks.now += 0.2
    assert cache.get("hash", NOW) is None


def test_a_cached_token_never_outlives_its_own_expiry() -> None:
    cache = TokenCache(60, monotonic=Ticks())
    cache.put("hash", object(), NOW + timedelta(seconds=1))  # type: ignore[arg-type]
    assert cache.get("hash", NOW) is not None
    assert cache.get("hash", NOW + timedelta(seconds=1)) is None


def test_a_cache_of_zero_seconds_keeps_nothing() -> None:
    cache = TokenCache(0, monotonic=Ticks())
    cache.put("hash", object(), None)  # type: ignore[arg-type]
    assert cache.get("hash", NOW) is None


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


@pytest.fixture
async def client(world: World, db: Database) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, release_interval_s=0), clock=world.clock)
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def test_a_revoked_token_stops_working_once_the_cache_forgets_it(
    world: World,
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    async with world.db.write_session() as session:
        token, _ = await issue_token(session, _email(world, "ann"), "cache")
    ticks = Ticks()
    AppState.of(client.app).token_cache = TokenCache(5, monotonic=ticks)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/me", headers=headers)).status_code == 200
    async with world.db.write_session() as session:  # revoked elsewhere (the CLI, another worker)
        assert await revoke_tokens(session, _email(world, "ann")) >= 1
    ticks.now += 4  # within the cache's seconds this process still trusts its lookup…
    assert (await client.get("/me", headers=headers)).status_code == 200
    ticks.now += 1.5  # …and after them (ZONES_AUTH_CACHE_SECONDS) the revocation holds
    assert (await client.get("/me", headers=headers)).status_code == 401


def _email(world: World, who: str) -> str:
    return world.people[who].email
