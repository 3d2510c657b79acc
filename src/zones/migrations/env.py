"""Alembic environment: runs migrations on the async engine Zones uses everywhere else."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from zones.db.engine import create_engine
from zones.models import metadata

config = context.config


def _ours(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """Autogenerate compares Zones' tables only: SAQ's queue tables belong to SAQ (migration 0011)."""
    return not (kind == "table" and reflected and (name or "").startswith("saq_"))


def _run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=_ours,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _database_url() -> str:
    # `zones db` sets sqlalchemy.url; advanced-alchemy's `litestar database` passes db_url instead.
    return config.get_main_option("sqlalchemy.url") or str(getattr(config, "db_url", ""))


async def _run_async() -> None:
    engine = create_engine(_database_url())
    async with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Table copies in batch mode must not cascade through foreign keys.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await connection.run_sync(_run_migrations)
        await connection.commit()
    await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    asyncio.run(_run_async())
