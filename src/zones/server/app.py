"""The Litestar application, assembled from settings."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, Tag
from litestar.plugins.htmx import HTMXPlugin

from zones import __version__
from zones.analytics.controllers import AnalyticsController
from zones.auth.links import SignInLinkController
from zones.auth.middleware import authentication_middleware, security_schemes
from zones.auth.oidc import SsoController
from zones.auth.pages import SignInController
from zones.auth.sessions import DatabaseSessions, RedisSessions, SessionStore
from zones.auth.tokens import TokenCache
from zones.auth.usage import UsageRecorder, usage_task
from zones.bookings.controllers import controllers as booking_controllers
from zones.bookings.pages import controllers as booking_pages
from zones.bookings.plan_pages import PlanPages
from zones.bookings.release import release_task
from zones.bookings.room_pages import RoomPages
from zones.bookings.schemas import request_bodies
from zones.calendar.controllers import CalendarController
from zones.calendar.outbox import calendar_config
from zones.calendar.sender import mail_task
from zones.clock import utc_now
from zones.closures.controllers import ClosureController
from zones.db import Database, create_database
from zones.db.migrate import alembic_config
from zones.jobs.carriers import job_carrier
from zones.office.controllers import controllers as office_controllers
from zones.plans.apply import PlanApplyController
from zones.plans.controllers import PlanController
from zones.plans.pages import PlannerPages
from zones.plans.schemas import PlanCreate
from zones.server.deps import dependencies
from zones.server.health import HealthController
from zones.server.limits import RequestLimits, refuse
from zones.server.openapi import close_strict_request_bodies, document_list_item_constraints
from zones.server.problems import exception_handlers, problem_details_plugin
from zones.server.state import STATE_KEY, AppState
from zones.settings import Settings
from zones.web.csrf import CsrfMiddleware
from zones.web.pages import StartPage, static_files
from zones.web.security import SecurityHeadersMiddleware

_ICS_ALIAS = re.compile(r"^/bookings/([0-9a-fA-F-]{36})\.ics$")


class ZonesApp(Litestar):
    """The Litestar app, plus `/bookings/{id}.ics` as an alias of `/bookings/{id}/calendar`, and
    the checks every request passes before routing (`server/limits.py`).

    Litestar's router takes whole path segments as parameters, so the `.ics` suffix is mapped here,
    before routing.
    """

    request_limits = RequestLimits()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if await refuse(scope, send, self.request_limits):
                return
            if match := _ICS_ALIAS.match(scope["path"]):
                path = f"/bookings/{match[1]}/calendar"
                scope = {**scope, "path": path, "raw_path": path.encode()}
        await super().__call__(scope, receive, send)


def settle_memory() -> None:
    """Move what start-up built (modules, the app, compiled statements) out of the garbage
    collector's sight, and collect young objects less often: requests make many short-lived
    objects, and full collections of a big heap were the tail of the booking latency."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 50)


GC_YOUNG_THRESHOLD = 20_000


def redis_client(url: str) -> Any:
    """A Redis client for `ZONES_REDIS_URL`, or None when it is unset (the database does its work)."""
    if not url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(url)


COMPRESSION: Final = CompressionConfig(backend="gzip", gzip_compress_level=6, minimum_size=1024)
"""Pages, styles, scripts and larger JSON answers go gzip-compressed to clients that accept it
(level 6: nearly level 9's size at a fraction of its time; small answers are not worth it)."""


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> ZonesApp:
    """Build the API for `settings` (read from the environment by default); `clock` is for tests."""
    settings = settings or Settings.from_env()
    database = database or create_database(settings.database_url, settings.pool_size)
    calendar = calendar_config(settings)
    redis = redis_client(settings.redis_url)
    sessions: SessionStore = (
        RedisSessions(settings.sign_in, redis) if redis is not None else DatabaseSessions(settings.sign_in)
    )
    state = AppState(
        database=database,
        settings=settings,
        clock=clock,
        calendar=calendar,
        token_cache=TokenCache(settings.auth_cache_seconds),
        sessions=sessions,
        session_cache=TokenCache(settings.auth_cache_seconds),
        usage=UsageRecorder(),
        redis=redis,
        jobs=job_carrier(settings),
    )
    release = release_task(database, clock, settings.release_interval_s, calendar)
    mail = mail_task(database, settings.mail, clock)
    usage = usage_task(state.usage, database, sessions, clock)

    async def close_redis() -> None:
        if redis is not None:
            await redis.aclose()

    sqlalchemy = SQLAlchemyAsyncConfig(
        engine_instance=database.engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        session_dependency_key="db_session",
        alembic_config=AlembicAsyncConfig(
            script_location=alembic_config(settings.database_url).get_main_option("script_location") or "",
        ),
        create_all=False,
    )
    app = ZonesApp(
        route_handlers=[
            HealthController,
            *office_controllers,
            *booking_controllers,
            CalendarController,
            PlanController,
            PlanApplyController,
            ClosureController,
            AnalyticsController,
            SignInController,
            SsoController,
            SignInLinkController,
            StartPage,
            *booking_pages,
            PlanPages,
            RoomPages,
            PlannerPages,
            static_files,
        ],
        dependencies=dependencies,
        middleware=[
            SecurityHeadersMiddleware,
            authentication_middleware(),
            DefineMiddleware(CsrfMiddleware, secure=settings.secure_cookies),
        ],
        plugins=[SQLAlchemyPlugin(config=sqlalchemy), problem_details_plugin(), HTMXPlugin()],
        compression_config=COMPRESSION,
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
                Tag(name="Calendar", description="Bookings as iCalendar: downloads and subscription feeds"),
                Tag(
                    name="Planning", description="CP-SAT plans of office days and seats, densification flags"
                ),
                Tag(name="Closures", description="Public holidays and closures of a site, a floor or a zone"),
                Tag(
                    name="Analytics",
                    description=(
                        "Occupancy: planned, booked, checked in and no-shows; space per person; CSV, charts"
                    ),
                ),
                Tag(name="Health", description="Liveness and schema status"),
            ],
            components=Components(security_schemes=security_schemes),
            security=[{"BearerToken": []}],
        ),
        logging_config=LoggingConfig(
            root={"level": "DEBUG" if settings.debug else "INFO", "handlers": ["queue_listener"]},
            log_exceptions="always" if settings.debug else "debug",
        ),
        on_startup=[settle_memory, release.start, mail.start, usage.start],
        on_shutdown=[release.stop, mail.stop, usage.stop, state.jobs.close, database.dispose, close_redis],
        debug=settings.debug,
        state=State({STATE_KEY: state}),
    )
    app.request_limits = RequestLimits.of(settings)
    close_strict_request_bodies(app, [*request_bodies, PlanCreate])
    document_list_item_constraints(app, [*request_bodies, PlanCreate])
    return app


logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
