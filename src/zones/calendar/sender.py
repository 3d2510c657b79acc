"""The outbox sender: claims due messages, delivers them over SMTP, retries with back-off.

Delivery is at least once: a message is marked sent only after the SMTP server accepted it, so a
crash in between sends it again, and the stable UID and SEQUENCE make the repeat harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from uuid import UUID

import aiosmtplib
from sqlalchemy import select

from zones.calendar.mail import compose
from zones.calendar.outbox import render
from zones.clock import Clock
from zones.db import Database
from zones.models import OutboxMessage, OutboxStatus
from zones.periodic import PeriodicTask
from zones.settings import MailSettings

logger = logging.getLogger("zones.outbox")

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)
"""How long a claimed message is left alone by other senders."""

Send = Callable[[EmailMessage, MailSettings], Awaitable[None]]


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min … at most an hour."""
    return min(timedelta(seconds=30 * 2 ** (attempts - 1)), timedelta(hours=1))


async def smtp_send(email: EmailMessage, mail: MailSettings) -> None:
    """Hand one e-mail to the configured SMTP server."""
    await aiosmtplib.send(
        email,
        hostname=mail.smtp_host,
        port=mail.smtp_port,
        start_tls=mail.starttls,
        username=mail.username,
        password=mail.password,
        timeout=30,
    )


@dataclass
class DeliveryReport:
    """What one round of sending did."""

    sent: list[UUID] = field(default_factory=list)
    retrying: list[UUID] = field(default_factory=list)
    failed: list[UUID] = field(default_factory=list)


async def deliver_due(
    database: Database, mail: MailSettings, now: datetime, *, batch: int = 50, send: Send = smtp_send
) -> DeliveryReport:
    """Deliver every message that is due, up to `batch`; one that cannot be sent holds up no other."""
    due = await _claim(database, now, batch)
    outcomes = {message.id: await _send_one(message, mail, now, send) for message in due}
    report = DeliveryReport()
    if not outcomes:
        return report
    async with database.write_session() as session:
        for message in await session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(list(outcomes)))
        ):
            error = outcomes[message.id]
            if error is None:
                message.status, message.sent_at, message.last_error = OutboxStatus.SENT, now, None
                report.sent.append(message.id)
            elif message.attempts >= MAX_ATTEMPTS:
                message.status, message.last_error = OutboxStatus.FAILED, error
                report.failed.append(message.id)
                logger.error(
                    "giving up on invite to %r after %d attempts: %s",
                    message.recipient,
                    message.attempts,
                    error,
                )
            else:
                message.next_attempt_at, message.last_error = now + backoff(message.attempts), error
                report.retrying.append(message.id)
                logger.warning(
                    "invite to %r not sent (attempt %d): %s", message.recipient, message.attempts, error
                )
    return report


async def deliver_until_done(
    database: Database, mail: MailSettings, clock: Clock, *, batch: int = 50, send: Send = smtp_send
) -> DeliveryReport:
    """Deliver due messages round after round until none is due (`zones outbox send`).

    A round that sends nothing does not end it: a whole batch of messages that cannot be sent is
    backed off, and the next round reaches the messages behind them.
    """
    total = DeliveryReport()
    while True:
        report = await deliver_due(database, mail, clock(), batch=batch, send=send)
        if not (report.sent or report.retrying or report.failed):
            return total
        total.sent += report.sent
        total.retrying += report.retrying
        total.failed += report.failed


async def _claim(database: Database, now: datetime, batch: int) -> list[OutboxMessage]:
    """Take the due messages for one round: count the try and lease them, committed before sending.

    The try is counted in its own transaction, so a message that fails every time still reaches
    the limit and is marked failed, instead of rolling back its count and blocking the batch.
    """
    async with database.write_session() as session:
        due = list(
            await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        for message in due:
            message.attempts += 1
            message.next_attempt_at = now + LEASE
    return due


async def _send_one(message: OutboxMessage, mail: MailSettings, now: datetime, send: Send) -> str | None:
    """Render, compose and send one message: None when the server accepted it, else why not.

    A message whose invite cannot be rendered fails like one the server refuses: counted, backed
    off and in the end given up on, with the reason in `last_error`.
    """
    try:
        await send(compose(message, render(message), mail, now), mail)
    except Exception as failure:  # whatever one message does wrong, the others still go out
        return f"{type(failure).__name__}: {failure}"
    return None


def mail_task(database: Database, mail: MailSettings, clock: Clock) -> PeriodicTask:
    """Deliver the outbox every few seconds inside the server process, when mail is on."""

    async def deliver() -> None:
        await deliver_due(database, mail, clock())

    return PeriodicTask("zones-outbox-sender", mail.interval_s if mail.enabled else 0, deliver, logger)
