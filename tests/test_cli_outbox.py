"""`zones outbox` and `zones bookings release` from the command line: the configured SMTP server and
calendar settings are used, one unsendable invite stops nothing, and no command creates a database."""

from __future__ import annotations

import asyncio
import mailbox
from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from icalendar import Calendar
from sqlalchemy import select

from booking_support import MONDAY, START, as_, build_world
from smtp_support import smtp_server_fixture
from zones.bookings.desks import DeskBookings
from zones.calendar.outbox import render
from zones.cli import main
from zones.db import create_database
from zones.models import OutboxMessage, OutboxStatus, Period

smtp = smtp_server_fixture()

COPIED = ("recipient_name", "subject", "method", "uid", "sequence", "facts", "ics", "body")
"""What a broken copy of an invite keeps of the original."""


def zones(
    url: str, *args: str, env: dict[str, str | None] | None = None, hours_after_start: int = 0
) -> Result:
    now = START + timedelta(hours=hours_after_start)
    return CliRunner().invoke(main, ["--database-url", url, *args], env=env, obj=lambda: now)


def book_a_desk(url: str, **unsendable: Any) -> Any:
    """Ann books Q1-03 on Monday; with `unsendable`, a broken copy of her invite is stored beside it."""

    async def book() -> Any:
        database = create_database(url)
        try:
            world = await build_world(database)
            booking = await as_(
                world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), MONDAY, Period.FULL)
            )
            if unsendable:
                async with database.write_session() as session:
                    invite = (await session.scalars(select(OutboxMessage))).one()
                    session.add(
                        OutboxMessage(
                            **{name: getattr(invite, name) for name in COPIED},
                            status=OutboxStatus.PENDING,
                            attempts=0,
                            next_attempt_at=START,
                            created_at=START - timedelta(days=1),
                            **unsendable,
                        )
                    )
            return booking
        finally:
            await database.dispose()

    return asyncio.run(book())


def messages(url: str) -> list[OutboxMessage]:
    async def read() -> list[OutboxMessage]:
        database = create_database(url)
        try:
            async with database.read_session() as session:
                return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_outbox_send_delivers_to_the_smtp_server_named_by_zones_smtp_host_and_port(
    clean_url: str, smtp_server: tuple[int, mailbox.Maildir]
) -> None:
    port, maildir = smtp_server
    book_a_desk(clean_url)
    result = zones(
        clean_url, "outbox", "send", env={"ZONES_SMTP_HOST": "127.0.0.1", "ZONES_SMTP_PORT": str(port)}
    )
    assert result.exit_code == 0, result.stderr
    assert "sent 1, will retry 0, gave up on 0" in result.stdout
    assert len(list(maildir)) == 1
    assert {m.status for m in messages(clean_url)} == {OutboxStatus.SENT}


def test_outbox_send_delivers_around_an_unsendable_invite_and_show_says_why_it_failed(
    clean_url: str, smtp_server: tuple[int, mailbox.Maildir]
) -> None:
    port, maildir = smtp_server
    book_a_desk(clean_url, recipient="ann@example.org\r\nBcc: everyone@example.org")
    env: dict[str, str | None] = {"ZONES_SMTP_HOST": "127.0.0.1", "ZONES_SMTP_PORT": str(port)}
    result = zones(clean_url, "outbox", "send", env=env)
    assert result.exit_code == 0, result.stderr
    assert "sent 1, will retry 1, gave up on 0" in result.stdout
    assert len(list(maildir)) == 1
    unsendable, delivered = messages(clean_url)
    assert (unsendable.status, unsendable.attempts, delivered.status) == (
        OutboxStatus.PENDING,
        1,
        OutboxStatus.SENT,
    )
    for hours in range(2, 2 * 8, 2):
        zones(clean_url, "outbox", "send", env=env, hours_after_start=hours)
    shown = zones(clean_url, "outbox", "show", "--status", "failed")
    assert shown.exit_code == 0, shown.stderr
    assert "1 message(s)" in shown.stdout
    assert "failed" in shown.stdout and "ValueError" in shown.stdout
    assert messages(clean_url)[0].status is OutboxStatus.FAILED


def test_outbox_show_ics_prints_each_invite_as_the_sender_renders_it(clean_url: str) -> None:
    booking = book_a_desk(clean_url)
    [invite] = messages(clean_url)
    assert invite.ics is None, "the booking stored the invite's facts, not its text"
    shown = zones(clean_url, "outbox", "show", "--ics")
    assert shown.exit_code == 0, shown.stderr
    assert "\n".join(render(invite).ics.splitlines()) in "\n".join(shown.stdout.splitlines())
    assert f"UID:desk-booking-{booking.id}@127.0.0.1" in shown.stdout


def test_bookings_release_cancels_with_the_configured_organizer_and_the_uid_the_booking_was_sent_with(
    clean_url: str,
) -> None:
    booking = book_a_desk(clean_url)  # announced with the default settings: UID domain 127.0.0.1
    env: dict[str, str | None] = {
        "ZONES_MAIL_FROM": "desks@kommune.example.dk",
        "ZONES_MAIL_FROM_NAME": "Kommunens skriveborde",
        "ZONES_PUBLIC_URL": "https://zones.kommune.example.dk",
    }
    result = zones(clean_url, "bookings", "release", env=env, hours_after_start=5)
    assert result.exit_code == 0, result.stderr
    assert "released 1 booking(s)" in result.stdout
    cancel = messages(clean_url)[-1]
    event = Calendar.from_ical(render(cancel).ics).events[0]
    assert cancel.method == "CANCEL"
    assert str(event["ORGANIZER"]) == "mailto:desks@kommune.example.dk"
    assert event["ORGANIZER"].params["CN"] == "Kommunens skriveborde"
    assert str(event["URL"]) == f"https://zones.kommune.example.dk/bookings/{booking.id}"
    assert cancel.uid == str(event["UID"]) == f"desk-booking-{booking.id}@127.0.0.1"


def test_commands_on_a_missing_database_say_so_in_one_line_and_create_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "no-data-yet"
    env: dict[str, str | None] = {"ZONES_DATA_DIR": str(data_dir), "ZONES_DATABASE_URL": None}
    for command in (["outbox", "show"], ["outbox", "send"], ["bookings", "release"]):
        result = CliRunner().invoke(main, command, env=env)
        assert result.exit_code == 1, (command, result.stdout)
        assert result.stderr.strip() == (
            f"error: no database at {data_dir / 'zones.db'}: run `zones demo` (the demo office) or "
            "`zones db upgrade` (an empty one) first, or set ZONES_DATABASE_URL or ZONES_DATA_DIR"
        )
        assert not data_dir.exists(), f"{' '.join(command)} created {data_dir}"
