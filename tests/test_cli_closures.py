"""`zones closures` from the command line: add (cancelling what it hits), list with the holidays,
remove; every mistake is one line naming what was wrong."""

from __future__ import annotations

import asyncio
from typing import Any

from click.testing import CliRunner, Result
from sqlalchemy import select

from booking_support import START, as_, build_world, weekday
from zones.bookings.desks import DeskBookings
from zones.cli import main
from zones.db import create_database
from zones.models import Booking, BookingStatus, Closure, OutboxMessage, Period

SITE = "kff-cph"


def zones(url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--database-url", url, *args], obj=lambda: START)


def ann_books_q1_03_on_wednesday(url: str) -> Any:
    async def work() -> Any:
        database = create_database(url)
        try:
            world = await build_world(database)
            return await as_(
                world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(2), Period.FULL)
            )
        finally:
            await database.dispose()

    return asyncio.run(work())


def read(url: str, model: Any) -> list[Any]:
    async def work() -> list[Any]:
        database = create_database(url)
        try:
            async with database.read_session() as session:
                return list(await session.scalars(select(model)))
        finally:
            await database.dispose()

    return asyncio.run(work())


def test_closures_add_cancels_the_bookings_in_the_zone_and_list_and_remove_work(clean_url: str) -> None:
    booking = ann_books_q1_03_on_wednesday(clean_url)
    added = zones(
        clean_url,
        "closures",
        "add",
        SITE,
        "--from",
        "2026-12-02",
        "--zone",
        "1-quiet",
        "--reason",
        "Deep clean",
    )
    assert added.exit_code == 0, added.stderr
    assert "closed Quiet zone · north 2026-12-02: Deep clean" in added.stdout
    assert "cancelled 1 desk booking(s) and 0 room booking(s)" in added.stdout
    (stored,) = read(clean_url, Booking)
    assert stored.id == booking.id and stored.status is BookingStatus.CANCELLED
    (cancel,) = [m for m in read(clean_url, OutboxMessage) if m.method == "CANCEL"]
    assert "Deep clean" in cancel.subject

    listed = zones(clean_url, "closures", "list", SITE, "--from", "2026-12-01", "--to", "2026-12-31")
    assert listed.exit_code == 0, listed.stderr
    assert "3 closed day(s) or range(s)" in listed.stdout
    assert "Deep clean" in listed.stdout and "Christmas Day" in listed.stdout

    (closure,) = read(clean_url, Closure)
    removed = zones(clean_url, "closures", "remove", str(closure.id))
    assert removed.exit_code == 0, removed.stderr
    assert read(clean_url, Closure) == []


def test_closures_add_a_floor_for_several_days(clean_url: str) -> None:
    ann_books_q1_03_on_wednesday(clean_url)
    added = zones(
        clean_url, "closures", "add", SITE, "--from", "2026-12-01", "--to", "2026-12-04",
        "--floor", "1st floor", "--reason", "New carpets",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "closed 1st floor 2026-12-01 to 2026-12-04: New carpets" in added.stdout
    (closure,) = read(clean_url, Closure)
    assert closure.floor_id is not None and closure.zone_id is None


def test_closures_mistakes_are_one_line_errors(clean_url: str) -> None:
    ann_books_q1_03_on_wednesday(clean_url)
    cases = {
        ("add", "nowhere", "--from", "2026-12-02", "--reason", "x"): "No site with key 'nowhere'",
        ("add", SITE, "--from", "2.12.2026", "--reason", "x"): "--from: '2.12.2026' is not a day",
        ("add", SITE, "--from", "2026-12-03", "--to", "2026-12-02", "--reason", "x"): "is before the first",
        ("add", SITE, "--from", "2026-12-02", "--zone", "attic", "--reason", "x"): "has no zone attic",
        (
            "add",
            SITE,
            "--from",
            "2026-12-02",
            "--floor",
            "1",
            "--zone",
            "1-quiet",
            "--reason",
            "x",
        ): "not both",
        ("remove", "not-an-id"): "ID: 'not-an-id' is not a closure id",
        ("remove", "0190d7a0-0000-7000-8000-000000000000"): "No closure with id",
    }
    for args, message in cases.items():
        result = zones(clean_url, "closures", *args)
        assert result.exit_code != 0, args
        assert message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert read(clean_url, Closure) == []
