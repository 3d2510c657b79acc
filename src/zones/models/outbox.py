"""The outbox: calendar invites written in the same transaction as the booking change they announce."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zones.models.base import Base, enum_column

RECIPIENT_NAME_LENGTH = 200
SUBJECT_LENGTH = 300


class OutboxStatus(enum.StrEnum):
    """Where a message is on its way out."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Gave up after the last retry; `last_error` says why."""


class OutboxMessage(Base):
    """One e-mail with an iTIP calendar object, delivered at least once by the sender.

    The booking change writes only the invite's `facts`; the sender renders the iCalendar object
    and the text from them when it sends (`zones.calendar.outbox.render`), so no booking request
    pays for building a calendar. Messages queued before 0007 carry their rendered `ics` and `body`.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    recipient: Mapped[str] = mapped_column(String(320))
    recipient_name: Mapped[str] = mapped_column(String(RECIPIENT_NAME_LENGTH))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    method: Mapped[str] = mapped_column(String(16))
    """The iTIP method (REQUEST, CANCEL); the e-mail's `method=` parameter must equal it."""
    uid: Mapped[str] = mapped_column(String(200), index=True)
    sequence: Mapped[int] = mapped_column(Integer())
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON())
    """What the invite says (`zones.calendar.outbox.outbox_row` writes it, `render` reads it)."""
    ics: Mapped[str | None] = mapped_column(Text())
    """The iCalendar object as stored before 0007; None when it is rendered from `facts`."""
    body: Mapped[str | None] = mapped_column(Text())
    """The e-mail text as stored before 0007; None when it is rendered from `facts`."""
    booking_id: Mapped[UUID | None] = mapped_column(ForeignKey("booking.id", ondelete="SET NULL"), index=True)
    room_booking_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("room_booking.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer(), default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text())
    sent_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class CalendarFeed(Base):
    """A private subscription URL for one person's bookings; only the token's hash is stored."""

    __tablename__ = "calendar_feed"

    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
