"""Smaller CLI fixes: token expiry, unsupported database URLs, the verdict of a first office load,
and `zones demo --port` reaching the app the server builds."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import import_csv, minimal_office, write_office
from zones.auth.tokens import authenticate_token, issue_token
from zones.cli import main
from zones.db import create_database
from zones.errors import InvalidInput
from zones.server.app import create_app
from zones.settings import Settings, UnsupportedDatabase

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _zones(url: str, *args: str, clock: Any = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--database-url", url, *args], obj=clock)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def person(clean_url: str, tmp_path: Path) -> str:
    staff = tmp_path / "staff.csv"
    staff.write_text("email,name\nann@example.dk,Ann Holm\n", encoding="utf-8")

    async def add() -> None:
        database = create_database(clean_url)
        await import_csv(database, staff)
        await database.dispose()

    asyncio.run(add())
    return "ann@example.dk"


async def _works_at(url: str, token: str, moment: datetime) -> bool:
    database = create_database(url)
    try:
        async with database.read_session() as session:
            return await authenticate_token(session, token, clock=lambda: moment) is not None
    finally:
        await database.dispose()


@pytest.mark.parametrize("days", ["0", "-1"])
def test_a_token_must_live_at_least_a_day(clean_url: str, person: str, days: str) -> None:
    code, out, err = _zones(clean_url, "user", "token", person, "--expires-days", days)
    assert code == 2, out
    assert "--expires-days" in err and "x>=1" in err
    assert out == ""


def test_a_token_expires_exactly_after_its_days(clean_url: str, person: str) -> None:
    code, out, _ = _zones(clean_url, "user", "token", person, "--expires-days", "1", clock=lambda: NOW)
    assert code == 0
    token = out.strip()
    assert asyncio.run(_works_at(clean_url, token, NOW + timedelta(days=1) - timedelta(seconds=1)))
    assert not asyncio.run(_works_at(clean_url, token, NOW + timedelta(days=1)))


def test_a_token_without_expiry_keeps_working(clean_url: str, person: str) -> None:
    code, out, _ = _zones(clean_url, "user", "token", person, clock=lambda: NOW)
    assert code == 0
    assert asyncio.run(_works_at(clean_url, out.strip(), NOW + timedelta(days=3650)))


async def test_issuing_a_token_that_is_already_expired_is_refused(db: Any) -> None:
    for expires_in in (timedelta(0), timedelta(days=-1)):
        with pytest.raises(InvalidInput) as caught:
            async with db.write_session() as session:
                await issue_token(session, "nobody@example.dk", expires_in=expires_in)
        assert caught.value.code == "invalid-expiry"


def test_a_token_name_with_a_control_character_is_refused(clean_url: str, person: str) -> None:
    code, out, err = _zones(clean_url, "user", "token", person, "--name", "laptop\x1b[2J")
    assert code == 2
    assert "must be one line of text without control characters (found U+001B)" in err
    assert out == ""


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://zones:s3cret@db.example.com/zones", "mysql://zones:***@db.example.com/zones"),
        ("oracle+cx_oracle://scott:tiger@host/db", "oracle+cx_oracle://scott:***@host/db"),
        ("not a url at all", "not a url at all"),
    ],
)
@pytest.mark.parametrize("command", [["db", "current"], ["db", "upgrade"], ["office", "show"], ["serve"]])
def test_an_unsupported_database_url_is_one_line_naming_it(url: str, shown: str, command: list[str]) -> None:
    code, out, err = _zones(url, *command)
    assert code == 1, out
    assert err.count("\n") == 1, err
    assert err.startswith(f"error: database URL '{shown}' ")
    assert "postgresql://" in err and "sqlite://" in err
    assert "s3cret" not in err + out and "tiger" not in err + out
    assert "Traceback" not in err


def test_create_app_refuses_an_unsupported_database_url_clearly() -> None:
    with pytest.raises(UnsupportedDatabase, match=r"'mysql://u:\*\*\*@h/db' is not supported"):
        create_app(Settings(database_url="mysql://u:secret@h/db"))


def test_the_first_load_of_a_site_says_created(clean_url: str, tmp_path: Path) -> None:
    document = minimal_office()
    office = write_office(tmp_path / "office.toml", document)
    code, out, _ = _zones(clean_url, "office", "load", str(office))
    assert code == 0
    assert f"{office}: site hq created" in out
    assert "site hq updated" not in out
    _, again, _ = _zones(clean_url, "office", "load", str(office))
    assert "site hq already up to date" in again
    document["site"]["name"] = "Head office"
    _, changed, _ = _zones(clean_url, "office", "load", str(write_office(office, document)))
    assert "site hq updated" in changed


@pytest.fixture
def captured_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """Stand in for uvicorn: build the app the way it would (the factory, reading the environment)."""
    import uvicorn

    # `zones serve` hands its settings to the app factory through the environment: put it back after.
    saved = dict(os.environ)
    for name in ("ZONES_HOST", "ZONES_PORT", "ZONES_PUBLIC_URL", "ZONES_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    started: dict[str, Any] = {}

    def run(app: str, **options: Any) -> None:
        assert app == "zones.server.app:create_app" and options["factory"]
        started.update(options, settings=Settings.from_env(), environ=dict(os.environ))

    monkeypatch.setattr(uvicorn, "run", run)
    yield started
    os.environ.clear()
    os.environ.update(saved)


def test_serve_port_and_host_reach_the_app_factory(clean_url: str, captured_server: dict[str, Any]) -> None:
    code, _, err = _zones(clean_url, "serve", "--host", "127.0.0.2", "--port", "8123")
    assert code == 0, err
    settings: Settings = captured_server["settings"]
    assert (captured_server["host"], captured_server["port"]) == ("127.0.0.2", 8123)
    assert settings.public_url == "http://127.0.0.2:8123"
    assert (
        captured_server["h11_max_incomplete_event_size"] > settings.max_url_bytes + settings.max_header_bytes
    )


def test_demo_port_reaches_the_app_factory(tmp_path: Path, captured_server: dict[str, Any]) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    code, _, err = _zones(url, "demo", "--port", "8124")
    assert code == 0, err
    assert captured_server["port"] == 8124
    assert captured_server["settings"].public_url == "http://127.0.0.1:8124"
