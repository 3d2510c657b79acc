"""The Litestar application, assembled from settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Tag

from zones import __version__
from zones.api.auth import authentication_middleware, security_schemes
from zones.api.bench import bench_insert
from zones.api.bookings.controllers import controllers as booking_controllers
from zones.api.bookings.schemas import request_bodies
from zones.api.health import HealthController
from zones.api.office.controllers import controllers as office_controllers
from zones.api.openapi import close_strict_request_bodies
from zones.api.problems import exception_handlers, problem_details_plugin
from zones.booking.context import utc_now
from zones.booking.release import ReleaseTask
from zones.db import Database, create_database
from zones.db.migrate import alembic_config
from zones.settings import Settings


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Litestar:
    """Build the API for `settings` (read from the environment by default); `clock` is for tests."""
    settings = settings or Settings.from_env()
    database = database or create_database(settings.database_url)
    release = ReleaseTask(database, clock, settings.release_interval_s)
    sqlalchemy = SQLAlchemyAsyncConfig(
        engine_instance=database.engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        session_dependency_key="db_session",
        alembic_config=AlembicAsyncConfig(
            script_location=alembic_config(settings.database_url).get_main_option("script_location") or "",
        ),
        create_all=False,
    )
    app = Litestar(
        route_handlers=[
            HealthController,
            *office_controllers,
            *booking_controllers,
            *([bench_insert] if settings.bench_endpoints else []),
        ],
        middleware=[authentication_middleware()],
        plugins=[SQLAlchemyPlugin(config=sqlalchemy), problem_details_plugin()],
        exception_handlers=exception_handlers,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(
            title="Zones",
            version=__version__,
            description=(
                "Activity-based office zoning and desk booking. Errors are RFC 9457 problem details "
                "(`application/problem+json`)."
            ),
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            tags=[
                Tag(name="Office", description="Sites, floors, activity zones, desks and rooms"),
                Tag(name="Bookings", description="Desk bookings by day or half-day, series, check-in"),
                Tag(name="Room bookings", description="Workshop rooms by the hour, with attendees"),
                Tag(name="Presence", description="Free desks by activity, who of my teams is in"),
                Tag(name="Health", description="Liveness and schema status"),
            ],
            components=Components(security_schemes=security_schemes),
            security=[{"BearerToken": []}],
        ),
        logging_config=LoggingConfig(
            root={"level": "DEBUG" if settings.debug else "INFO", "handlers": ["queue_listener"]},
            log_exceptions="always" if settings.debug else "debug",
        ),
        on_startup=[release.start],
        on_shutdown=[release.stop, database.dispose],
        debug=settings.debug,
        state=State({"database": database, "settings": settings, "clock": clock}),
    )
    close_strict_request_bodies(app, request_bodies)
    return app


logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
