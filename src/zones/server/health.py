"""Liveness and readiness: is the database reachable and its schema current?"""

from __future__ import annotations

import msgspec
from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from zones import __version__
from zones.db.migrate import head_revision


class Health(msgspec.Struct, frozen=True):
    """What `/health` reports."""

    status: str
    """`ok`, or `degraded` when the database is unreachable or its schema is not current."""
    version: str
    database: str
    schema_revision: str | None
    expected_revision: str


class HealthController(Controller):
    """Health checks for load balancers and people."""

    path = "/health"
    tags = ["Health"]

    @get(
        operation_id="getHealth", summary="Service and database health", exclude_from_auth=True, security=[{}]
    )
    async def health(self, session: NamedDependency[AsyncSession]) -> Response[Health]:
        expected = head_revision()
        try:
            revision = (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()
        except SQLAlchemyError:
            revision = None
        ok = revision == expected
        body = Health(
            status="ok" if ok else "degraded",
            version=__version__,
            database=session.get_bind().dialect.name,
            schema_revision=revision,
            expected_revision=expected,
        )
        return Response(body, status_code=200 if ok else 503, media_type=MediaType.JSON)
