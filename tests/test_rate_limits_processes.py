"""Sign-in rate limits hold across server processes: two `zones serve` processes on one database
share one count, kept in the database (SQLite and PostgreSQL) or in Redis."""

from __future__ import annotations

import asyncio
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from server_support import zones_serve
from sign_in_support import seed_people
from zones.auth.ratelimit import REDIS_PREFIX, address_key, client_key
from zones.db import create_database
from zones.db.migrate import upgrade
from zones.models import RateLimitHit

REDIS_URL = os.environ.get("ZONES_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WINDOW_S = 15 * 60
LINK_LIMIT, CLIENT_LIMIT = 3, 4
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def require_redis() -> str:
    """The Redis URL, or skip (fail under CI) when Redis cannot be reached."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except (redis.RedisError, OSError) as error:
        reason = f"Redis at {REDIS_URL} is unreachable: {error}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so Redis tests must run)")
        pytest.skip(reason)
    return REDIS_URL


def two_servers(url: str, folder: Path, redis_url: str = "") -> Iterator[tuple[str, str]]:
    """Two server processes on the database at `url` (and Redis, when given), behind a trusted
    "proxy" (the test itself, on loopback), so each test picks its own client addresses."""
    asyncio.run(_seed(url, folder))
    keep = {k: v for k, v in os.environ.items() if not k.startswith("ZONES_")}
    env = keep | {
        "ZONES_DATABASE_URL": url,
        "ZONES_DATA_DIR": str(folder),
        "ZONES_RELEASE_INTERVAL": "0",
        "ZONES_WORKERS": "1",
        "ZONES_LINK_LIMIT": str(LINK_LIMIT),
        "ZONES_SIGN_IN_LIMIT": str(CLIENT_LIMIT),
        "ZONES_TRUSTED_PROXIES": "127.0.0.1",
        "ZONES_REDIS_URL": redis_url,
    }
    with ExitStack() as stack:
        first = stack.enter_context(zones_serve(env, folder, "first"))
        second = stack.enter_context(zones_serve(env, folder, "second"))
        yield first, second


async def _seed(url: str, folder: Path) -> None:
    database = create_database(url)
    try:
        await seed_people(database, folder)
    finally:
        await database.dispose()


def unique_client() -> str:
    """A client address no other test (or earlier run, in Redis) counted."""
    bits = uuid.uuid4().int
    return f"10.{bits % 250 + 1}.{(bits >> 8) % 250 + 1}.{(bits >> 16) % 250 + 1}"


class Browser:
    """One browser talking to one server (its own cookies and CSRF token)."""

    def __init__(self, base: str, client: str) -> None:
        self.http = httpx.Client(base_url=base, headers={"X-Forwarded-For": client, "Accept": "text/html"})
        page = self.http.get("/sign-in")
        assert page.status_code == 200, page.text
        found = CSRF.search(page.text)
        assert found
        self.csrf = found.group(1)

    def ask_for_link(self, email: str) -> httpx.Response:
        return self.http.post("/sign-in/link", data={"email": email, "next": "/", "csrf_token": self.csrf})


def wait_for_a_fresh_window(needed_s: float = 30) -> None:
    """The servers count in fixed windows of the wall clock: don't let the test straddle one."""
    left = WINDOW_S - time.time() % WINDOW_S
    if left < needed_s:
        time.sleep(left + 0.5)


def check_limits_hold_across_processes(first: str, second: str) -> list[str]:
    """Ask alternately at both servers; the limits count both. Returns the Redis-style keys used."""
    wait_for_a_fresh_window()
    one_client, other_client = unique_client(), unique_client()
    email = f"ann+{uuid.uuid4().hex[:8]}@example.dk"

    browsers = [Browser(first, one_client), Browser(second, one_client)]
    answers = [browsers[n % 2].ask_for_link(email) for n in range(LINK_LIMIT + 2)]
    assert [a.status_code for a in answers] == [303] * LINK_LIMIT + [429, 429], "per address, both servers"
    assert 0 < int(answers[-1].headers["retry-after"]) <= WINDOW_S

    browsers = [Browser(first, other_client), Browser(second, other_client)]
    answers = [browsers[n % 2].ask_for_link(f"p{n}-{email}") for n in range(CLIENT_LIMIT + 2)]
    assert [a.status_code for a in answers] == [303] * CLIENT_LIMIT + [429, 429], "per client, both servers"
    assert "retry-after" in answers[-1].headers
    others = [address_key(f"p{n}-{email}") for n in range(CLIENT_LIMIT + 2)]
    return [client_key(one_client), client_key(other_client), address_key(email), *others]


def test_the_database_carries_the_limit_across_two_server_processes(clean_url: str, tmp_path: Path) -> None:
    for first, second in two_servers(clean_url, tmp_path):
        check_limits_hold_across_processes(first, second)


def test_redis_carries_the_limit_across_two_server_processes(tmp_path: Path) -> None:
    import redis

    redis_url = require_redis()
    url = f"sqlite:///{tmp_path / 'zones.db'}"
    upgrade(url)
    keys: list[str] = []
    try:
        for first, second in two_servers(url, tmp_path, redis_url):
            keys = check_limits_hold_across_processes(first, second)
        store = redis.Redis.from_url(redis_url)
        counted = [name for key in keys[:3] for name in store.scan_iter(f"{REDIS_PREFIX}{key}:*")]
        assert len(counted) == 3, "the counts are in Redis: one key per client or address and window"

        async def rows() -> int:
            database = create_database(url)
            try:
                async with database.read_session() as session:
                    return len((await session.scalars(select(RateLimitHit))).all())
            finally:
                await database.dispose()

        assert asyncio.run(rows()) == 0, "and not in the database"
        assert all(0 < store.ttl(name) <= WINDOW_S + 60 for name in counted), "and they expire"
    finally:
        store = redis.Redis.from_url(redis_url)
        for key in keys:  # only this test's keys: other tests may share the server
            for name in store.scan_iter(f"{REDIS_PREFIX}{key}:*"):
                store.delete(name)
