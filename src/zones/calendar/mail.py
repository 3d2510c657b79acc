"""E-mail for an outbox message: text for people, and the iTIP object for calendars (RFC 6047)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import TYPE_CHECKING

from icalendar import Calendar

from zones.models import OutboxMessage
from zones.settings import MailSettings

if TYPE_CHECKING:
    from zones.calendar.outbox import RenderedInvite


def header_text(text: str, limit: int | None = None) -> str:
    """`text` made fit for one e-mail header: one line, no control characters, at most `limit` long.

    Names and titles are typed by people; a line break in one would end the header (or, read by
    the e-mail library, refuse the whole message), so every header built from them goes through here.
    """
    words = "".join(c for c in " ".join(text.split()) if unicodedata.category(c) != "Cc")
    if limit is not None and len(words) > limit:
        words = words[: limit - 1].rstrip() + "…"
    return words


def compose(
    message: OutboxMessage, invite: RenderedInvite, mail: MailSettings, now: datetime
) -> EmailMessage:
    """The e-mail carrying `message`'s rendered `invite`, shaped like the invites Google and Outlook send.

    multipart/mixed holds multipart/alternative (text/plain and `text/calendar; method=…`) and the
    same object as an `invite.ics` attachment. The part's method always equals the object's
    METHOD: Outlook rejects the invite otherwise. Names and the subject are made one line here too,
    so even text stored before that rule cannot break a header.
    """
    email = EmailMessage()
    # From is the invite's ORGANIZER, whatever the settings say now: clients match the two.
    organizer = Calendar.from_ical(invite.ics).walk("VEVENT")[0].get("ORGANIZER")
    sender = str(organizer).removeprefix("mailto:") if organizer else mail.organizer
    sender_name = organizer.params.get("CN", mail.organizer_name) if organizer else mail.organizer_name
    email["From"] = formataddr((header_text(sender_name), sender))
    email["To"] = formataddr((header_text(message.recipient_name), message.recipient))
    email["Subject"] = header_text(message.subject)
    email["Date"] = format_datetime(now)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    email.set_content(invite.body)
    email.add_alternative(invite.ics, subtype="calendar", params={"method": message.method})
    email.make_mixed()
    email.add_attachment(
        invite.ics.encode("utf-8"), maintype="application", subtype="ics", filename="invite.ics"
    )
    return email
