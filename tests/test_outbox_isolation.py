"""A message that cannot be sent is isolated: counted, backed off and failed after the limit, while
every other message is still delivered; headers built from people's text are one line by construction."""

from __future__ import annotations

import mailbox
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest
from sqlalchemy import select, update

from booking_support import START, World, as_, build_world, weekday
from smtp_support import smtp_server_fixture
from zones.bookings.desks import DeskBookings
from zones.bookings.rooms import RoomBookings
from zones.calendar.outbox import render
from zones.calendar.sender import MAX_ATTEMPTS, deliver_due, deliver_until_done
from zones.db import Database
from zones.models import OutboxMessage, OutboxStatus, Period, Room
from zones.models.outbox import SUBJECT_LENGTH
from zones.settings import MailSettings

smtp = smtp_server_fixture()

INJECTED = "Bcc: everyone@example.org"
COPIED = ("recipient", "recipient_name", "subject", "method", "uid", "sequence", "facts", "ics", "body")


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


async def store_directly(world: World, **changes: Any) -> OutboxMessage:
    """A copy of a stored invite with `changes`, written straight to the table as an old bad row would be."""
    async with world.db.write_session() as session:
        model = (
            await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at.desc()))
        ).first()
        assert model is not None
        values = {name: getattr(model, name) for name in COPIED}
        message = OutboxMessage(
            **values
            | {"status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": world.clock()}
            | changes
        )
        session.add(message)
    return message


async def stored(world: World, message_id: Any) -> OutboxMessage:
    async with world.db.read_session() as session:
        return await session.get_one(OutboxMessage, message_id)


async def test_an_unsendable_message_is_backed_off_and_failed_while_every_other_one_is_delivered(
    world: World, smtp_server: tuple[int, mailbox.Maildir]
) -> None:
    port, maildir = smtp_server
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL))
    await as_(world, "bob", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-04"), weekday(1), Period.FULL))
    # First in line: an address with a line break can never be sent.
    unsendable = await store_directly(
        world, recipient=f"ann@example.org\r\n{INJECTED}", created_at=START - timedelta(days=1)
    )
    # A workshop title and a name with line breaks, stored before input was validated.
    broken_title = await store_directly(
        world,
        subject=f"Invitation: Budget\r\n{INJECTED} · Harbour, Tue 01 Dec 2026",
        recipient_name="Ann\r\nHolm",
    )
    mail = MailSettings(enabled=True, smtp_host="127.0.0.1", smtp_port=port)
    now = world.clock()

    report = await deliver_due(world.db, mail, now)

    assert report.retrying == [unsendable.id]
    assert len(report.sent) == 3 and broken_title.id in report.sent
    received = [message_from_bytes(message.as_bytes(), policy=policy.default) for message in maildir]
    assert len(received) == 3
    assert all(message["Bcc"] is None for message in received), "nothing injected a header"
    subjects = {message["Subject"] for message in received}
    assert f"Invitation: Budget {INJECTED} · Harbour, Tue 01 Dec 2026" in subjects
    assert any(message["To"].startswith("Ann Holm <") for message in received)
    bad = await stored(world, unsendable.id)
    assert (bad.status, bad.attempts) == (OutboxStatus.PENDING, 1), "the try is counted"
    assert bad.next_attempt_at == now + timedelta(seconds=30), "and backed off"
    assert bad.last_error is not None and bad.last_error.startswith("ValueError")

    # Later invites still go out while the bad one keeps failing, until it is given up on.
    await as_(world, "eve", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-05"), weekday(2), Period.FULL))
    later = await deliver_due(world.db, mail, now + timedelta(seconds=10))
    assert len(later.sent) == 1 and later.retrying == []
    for _ in range(MAX_ATTEMPTS - 1):
        now += timedelta(hours=2)
        await deliver_due(world.db, mail, now)
    bad = await stored(world, unsendable.id)
    assert (bad.status, bad.attempts) == (OutboxStatus.FAILED, MAX_ATTEMPTS)
    assert len(list(maildir)) == 4


async def test_a_batch_full_of_refused_messages_does_not_hold_up_the_ones_behind_it(world: World) -> None:
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL))
    refused = {f"gone-{n}@example.org" for n in range(3)}
    for n, address in enumerate(sorted(refused)):
        await store_directly(world, recipient=address, created_at=START - timedelta(days=1, minutes=-n))
    delivered: list[str] = []

    async def send(email: EmailMessage, _: MailSettings) -> None:
        address = str(email["To"]).rpartition("<")[2].rstrip(">")
        if address in refused:
            raise aiosmtplib.SMTPRecipientRefused(550, "no such mailbox", address)
        delivered.append(address)

    report = await deliver_until_done(world.db, MailSettings(enabled=True), world.clock, batch=2, send=send)
    assert delivered == [world.people["ann"].email]
    assert (len(report.sent), len(report.retrying), report.failed) == (1, 3, [])


async def test_long_titles_and_room_names_give_a_subject_that_fits_the_outbox(world: World) -> None:
    room = world.rooms["W-HAVNEN"]
    async with world.db.write_session() as session:
        await session.execute(update(Room).where(Room.id == room.id).values(name="Havnen " + "x" * 150))
    title = "Budget workshop " + "y" * 180
    await as_(
        world,
        "ann",
        lambda ctx: RoomBookings(ctx).book(
            room.id, title, datetime(2026, 12, 1, 9), datetime(2026, 12, 1, 11), ["b@example.org"]
        ),
    )
    async with world.db.read_session() as session:
        subjects = list(await session.scalars(select(OutboxMessage.subject)))
    assert len(subjects) == 2
    assert all(len(subject) <= SUBJECT_LENGTH and subject.endswith("…") for subject in subjects)
    assert all(subject.startswith("Invitation: Budget workshop yyy") for subject in subjects)


async def test_a_message_whose_invite_cannot_be_rendered_is_backed_off_while_the_others_go(
    world: World,
) -> None:
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL))
    unreadable = await store_directly(world, facts={"version": 1, "uid": "half-written"})
    no_facts = await store_directly(world, facts=None, ics=None, body=None)
    delivered: list[EmailMessage] = []

    async def send(email: EmailMessage, _: MailSettings) -> None:
        delivered.append(email)

    now = world.clock()
    report = await deliver_due(world.db, MailSettings(enabled=True), now, send=send)

    assert len(report.sent) == 1 and len(delivered) == 1
    assert sorted(report.retrying) == sorted([unreadable.id, no_facts.id])
    bad = await stored(world, unreadable.id)
    assert (bad.status, bad.attempts, bad.next_attempt_at) == (
        OutboxStatus.PENDING,
        1,
        now + timedelta(seconds=30),
    )
    assert bad.last_error is not None and bad.last_error.startswith("KeyError")
    empty = await stored(world, no_facts.id)
    assert empty.last_error is not None and "neither stored text nor facts" in empty.last_error


async def test_a_message_queued_before_invites_were_rendered_at_sending_is_sent_with_its_stored_text(
    world: World,
) -> None:
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL))
    async with world.db.read_session() as session:
        new = (await session.scalars(select(OutboxMessage))).one()
    ics = render(new).ics.replace("SUMMARY:Desk Q1-03", "SUMMARY:Stored Desk Q1-03")
    old = await store_directly(world, facts=None, ics=ics, body="Stored before 0007")
    delivered: dict[str, EmailMessage] = {}

    async def send(email: EmailMessage, _: MailSettings) -> None:
        delivered[email.get_body(("plain",)).get_content()] = email  # type: ignore[union-attr]

    report = await deliver_due(world.db, MailSettings(enabled=True), world.clock(), send=send)

    assert sorted(report.sent) == sorted([new.id, old.id])
    assert set(delivered) == {render(new).body + "\n", "Stored before 0007\n"}
    stored_email = delivered["Stored before 0007\n"]
    calendar_text = next(p for p in stored_email.walk() if p.get_content_type() == "text/calendar")
    assert calendar_text.get_content() == ics.replace("\r\n", "\n")


def test_header_text_is_one_line_without_control_characters() -> None:
    from zones.calendar.mail import header_text

    assert header_text("Budget\r\nBcc: x\tand\x00 more\u2028end") == "Budget Bcc: x and more end"
    assert header_text("abcdef", 4) == "abc…"
    assert header_text("Ann Holm") == "Ann Holm"
