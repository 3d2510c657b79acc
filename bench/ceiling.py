"""The ceiling: the fastest this stack serves a write or a read, to measure Zones against.

A bare Litestar app, no auth, no ORM: `POST /insert` inserts one row (uuid primary key and a short
text) and answers 201 with JSON; `GET /read` runs one trivial `SELECT 1`. On PostgreSQL it uses an
asyncpg pool; on SQLite one aiosqlite connection per worker on a WAL file with the pragmas Zones
uses. `bench/booking_load.py` creates the table and serves it like this:

    CEILING_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/db CEILING_POOL_SIZE=20 \\
    .venv/bin/uvicorn ceiling:create_app --factory --app-dir bench --http httptools --loop uvloop \\
        --workers 2 --no-access-log
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol
from uuid import uuid4

import aiosqlite
import asyncpg
from litestar import Litestar, get, post
from litestar.datastructures import State

TABLE = "ceiling_insert"
DDL = f"CREATE TABLE IF NOT EXISTS {TABLE} (id uuid PRIMARY KEY, note text NOT NULL)"
SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
)
"""What Zones sets on its SQLite connections (zones.db.engine), so both write alike."""


def sqlite_path(url: str) -> str | None:
    """The file of a `sqlite:///path` URL, or None for any other URL."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None


async def create_table(url: str) -> None:
    """Create the ceiling's table, once, before the workers start (they would race to create it)."""
    path = sqlite_path(url)
    if path is not None:
        async with aiosqlite.connect(path) as connection:
            for pragma in SQLITE_PRAGMAS:
                await connection.execute(pragma)
            await connection.execute(DDL)
            await connection.commit()
        return
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(DDL)
    finally:
        await connection.close()


async def clear_table(url: str) -> None:
    """Empty the ceiling's table between runs, as the bench empties Zones' bookings."""
    path = sqlite_path(url)
    if path is not None:
        async with aiosqlite.connect(path) as connection:
            await connection.execute(f"DELETE FROM {TABLE}")
            await connection.commit()
        return
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f"TRUNCATE {TABLE}")
    finally:
        await connection.close()


class Store(Protocol):
    """One insert and one read, on whichever database the app runs on."""

    async def insert(self, row_id: str) -> None: ...
    async def read(self) -> int: ...
    async def close(self) -> None: ...


class PostgresStore:
    """An asyncpg pool: each insert takes a connection, runs one INSERT (autocommit) and gives it back."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def open(cls, url: str, size: int) -> PostgresStore:
        return cls(await asyncpg.create_pool(url, min_size=1, max_size=size))

    async def insert(self, row_id: str) -> None:
        await self.pool.execute(f"INSERT INTO {TABLE} (id, note) VALUES ($1, 'x')", row_id)

    async def read(self) -> int:
        return int(await self.pool.fetchval("SELECT 1"))

    async def close(self) -> None:
        await self.pool.close()


class SqliteStore:
    """One aiosqlite connection per worker; each insert is its own committed transaction."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection

    @classmethod
    async def open(cls, path: str) -> SqliteStore:
        connection = await aiosqlite.connect(path, isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            await connection.execute(pragma)
        return cls(connection)

    async def insert(self, row_id: str) -> None:
        await self.connection.execute(f"INSERT INTO {TABLE} (id, note) VALUES (?, 'x')", (row_id,))

    async def read(self) -> int:
        async with self.connection.execute("SELECT 1") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def close(self) -> None:
        await self.connection.close()


@asynccontextmanager
async def database(app: Litestar) -> AsyncIterator[None]:
    url = os.environ["CEILING_DATABASE_URL"]
    path = sqlite_path(url)
    store: Store
    if path is not None:
        store = await SqliteStore.open(path)
    else:
        store = await PostgresStore.open(url, int(os.environ.get("CEILING_POOL_SIZE", "20")))
    app.state.store = store
    try:
        yield
    finally:
        await store.close()


@post("/insert")
async def insert(state: State) -> dict[str, Any]:
    """Insert one row: the cheapest durable write."""
    row_id = str(uuid4())
    await state.store.insert(row_id)
    return {"id": row_id}


@get("/read")
async def read(state: State) -> dict[str, Any]:
    """One trivial SELECT: the cheapest read that still goes to the database."""
    return {"value": await state.store.read()}


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def create_app() -> Litestar:
    """The ceiling app (uvicorn `--factory`)."""
    return Litestar([insert, read, health], lifespan=[database], openapi_config=None)
