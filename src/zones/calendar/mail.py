"""E-mail for an outbox message: text for people, and the iTIP object for calendars (RFC 6047)."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from icalendar import Calendar

from zones.models import OutboxMessage
from zones.settings import MailSettings


def compose(message: OutboxMessage, mail: MailSettings, now: datetime) -> EmailMessage:
    """The e-mail, shaped like the invites Google and Outlook send.

    multipart/mixed holds multipart/alternative (text/plain and `text/calendar; method=…`) and the
    same object as an `invite.ics` attachment. The part's method always equals the object's
    METHOD: Outlook rejects the invite otherwise.
    """
    email = EmailMessage()
    # From is the invite's ORGANIZER, whatever the settings say now: clients match the two.
    organizer = Calendar.from_ical(message.ics).walk("VEVENT")[0].get("ORGANIZER")
    sender = str(organizer).removeprefix("mailto:") if organizer else mail.organizer
    sender_name = organizer.params.get("CN", mail.organizer_name) if organizer else mail.organizer_name
    email["From"] = formataddr((sender_name, sender))
    email["To"] = formataddr((message.recipient_name, message.recipient))
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    email.set_content(message.body)
    email.add_alternative(message.ics, subtype="calendar", params={"method": message.method})
    email.make_mixed()
    email.add_attachment(
        message.ics.encode("utf-8"), maintype="application", subtype="ics", filename="invite.ics"
    )
    return email
