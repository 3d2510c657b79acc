"""The `zones` command line: every command has help, errors are one line naming file and key."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from booking_support import MONDAY, START, as_, build_world
from helpers import minimal_office, write_office
from server_support import free_port
from zones.bookings.desks import DeskBookings
from zones.calendar.outbox import render
from zones.cli import main
from zones.db import create_database
from zones.models import OutboxMessage, Period
from zones.office.paths import demo_office_file, demo_staff_file

COMMANDS = [
    [],
    ["db"],
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["office"],
    ["office", "load"],
    ["office", "show"],
    ["staff"],
    ["staff", "import"],
    ["serve"],
    ["demo"],
    ["user", "token"],
    ["user", "revoke"],
    ["bookings", "release"],
    ["outbox", "show"],
    ["outbox", "send"],
    ["plan"],
    ["plan", "report"],
    ["plan", "scenario"],
    ["plan", "generate"],
    ["osa", "solve"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "zones")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def _zones(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--database-url", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_office_load_show_and_staff_import(clean_url: str) -> None:
    code, out, _ = _zones(clean_url, "office", "load", str(demo_office_file()))
    assert code == 0
    assert "site kff-cph created" in out
    assert "desks: 99 (99 created, 0 updated, 0 removed)" in out
    code, out, _ = _zones(clean_url, "office", "load", str(demo_office_file()))
    assert "already up to date" in out
    code, out, _ = _zones(clean_url, "staff", "import", str(demo_staff_file()))
    assert code == 0
    assert "140 rows accepted, 0 rejected" in out
    code, out, _ = _zones(clean_url, "office", "show")
    assert code == 0
    assert "Quiet zone · north" in out
    assert "desks per person 0.68" in out
    assert "Planning weights: team_gathering 2000" in out
    code, out, _ = _zones(clean_url, "office", "show", "--json")
    assert '"desks": 95' in out
    assert '"preferred_day": 60' in out


def test_broken_office_file_is_one_line_naming_file_and_key(clean_url: str, tmp_path: Path) -> None:
    document = minimal_office()
    document["floors"][0]["zones"][0]["area_m2"] = 0
    path = write_office(tmp_path / "broken.toml", document)
    code, _, err = _zones(clean_url, "office", "load", str(path))
    assert code == 2
    assert err.strip() == f"error: {path}: floors[0].zones[0].area_m2 must be > 0"
    code, _, _ = _zones(clean_url, "office", "show")
    assert code == 1, "nothing was loaded"


def test_staff_file_with_bad_rows_writes_nothing(clean_url: str, tmp_path: Path) -> None:
    _zones(clean_url, "office", "load", str(write_office(tmp_path / "o.toml", minimal_office())))
    csv = tmp_path / "staff.csv"
    csv.write_text(
        "email,name,role\nann@example.dk,Ann,employee\nbob@example.dk,Bob,chief\n", encoding="utf-8"
    )
    code, _, err = _zones(clean_url, "staff", "import", str(csv))
    assert code == 2
    assert f"{csv}:3: role 'chief' is not one of employee, planner, admin" in err
    assert "nothing written" in err
    code, out, _ = _zones(clean_url, "office", "show")
    assert "Staff: 0 people" in out
    code, out, _ = _zones(clean_url, "staff", "import", "--skip-invalid", str(csv))
    assert code == 0
    assert "written: 1 created" in out


def test_commands_refuse_a_database_without_schema(tmp_path: Path) -> None:
    (tmp_path / "empty.db").touch()  # an empty file is an SQLite database without tables
    code, _, err = _zones(f"sqlite:///{tmp_path / 'empty.db'}", "office", "show")
    assert code == 1
    assert "the database is empty, Zones needs" in err
    assert "zones db upgrade" in err


def test_db_upgrade_and_current(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'z.db'}"
    assert _zones(url, "db", "upgrade")[0] == 0
    code, out, _ = _zones(url, "db", "current")
    assert code == 0
    assert "up to date" in out


def test_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    code, _, err = _zones("postgresql://nobody@127.0.0.1:1/none", "office", "show")
    assert code == 1
    assert err.startswith("error: database postgresql+asyncpg://nobody@127.0.0.1:1/none:")
    assert len(err.strip().splitlines()) == 1


def test_demo_then_serve_on_the_embedded_default(tmp_path: Path) -> None:
    """The newcomer's path: `zones demo` fills the default SQLite database, `zones serve` answers."""
    # A newcomer's shell: no ZONES_* settings but the data folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONES_")} | {
        "ZONES_DATA_DIR": str(tmp_path)
    }
    demo = subprocess.run(
        [sys.executable, "-m", "zones", "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "zones.db").exists()
    assert "desks per person 0.68" in demo.stdout
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "zones", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    output = server.communicate(timeout=10)[0]
                    raise AssertionError(f"zones serve did not answer; it said:\n{output}") from None
                time.sleep(0.2)
        assert health.status_code == 200
        assert health.json()["database"] == "sqlite"
        assert httpx.get(f"http://127.0.0.1:{port}/sites", timeout=5).status_code == 401
        token = subprocess.run(
            [sys.executable, "-m", "zones", "user", "token", "anders.olsen@kff.example.dk"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        sites = httpx.get(f"http://127.0.0.1:{port}/sites", headers=headers, timeout=5).json()
        assert sites["items"][0]["key"] == "kff-cph"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_outbox_show_lists_invites_even_with_mail_off(clean_url: str) -> None:
    _zones(clean_url, "office", "load", str(demo_office_file()))
    _zones(clean_url, "staff", "import", str(demo_staff_file()))
    code, out, _ = _zones(clean_url, "outbox", "show")
    assert code == 0
    assert "0 message(s); e-mail delivery is off" in out


def test_outbox_show_reads_the_mail_settings_from_the_environment(clean_url: str) -> None:
    result = CliRunner().invoke(
        main, ["--database-url", clean_url, "outbox", "show"], env={"ZONES_MAIL_ENABLED": "1"}
    )
    assert result.exit_code == 0, result.stderr
    assert "0 message(s); e-mail delivery is on" in result.stdout


def test_an_unknown_employee_gets_no_token_and_a_one_line_error(clean_url: str) -> None:
    code, out, err = _zones(clean_url, "user", "token", "nobody@example.dk")
    assert (code, out) == (1, "")
    assert err.strip() == "error: no employee with e-mail nobody@example.dk"
    code, _, err = _zones(clean_url, "user", "revoke", "nobody@example.dk")
    assert code == 1
    assert err.strip() == "error: no employee with e-mail nobody@example.dk"


def test_bookings_release_follows_the_given_clock_and_links_to_the_public_url(clean_url: str) -> None:
    async def book_a_desk_nobody_checks_in_to() -> None:
        database = create_database(clean_url)
        try:
            world = await build_world(database)
            await as_(
                world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), MONDAY, Period.FULL)
            )
        finally:
            await database.dispose()

    async def released_invites() -> list[OutboxMessage]:
        database = create_database(clean_url)
        try:
            async with database.read_session() as session:
                return list(
                    await session.scalars(select(OutboxMessage).where(OutboxMessage.method == "CANCEL"))
                )
        finally:
            await database.dispose()

    asyncio.run(book_a_desk_nobody_checks_in_to())
    env = {"ZONES_PUBLIC_URL": "https://zones.example.dk/"}

    def release_at(hours_after_start: int) -> str:
        now = START + timedelta(hours=hours_after_start)
        result = CliRunner().invoke(
            main, ["--database-url", clean_url, "bookings", "release"], obj=lambda: now, env=env
        )
        assert result.exit_code == 0, result.stderr
        return result.stdout

    assert "released 0 booking(s)" in release_at(0), "08:00 in Copenhagen: check-in is still open"
    assert "released 1 booking(s)" in release_at(5)
    [invite] = asyncio.run(released_invites())
    assert "Details: https://zones.example.dk/bookings/" in render(invite).body
