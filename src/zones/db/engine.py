"""Async engines for SQLite and PostgreSQL, configured for concurrent use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from zones.db.transaction import WRITE_OPTION, write_transaction
from zones.settings import check_database_url, normalise_database_url

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, a busy timeout, foreign keys on, and writers that take the lock up front.

    A deferred transaction that reads and then writes fails at once with "database is locked"
    when another writer got in between, ignoring the busy timeout. Writers therefore start with
    BEGIN IMMEDIATE; readers stay deferred so WAL lets them run beside a writer.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str, pool_size: int = 20, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for a Zones database URL, creating SQLite's folder if needed.

    A URL of another kind of database raises `UnsupportedDatabase` naming it.

    `pool_size` is PostgreSQL's pool (plus as many again in overflow): SQLAlchemy's default of
    5 (+10) queues requests under load.
    """
    url = check_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("max_overflow", pool_size)
    return create_async_engine(url, pool_size=pool_size, **kwargs)


@dataclass
class Database:
    """One database: its engine and the sessions that read from and write to it."""

    engine: AsyncEngine

    def __post_init__(self) -> None:
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; anything it changes is rolled back."""
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def write_session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction holds the write lock and commits only if the block succeeds."""
        async with self.sessionmaker() as session, write_transaction(session):
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite database URL names; None for other databases, in-memory ones and non-URLs."""
    try:
        parsed = make_url(normalise_database_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def create_database(url: str, pool_size: int = 20, **kwargs: Any) -> Database:
    """A `Database` for the URL (`pool_size`: PostgreSQL connections kept open)."""
    return Database(create_engine(url, pool_size, **kwargs))
