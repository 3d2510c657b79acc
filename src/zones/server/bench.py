"""A baseline endpoint for benchmarks: one plain INSERT, behind the same auth and session handling.

Mounted only when ZONES_BENCH_ENDPOINTS is set; `bench/booking_load.py` creates its table.
"""

from __future__ import annotations

from uuid import uuid4

from litestar import post
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

BENCH_TABLE_DDL = "CREATE TABLE IF NOT EXISTS bench_insert (id VARCHAR(36) PRIMARY KEY, note VARCHAR(40))"


@post("/_bench/insert", operation_id="benchInsert", include_in_schema=False, status_code=201)
async def bench_insert(session: NamedDependency[AsyncSession]) -> dict[str, str]:
    """Insert one row in the request's write transaction: the cheapest write the server can do."""
    row_id = str(uuid4())
    await session.execute(text("INSERT INTO bench_insert (id, note) VALUES (:id, 'x')"), {"id": row_id})
    return {"id": row_id}
