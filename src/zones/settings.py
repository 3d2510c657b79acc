"""Settings read once from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from platformdirs import user_data_path
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SUPPORTED_DATABASES = ("postgresql", "sqlite")
"""The URL schemes Zones runs on (`postgres://` is taken for `postgresql://`)."""
N = TypeVar("N", int, float)
HTTP_PARSERS = ("httptools", "h11")
SERVER_HEAD_LIMIT = 1024 * 1024
"""The most of a request head (request line and headers) the HTTP server itself reads; above the
app's own limits, so the app can answer 414 or 431 with a problem detail up to this size."""


def default_data_dir() -> Path:
    """Where the embedded SQLite database lives unless ZONES_DATA_DIR says otherwise."""
    return user_data_path("zones", appauthor=False)


def normalise_database_url(url: str) -> str:
    """Give plain `postgresql://` and `sqlite://` URLs the async driver Zones runs on."""
    for prefix, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(prefix):
            return driver + url[len(prefix) :]
    return url


class InvalidSetting(ValueError):
    """A ZONES_* variable that cannot be used; the message names it."""


def _number(env: Mapping[str, str], name: str, default: N, kind: Callable[[str], N]) -> N:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        raise InvalidSetting(f"{name} must be a number, not {value!r}") from None
    if number < 0:
        raise InvalidSetting(f"{name} must not be negative, not {value!r}")
    return number


class UnsupportedDatabase(ValueError):
    """A database URL Zones cannot use; the message names it (without its password)."""


def hide_password(url: str) -> str:
    """The URL with any password replaced by `***`, also when it is not a valid URL."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def check_database_url(url: str) -> str:
    """The URL with its async driver, or `UnsupportedDatabase` saying which schemes work."""
    url = normalise_database_url(url)
    supported = " or ".join(f"{scheme}://…" for scheme in SUPPORTED_DATABASES)
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        raise UnsupportedDatabase(
            f"database URL {hide_password(url)!r} is not a URL; use {supported}"
        ) from None
    if backend not in SUPPORTED_DATABASES:
        raise UnsupportedDatabase(
            f"database URL {hide_password(url)!r} is not supported: Zones runs on {supported}"
        )
    return url


def _flag(env: Mapping[str, str], name: str) -> bool:
    return env.get(name, "").lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class MailSettings:
    """How calendar invites leave: the organizer mailbox and the SMTP server (off by default)."""

    enabled: bool = False
    """Deliver the outbox over SMTP; when off, invites still fill the outbox (`zones outbox show`)."""
    organizer: str = "bookings@zones.localhost"
    """The service mailbox: ORGANIZER of every invite and the e-mail's From."""
    organizer_name: str = "Zones"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    interval_s: float = 10.0
    """How often the server's sender looks for due messages."""


def _words(value: str) -> tuple[str, ...]:
    """A list setting: words separated by commas or spaces."""
    return tuple(word for word in re.split(r"[,\s]+", value.strip()) if word)


@dataclass(frozen=True)
class OidcSettings:
    """Single sign-on with an OpenID Connect provider (Entra ID, Keycloak, Google Workspace, …).

    Off unless `issuer` and `client_id` are set."""

    issuer: str = ""
    """The provider's issuer URL; its discovery document is `{issuer}/.well-known/openid-configuration`."""
    client_id: str = ""
    client_secret: str = ""
    scopes: tuple[str, ...] = ("openid", "email", "profile")
    groups_claim: str = "groups"
    """The ID-token (or userinfo) claim that lists the person's groups."""
    planner_groups: tuple[str, ...] = ()
    """Members of any of these groups sign in as planners."""
    admin_groups: tuple[str, ...] = ()
    """Members of any of these groups sign in as admins (above planner)."""
    create_unknown: bool = False
    """Create someone the provider vouches for but who is not in the staff list, as an employee of
    the default site (off: they see a page that says to ask a planner)."""
    label: str = ""
    """The provider's name on the sign-in button, e.g. "Microsoft" (default: "your organisation")."""

    @property
    def enabled(self) -> bool:
        return bool(self.issuer and self.client_id)

    def role_for(self, groups: list[str] | tuple[str, ...]) -> str | None:
        """The role the groups give, or None if no group maps to one (the person keeps their role)."""
        member = set(groups)
        if member & set(self.admin_groups):
            return "admin"
        if member & set(self.planner_groups):
            return "planner"
        return None


@dataclass(frozen=True)
class SignInSettings:
    """Sessions, e-mail links, rate limits and client addresses of people signing in."""

    session_idle_s: float = 8 * 3600
    """A session not used for this long ends (8 hours)."""
    session_absolute_s: float = 30 * 24 * 3600
    """A session ends this long after sign-in, however busy (30 days)."""
    link_minutes: float = 15
    """How long an e-mail sign-in link works (once)."""
    link_limit_per_address: int = 5
    """E-mail links one address may ask for per `limit_window_s`."""
    attempts_per_client: int = 30
    """Sign-in attempts (links asked for, links and SSO answers used) from one client address per window."""
    limit_window_s: float = 15 * 60
    trusted_proxies: tuple[str, ...] = ()
    """Reverse proxies (addresses or networks) whose X-Forwarded-For names the client."""


@dataclass(frozen=True)
class Settings:
    """Runtime settings: the database, where files go, and where the server listens."""

    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str = ""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    debug: bool = False
    release_interval_s: float = 60.0
    """How often the server frees desks nobody checked in to (0 turns it off)."""
    public_url: str = ""
    """Where people reach Zones (links in invites and feed URLs); defaults to http://host:port."""
    mail: MailSettings = field(default_factory=lambda: MailSettings())
    workers: int = 0
    """Server processes `zones serve` starts, each with its own connection pool. 0 (the default):
    the number of cores on PostgreSQL, and 1 on SQLite, which takes one writer at a time (a second
    process only adds waiting for its lock)."""
    db_connections: int = 60
    """PostgreSQL connections one server may hold in all, shared out between its workers; keep it
    below the database's `max_connections` (100 by default) less what the CLI and tools need."""
    db_pool_size: int | None = None
    """PostgreSQL connections per server process; unset, `db_connections` shared out by `workers`."""
    http: str = "h11"
    """The HTTP parser `zones serve` runs: `h11` reads request heads only up to `server_head_limit`;
    `httptools` (C) bounds the request target at 64 kB but not the headers: use it behind a proxy."""
    access_log: bool = False
    """Log every request (off: the reverse proxy in front usually does, and it costs CPU per request)."""
    auth_cache_seconds: float = 5.0
    """How long a server process trusts a token it has looked up: a revoked or expired token stops
    working within this time (0 looks every token up on every request)."""
    max_url_bytes: int = 8192
    """Longest request target (path and query) the API reads; longer ones answer 414."""
    max_header_bytes: int = 16384
    """Most bytes of request headers the API reads; more answer 431."""
    redis_url: str = ""
    """Redis for sessions and rate limits shared by several servers (unset: the database), and for
    the plan job queue (unset: PostgreSQL, or the embedded database's job table)."""
    job_stale_s: float = 15.0
    """A running plan whose worker wrote no heartbeat for this long is marked failed (its worker
    was killed); workers write one every second."""
    worker_poll_s: float = 0.5
    """How often a worker on the embedded database looks for queued jobs."""
    whatif_steps: int = 6
    """After a plan is done, its worker draws the what-if curve: this many steps of 5 % fewer desks
    (0: none)."""
    whatif_step_s: float = 5.0
    """Seconds the planner gets for each step of the what-if curve."""
    oidc: OidcSettings = field(default_factory=lambda: OidcSettings())
    sign_in: SignInSettings = field(default_factory=lambda: SignInSettings())
    demo: bool = False
    """Demo mode (`zones demo`): the sign-in page offers "sign in as" the demo people. Never set it
    on a real server."""
    default_locale: str = ""
    """The web pages' language when neither the profile nor the browser says (unset: from the
    site's country: Danish for DK, else English)."""

    def __post_init__(self) -> None:
        if not self.public_url:
            object.__setattr__(self, "public_url", f"http://{self.host}:{self.port}")
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{self.data_dir / 'zones.db'}")
        object.__setattr__(self, "database_url", normalise_database_url(self.database_url))
        if self.oidc.issuer and not self.oidc.issuer.startswith(("https://", "http://")):
            raise InvalidSetting(f"ZONES_OIDC_ISSUER must be an http(s) URL, not {self.oidc.issuer!r}")
        if self.http not in HTTP_PARSERS:
            raise InvalidSetting(f"ZONES_HTTP must be one of {', '.join(HTTP_PARSERS)}, not {self.http!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read ZONES_* variables; unset ones take the defaults."""
        env = os.environ if environ is None else environ
        data_dir = Path(env["ZONES_DATA_DIR"]) if env.get("ZONES_DATA_DIR") else default_data_dir()
        return cls(
            data_dir=data_dir,
            database_url=env.get("ZONES_DATABASE_URL", ""),
            host=env.get("ZONES_HOST", DEFAULT_HOST),
            port=int(env.get("ZONES_PORT", DEFAULT_PORT)),
            debug=_flag(env, "ZONES_DEBUG"),
            release_interval_s=float(env.get("ZONES_RELEASE_INTERVAL", 60)),
            public_url=env.get("ZONES_PUBLIC_URL", ""),
            workers=_number(env, "ZONES_WORKERS", 0, int),
            db_connections=_number(env, "ZONES_DB_CONNECTIONS", Settings.db_connections, int),
            db_pool_size=_number(env, "ZONES_DB_POOL_SIZE", 0, int) or None,
            http=env.get("ZONES_HTTP", Settings.http),
            access_log=_flag(env, "ZONES_ACCESS_LOG"),
            auth_cache_seconds=_number(env, "ZONES_AUTH_CACHE_SECONDS", Settings.auth_cache_seconds, float),
            max_url_bytes=int(env.get("ZONES_MAX_URL_BYTES", Settings.max_url_bytes)),
            max_header_bytes=int(env.get("ZONES_MAX_HEADER_BYTES", Settings.max_header_bytes)),
            redis_url=env.get("ZONES_REDIS_URL", ""),
            job_stale_s=_number(env, "ZONES_JOB_STALE_SECONDS", Settings.job_stale_s, float),
            worker_poll_s=_number(env, "ZONES_WORKER_POLL_SECONDS", Settings.worker_poll_s, float),
            whatif_steps=_number(env, "ZONES_WHATIF_STEPS", Settings.whatif_steps, int),
            whatif_step_s=_number(env, "ZONES_WHATIF_STEP_SECONDS", Settings.whatif_step_s, float),
            demo=_flag(env, "ZONES_DEMO"),
            default_locale=env.get("ZONES_LOCALE", ""),
            oidc=OidcSettings(
                issuer=env.get("ZONES_OIDC_ISSUER", "").rstrip("/"),
                client_id=env.get("ZONES_OIDC_CLIENT_ID", ""),
                client_secret=env.get("ZONES_OIDC_CLIENT_SECRET", ""),
                scopes=_words(env.get("ZONES_OIDC_SCOPES", "")) or OidcSettings.scopes,
                groups_claim=env.get("ZONES_OIDC_GROUPS_CLAIM", OidcSettings.groups_claim),
                planner_groups=_words(env.get("ZONES_OIDC_PLANNER_GROUPS", "")),
                admin_groups=_words(env.get("ZONES_OIDC_ADMIN_GROUPS", "")),
                create_unknown=_flag(env, "ZONES_OIDC_CREATE_UNKNOWN"),
                label=env.get("ZONES_OIDC_LABEL", ""),
            ),
            sign_in=SignInSettings(
                session_idle_s=_number(env, "ZONES_SESSION_IDLE_HOURS", 8.0, float) * 3600,
                session_absolute_s=_number(env, "ZONES_SESSION_DAYS", 30.0, float) * 24 * 3600,
                link_minutes=_number(env, "ZONES_LINK_MINUTES", SignInSettings.link_minutes, float),
                link_limit_per_address=_number(
                    env, "ZONES_LINK_LIMIT", SignInSettings.link_limit_per_address, int
                ),
                attempts_per_client=_number(
                    env, "ZONES_SIGN_IN_LIMIT", SignInSettings.attempts_per_client, int
                ),
                trusted_proxies=_words(env.get("ZONES_TRUSTED_PROXIES", "")),
            ),
            mail=MailSettings(
                enabled=_flag(env, "ZONES_MAIL_ENABLED"),
                organizer=env.get("ZONES_MAIL_FROM", MailSettings.organizer),
                organizer_name=env.get("ZONES_MAIL_FROM_NAME", MailSettings.organizer_name),
                smtp_host=env.get("ZONES_SMTP_HOST", MailSettings.smtp_host),
                smtp_port=int(env.get("ZONES_SMTP_PORT", MailSettings.smtp_port)),
                starttls=_flag(env, "ZONES_SMTP_STARTTLS"),
                username=env.get("ZONES_SMTP_USERNAME") or None,
                password=env.get("ZONES_SMTP_PASSWORD") or None,
                interval_s=float(env.get("ZONES_MAIL_INTERVAL", MailSettings.interval_s)),
            ),
        )

    @property
    def server_head_limit(self) -> int:
        """What the HTTP server itself reads of a request head: enough for the app to refuse it."""
        return max(SERVER_HEAD_LIMIT, 2 * (self.max_url_bytes + self.max_header_bytes))

    @property
    def worker_count(self) -> int:
        """`workers`, or its default: the number of cores on PostgreSQL, 1 on SQLite."""
        if self.workers > 0:
            return self.workers
        return 1 if self.is_sqlite else os.cpu_count() or 1

    @property
    def pool_size(self) -> int:
        """PostgreSQL connections each server process keeps: all its workers together stay within
        `db_connections`."""
        if self.db_pool_size is not None:
            return max(1, self.db_pool_size)
        return max(2, self.db_connections // self.worker_count)

    @property
    def secure_cookies(self) -> bool:
        """Cookies are marked Secure when people reach Zones over https."""
        return self.public_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is the embedded SQLite one."""
        return self.database_url.startswith("sqlite")
