"""Async engines for SQLite and PostgreSQL, configured for concurrent use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from zones.db.sqlite_driver import use_one_trip_cursors
from zones.db.transaction import READ_OPTION, WRITE_OPTION, begin_writer, end_writer, write_transaction
from zones.settings import check_database_url, normalise_database_url

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 64 * 1024
"""Page cache per connection (SQLite's default is 2 MiB)."""
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
"""Read the file through memory mapping, not a read call per page."""


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
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(READ_OPTION, False):
            return  # each statement reads on its own (see `Database.autocommit_session`)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION, False) else "BEGIN")


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def create_engine(url: str, pool_size: int = 20, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for a Zones database URL, creating SQLite's folder if needed.

    A URL of another kind of database raises `UnsupportedDatabase` naming it.

    `pool_size` is how many PostgreSQL connections the pool keeps and at most opens: requests
    beyond it wait for a connection rather than push the database past its `max_connections`.
    Connections are not pinged on every checkout (a round trip per request); a dropped connection
    fails the statement that finds it, and the pool replaces it.
    """
    url = check_database_url(url)
    parsed = make_url(url)
    # JSON columns (desk attributes, working days, …) are read on hot paths: msgspec is the fast codec.
    kwargs.setdefault("json_serializer", _json_text)
    kwargs.setdefault("json_deserializer", msgspec.json.decode)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, **kwargs)
        use_one_trip_cursors(engine)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("max_overflow", 0)
    return create_async_engine(url, pool_size=pool_size, **kwargs)


@dataclass
class Database:
    """One database: its engine and the sessions that read from and write to it."""

    engine: AsyncEngine

    def __post_init__(self) -> None:
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        if self.engine.dialect.name == "postgresql":
            reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        else:
            # pysqlite's AUTOCOMMIT would hand BEGIN back to the driver; the begin hook skips it.
            reader = self.engine.execution_options(**{READ_OPTION: True})
        self.autocommit_sessionmaker = async_sessionmaker(reader, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def read_session(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; anything it changes is rolled back."""
        async with self.sessionmaker() as session:
            yield session

    def autocommit_session(self) -> AsyncSession:
        """A session for reads that need no snapshot: no BEGIN or ROLLBACK, each statement on its own.

        What a GET request reads with; it must not write (nothing would be rolled back).
        """
        return self.autocommit_sessionmaker()

    async def open_writer(self) -> AsyncSession:
        """A session whose write transaction has begun (BEGIN IMMEDIATE on SQLite): for a caller
        that ends it with `write_transaction` and closes it itself (the HTTP request session)."""
        session = self.sessionmaker()
        try:
            await begin_writer(session)
        except BaseException:
            await self.close_session(session)
            raise
        return session

    @staticmethod
    async def close_session(session: AsyncSession) -> None:
        """Close a request's session, rolling back what was not committed; after a writer, the next
        writer may begin."""
        try:
            await session.close()
        finally:
            end_writer(session)

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
