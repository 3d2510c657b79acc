"""The Litestar application, assembled from settings."""

from __future__ import annotations

import logging

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
from zones.api.health import HealthController
from zones.api.office.controllers import controllers as office_controllers
from zones.api.problems import exception_handlers, problem_details_plugin
from zones.db import Database, create_database
from zones.db.migrate import alembic_config
from zones.settings import Settings


def create_app(settings: Settings | None = None, database: Database | None = None) -> Litestar:
    """Build the API for `settings` (read from the environment by default)."""
    settings = settings or Settings.from_env()
    database = database or create_database(settings.database_url)
    sqlalchemy = SQLAlchemyAsyncConfig(
        engine_instance=database.engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        session_dependency_key="db_session",
        alembic_config=AlembicAsyncConfig(
            script_location=alembic_config(settings.database_url).get_main_option("script_location") or "",
        ),
        create_all=False,
    )
    return Litestar(
        route_handlers=[HealthController, *office_controllers],
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
                Tag(name="Health", description="Liveness and schema status"),
            ],
            components=Components(),
        ),
        logging_config=LoggingConfig(
            root={"level": "DEBUG" if settings.debug else "INFO", "handlers": ["queue_listener"]},
            log_exceptions="always" if settings.debug else "debug",
        ),
        on_shutdown=[database.dispose],
        debug=settings.debug,
        state=State({"database": database, "settings": settings}),
    )


logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
