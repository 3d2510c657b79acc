"""The app's shared state, typed: what handlers and background tasks reach through `app.state`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar import Litestar

from zones.auth.principal import Principal
from zones.auth.sessions import DatabaseSessions, SessionCredential, SessionStore
from zones.auth.tokens import TokenCache
from zones.auth.usage import UsageRecorder
from zones.calendar.events import CalendarConfig
from zones.db import Database
from zones.jobs.carriers import JobCarrier, TableCarrier
from zones.office.layout import LayoutCache
from zones.settings import Settings

STATE_KEY = "zones"


@dataclass
class AppState:
    """One server's database, settings, clock, calendar settings and job carrier."""

    database: Database
    settings: Settings
    clock: Callable[[], datetime]
    calendar: CalendarConfig
    jobs: JobCarrier = field(default_factory=TableCarrier)
    """How plan runs reach the worker processes (SAQ, or the embedded database's job table)."""
    layouts: LayoutCache = field(default_factory=LayoutCache)
    """Site layouts read by this process, each checked against the office version when used."""
    token_cache: TokenCache[Principal] = field(default_factory=lambda: TokenCache(0))
    """Tokens looked up in the last seconds (`Settings.auth_cache_seconds`)."""
    sessions: SessionStore = field(default=None)  # type: ignore[assignment]
    """Where web sessions live (the database unless Redis is configured; set after init)."""
    session_cache: TokenCache[tuple[Principal, SessionCredential]] = field(
        default_factory=lambda: TokenCache(0)
    )
    """Sessions looked up in the last seconds, like tokens."""
    usage: UsageRecorder = field(default_factory=UsageRecorder)
    """When tokens and sessions were used, written every minute off the request path."""
    redis: Any = None
    """The Redis client when `ZONES_REDIS_URL` is set (sessions and rate limits)."""

    def __post_init__(self) -> None:
        if self.sessions is None:
            self.sessions = DatabaseSessions(self.settings.sign_in)

    @classmethod
    def of(cls, app: Litestar) -> AppState:
        """The state of `app` (set by `create_app`)."""
        state: AppState = app.state[STATE_KEY]
        return state
