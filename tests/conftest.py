"""Fixtures: every database test runs on embedded SQLite and on a real PostgreSQL.

PostgreSQL comes from ZONES_TEST_DATABASE_URL (an admin URL, e.g. postgresql://postgres@host/postgres)
or 127.0.0.1:5432. Each run creates a uniquely named database and drops it afterwards. When
PostgreSQL is unreachable its tests skip with the reason, except under CI (CI set), where they fail.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import make_url, text

from zones.db import Database, create_database
from zones.db.migrate import upgrade
from zones.models import metadata

pytest_plugins = ["page_support"]
"""The `pages` fixture: a signed-in browser for the page tests."""

BACKENDS = ("sqlite", "postgresql")
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REPO = Path(__file__).resolve().parents[1]


def postgres_admin_url() -> str:
    """Where the tests may create and drop databases."""
    return os.environ.get("ZONES_TEST_DATABASE_URL", DEFAULT_POSTGRES)


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _postgres_execute(url: str, *statements: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def require_postgres() -> str:
    """The admin URL, or skip (fail under CI) when PostgreSQL cannot be reached."""
    url = postgres_admin_url()
    try:
        asyncio.run(_postgres_execute(url, "SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError) as error:
        reason = f"PostgreSQL at {make_url(url).render_as_string()} is unreachable: {error}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set, so PostgreSQL tests must run)")
        pytest.skip(reason)
    return url


def create_postgres_database() -> str:
    """Create a uniquely named empty database and return its URL."""
    admin = require_postgres()
    name = f"zones_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_postgres_execute(admin, f'CREATE DATABASE "{name}"'))
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    asyncio.run(_postgres_execute(postgres_admin_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def empty_database_url(backend: str, folder: Path) -> str:
    """A new, empty database of `backend`."""
    if backend == "sqlite":
        return f"sqlite:///{folder / f'zones-{uuid.uuid4().hex[:8]}.db'}"
    return create_postgres_database()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database kind a test runs on."""
    return str(request.param)


@pytest.fixture(scope="session")
def migrated_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to the newest schema, shared by the session's tests of one backend."""
    url = empty_database_url(backend, tmp_path_factory.mktemp("sqlite"))
    upgrade(url)
    yield url
    if backend == "postgresql":
        drop_postgres_database(url)


async def clear_tables(database: Database) -> None:
    """Empty every Zones table, keeping the schema."""
    tables = [table.name for table in reversed(metadata.sorted_tables)]
    async with database.write_session() as session:
        if database.dialect == "postgresql":
            await session.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for table in tables:
                await session.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def db(migrated_url: str) -> AsyncIterator[Database]:
    """An empty, migrated database; emptied again after the test."""
    database = create_database(migrated_url)
    await clear_tables(database)
    yield database
    await clear_tables(database)
    await database.dispose()


@pytest.fixture
def clean_url(migrated_url: str) -> Iterator[str]:
    """The migrated database's URL for synchronous tests (the CLI); emptied before and after."""

    async def clear() -> None:
        database = create_database(migrated_url)
        await clear_tables(database)
        await database.dispose()

    asyncio.run(clear())
    yield migrated_url
    asyncio.run(clear())


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (for migration tests)."""
    url = empty_database_url(backend, tmp_path)
    yield url
    if backend == "postgresql":
        drop_postgres_database(url)
