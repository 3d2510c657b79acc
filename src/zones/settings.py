"""Settings read once from the environment."""

from __future__ import annotations

import os
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

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{self.data_dir / 'zones.db'}")
        object.__setattr__(self, "database_url", normalise_database_url(self.database_url))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ZONES_* variables; unset ones take the defaults."""
        env = os.environ if environ is None else environ
        data_dir = Path(env["ZONES_DATA_DIR"]) if env.get("ZONES_DATA_DIR") else default_data_dir()
        return cls(
            data_dir=data_dir,
            database_url=env.get("ZONES_DATABASE_URL", ""),
            host=env.get("ZONES_HOST", DEFAULT_HOST),
            port=int(env.get("ZONES_PORT", DEFAULT_PORT)),
            debug=env.get("ZONES_DEBUG", "").lower() in {"1", "true", "yes"},
            release_interval_s=float(env.get("ZONES_RELEASE_INTERVAL", 60)),
            bench_endpoints=env.get("ZONES_BENCH_ENDPOINTS", "").lower() in {"1", "true", "yes"},
        )

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is the embedded SQLite one."""
        return self.database_url.startswith("sqlite")
