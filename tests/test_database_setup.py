"""Database setup: SQLite tuned for concurrent use, URLs and data folders resolved as documented."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from zones.db import create_database
from zones.db.migrate import upgrade
from zones.settings import Settings, normalise_database_url


async def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    database = create_database(f"sqlite:///{tmp_path / 'z.db'}")
    async with database.engine.connect() as connection:
        journal = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        foreign_keys = (await connection.execute(text("PRAGMA foreign_keys"))).scalar()
        timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    await database.dispose()
    assert (journal, foreign_keys) == ("wal", 1)
    assert timeout >= 5000


async def test_concurrent_read_then_write_transactions_all_succeed_on_sqlite(tmp_path: Path) -> None:
    """A deferred transaction that reads then writes fails with 'database is locked'; writers must not."""
    database = create_database(f"sqlite:///{tmp_path / 'z.db'}")
    async with database.write_session() as session:
        await session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
        await session.execute(text("INSERT INTO counter VALUES (0)"))

    async def increment() -> None:
        async with database.write_session() as session:
            n = (await session.execute(text("SELECT n FROM counter"))).scalar_one()
            await asyncio.sleep(0.005)  # let the other writers pile up behind the lock
            await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

    await asyncio.gather(*(increment() for _ in range(25)))
    async with database.read_session() as session:
        total = (await session.execute(text("SELECT n FROM counter"))).scalar_one()
    await database.dispose()
    assert total == 25, "every increment must see the previous one: no lost updates, no lock errors"


async def test_readers_are_not_blocked_by_a_writer_on_sqlite(tmp_path: Path) -> None:
    database = create_database(f"sqlite:///{tmp_path / 'z.db'}")
    async with database.write_session() as session:
        await session.execute(text("CREATE TABLE t (n INTEGER)"))
    async with database.write_session() as writer:
        await writer.execute(text("INSERT INTO t VALUES (1)"))
        async with database.read_session() as reader:
            seen = (await reader.execute(text("SELECT count(*) FROM t"))).scalar_one()
    await database.dispose()
    assert seen == 0, "WAL lets a reader see the last committed state while a writer works"


def test_foreign_keys_are_enforced_on_sqlite_after_migrations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'z.db'}"
    upgrade(url)

    async def orphan_floor() -> str:
        database = create_database(url)
        try:
            async with database.write_session() as session:
                await session.execute(
                    text(
                        "INSERT INTO floor (id, site_id, name, level, created_at, updated_at) "
                        "VALUES (x'01', x'02', 'F', 1, '2026-01-01', '2026-01-01')"
                    )
                )
        except Exception as error:
            return type(error).__name__
        finally:
            await database.dispose()
        return "no error"

    assert asyncio.run(orphan_floor()) == "IntegrityError"


def test_default_database_is_sqlite_in_the_data_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"ZONES_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'zones.db'}"
    assert settings.is_sqlite


def test_database_url_from_the_environment_gets_the_async_driver() -> None:
    settings = Settings.from_env({"ZONES_DATABASE_URL": "postgresql://app@db.internal/zones"})
    assert settings.database_url == "postgresql+asyncpg://app@db.internal/zones"
    assert not settings.is_sqlite
    assert normalise_database_url("postgresql+asyncpg://x/y") == "postgresql+asyncpg://x/y"
    assert normalise_database_url("sqlite:///tmp/x.db") == "sqlite+aiosqlite:///tmp/x.db"
