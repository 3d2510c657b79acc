"""Delivering the outbox to a real SMTP server process, retrying with back-off, and the calendar API."""

from __future__ import annotations

import mailbox
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from httpx import AsyncClient
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from booking_support import World, as_, build_world, weekday
from calendar_support import parse_both
from smtp_support import calendar_part, free_port, smtp_server_fixture
from zones.bookings.desks import DeskBookings
from zones.calendar.sender import MAX_ATTEMPTS, deliver_due
from zones.db import Database
from zones.models import OutboxMessage, OutboxStatus, Period
from zones.server.app import create_app
from zones.settings import MailSettings, Settings

smtp = smtp_server_fixture()


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


async def test_invites_reach_a_real_smtp_server_once_with_matching_method(
    world: World, smtp_server: tuple[int, mailbox.Maildir]
) -> None:
    port, maildir = smtp_server
    booking = await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL)
    )
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).cancel(booking.id))
    mail = MailSettings(enabled=True, smtp_host="127.0.0.1", smtp_port=port)
    report = await deliver_due(world.db, mail, world.clock())
    assert len(report.sent) == 2 and not report.retrying
    again = await deliver_due(world.db, mail, world.clock() + timedelta(hours=1))
    assert again.sent == [], "sent messages are not sent again"
    received = sorted(maildir, key=lambda m: calendar_part(m).get_param("method") != "REQUEST")
    assert len(received) == 2
    ann = world.people["ann"]
    for message, method in zip(received, ("REQUEST", "CANCEL"), strict=True):
        assert message["From"] == "Zones <bookings@zones.localhost>"
        assert ann.email in message["To"]
        part = calendar_part(message)
        assert part.get_param("method") == method
        text = part.get_payload(decode=True).decode()
        cal, seen = parse_both(text)
        assert cal["METHOD"] == method == seen["method"], "the part's method= equals the object's METHOD"
        assert str(cal.events[0]["ORGANIZER"]) == "mailto:bookings@zones.localhost", "ORGANIZER is the From"
        attachments = [p.get_filename() for p in message.walk() if p.get_filename()]
        assert attachments == ["invite.ics"]
        plain = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        assert "Desk Q1-03" in plain.get_payload(decode=True).decode()
    async with world.db.read_session() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert statuses == {OutboxStatus.SENT}


async def test_an_unreachable_server_means_retries_with_back_off_then_giving_up(world: World) -> None:
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL))
    mail = MailSettings(enabled=True, smtp_host="127.0.0.1", smtp_port=free_port())  # nobody listens
    now = world.clock()
    first = await deliver_due(world.db, mail, now)
    assert len(first.retrying) == 1
    async with world.db.read_session() as session:
        message = (await session.scalars(select(OutboxMessage))).one()
    assert (message.attempts, message.status) == (1, OutboxStatus.PENDING)
    assert message.next_attempt_at == now + timedelta(seconds=30)
    assert message.last_error
    assert (await deliver_due(world.db, mail, now + timedelta(seconds=10))).retrying == [], "not due yet"
    for _ in range(MAX_ATTEMPTS):
        now += timedelta(hours=2)
        await deliver_due(world.db, mail, now)
    async with world.db.read_session() as session:
        message = (await session.scalars(select(OutboxMessage))).one()
    assert (message.attempts, message.status) == (MAX_ATTEMPTS, OutboxStatus.FAILED)


@pytest.fixture
async def client(world: World) -> AsyncIterator[AsyncClient]:
    app = create_app(
        Settings(
            database_url=world.db.engine.url.render_as_string(hide_password=False),
            release_interval_s=0,
            public_url="https://zones.example.org",
        ),
        clock=world.clock,
    )
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def test_a_booking_downloads_as_ics_for_its_owner_only(world: World, client: AsyncClient) -> None:
    booking = await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL)
    )
    response = await client.get(f"/bookings/{booking.id}.ics", headers=world.headers("ann"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    cal, _ = parse_both(response.text)
    assert cal["METHOD"] == "PUBLISH"
    assert str(cal.events[0]["URL"]) == f"https://zones.example.org/bookings/{booking.id}"
    assert (await client.get(f"/bookings/{booking.id}.ics", headers=world.headers("bob"))).status_code == 404
    assert (await client.get(f"/bookings/{booking.id}.ics")).status_code == 401


async def test_a_personal_feed_lists_only_my_bookings_and_answers_304_when_unchanged(
    world: World, client: AsyncClient
) -> None:
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL))
    await as_(world, "bob", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-04"), weekday(1), Period.FULL))
    created = (await client.post("/calendar/feed", headers=world.headers("ann"))).json()
    assert created["url"].startswith("https://zones.example.org/calendar/zf_")
    assert created["webcal_url"] == "webcal://" + created["url"].removeprefix("https://")
    path = created["url"].removeprefix("https://zones.example.org")
    first = await client.get(path)
    assert first.status_code == 200
    cal, seen = parse_both(first.text)
    assert cal["METHOD"] == "PUBLISH"
    assert "REFRESH-INTERVAL" in first.text and "X-PUBLISHED-TTL:PT1H" in first.text
    assert [e["summary"] for e in seen["events"]] == ["Desk Q1-03 · Quiet zone"], "nobody else's bookings"
    etag = first.headers["etag"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 304
    await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-05"), weekday(2), Period.MORNING)
    )
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    regenerated = (await client.post("/calendar/feed", headers=world.headers("ann"))).json()
    assert (await client.get(path)).status_code == 404, "regenerating revokes the old URL"
    new_path = regenerated["url"].removeprefix("https://zones.example.org")
    assert (await client.get(new_path)).status_code == 200
    assert (await client.delete("/calendar/feed", headers=world.headers("ann"))).json() == {"revoked": 1}
    assert (await client.get(new_path)).status_code == 404
    assert (await client.get("/calendar/zt_not-a-feed.ics")).status_code == 404
