"""Settings read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


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
    bench_endpoints: bool = False
    """Mount the benchmark's baseline endpoint (never in production)."""
    public_url: str = ""
    """Where people reach Zones (links in invites and feed URLs); defaults to http://host:port."""
    mail: MailSettings = field(default_factory=lambda: MailSettings())
    db_pool_size: int = 20
    """PostgreSQL connections kept per server process (plus as many again in overflow)."""

    def __post_init__(self) -> None:
        if not self.public_url:
            object.__setattr__(self, "public_url", f"http://{self.host}:{self.port}")
        object.__setattr__(self, "public_url", self.public_url.rstrip("/"))
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{self.data_dir / 'zones.db'}")
        object.__setattr__(self, "database_url", normalise_database_url(self.database_url))

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
            bench_endpoints=_flag(env, "ZONES_BENCH_ENDPOINTS"),
            public_url=env.get("ZONES_PUBLIC_URL", ""),
            db_pool_size=int(env.get("ZONES_DB_POOL_SIZE", 20)),
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
    def is_sqlite(self) -> bool:
        """Whether the configured database is the embedded SQLite one."""
        return self.database_url.startswith("sqlite")
