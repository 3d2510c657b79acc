"""`zones outbox`: calendar invites waiting to be e-mailed, and their delivery."""

from __future__ import annotations

import click
from rich.table import Table

from zones.calendar.outbox import list_messages, render
from zones.calendar.sender import DeliveryReport, deliver_until_done
from zones.cli.output import Invocation, err, out, pass_invocation, run
from zones.db import Database
from zones.models import OutboxMessage, OutboxStatus


@click.group()
def outbox() -> None:
    """Calendar invites waiting to be e-mailed, and their delivery."""


@outbox.command("show")
@click.option(
    "--status", type=click.Choice(["pending", "sent", "failed", "all"]), default="all", show_default=True
)
@click.option("--limit", type=int, default=30, show_default=True)
@click.option("--ics", "show_ics", is_flag=True, help="Print each message's iCalendar object too.")
@pass_invocation
def outbox_show(invocation: Invocation, status: str, limit: int, show_ics: bool) -> None:
    """List invites in the outbox, newest first, with why the last try failed."""

    async def work(database: Database) -> list[OutboxMessage]:
        async with database.read_session() as session:
            return await list_messages(session, None if status == "all" else OutboxStatus(status), limit)

    messages = run(invocation.settings, work)
    mode = "on" if invocation.settings.mail.enabled else "off (set ZONES_MAIL_ENABLED=1 to deliver)"
    out.print(f"{len(messages)} message(s); e-mail delivery is {mode}", highlight=False)
    table = Table()
    for column in ("Created (UTC)", "Status", "Method", "Seq", "To", "Subject", "Tries", "Last error"):
        table.add_column(column)
    for message in messages:
        table.add_row(
            f"{message.created_at:%Y-%m-%d %H:%M:%S}",
            message.status.value,
            message.method,
            str(message.sequence),
            message.recipient,
            message.subject,
            str(message.attempts),
            message.last_error or "",
            style="red" if message.status is OutboxStatus.FAILED else None,
        )
    out.print(table)
    if show_ics:
        for message in messages:
            try:
                click.echo(render(message).ics)
            except Exception as failure:  # one unreadable message must not hide the others
                why = f"message {message.id}: its invite cannot be rendered: {failure}"
                err.print(why, highlight=False, markup=False)


@outbox.command("send")
@pass_invocation
def outbox_send(invocation: Invocation) -> None:
    """Deliver every due invite now over the configured SMTP server (ZONES_SMTP_*)."""

    async def work(database: Database) -> DeliveryReport:
        return await deliver_until_done(database, invocation.settings.mail, invocation.clock)

    report = run(invocation.settings, work)
    out.print(f"sent {len(report.sent)}, will retry {len(report.retrying)}, gave up on {len(report.failed)}")
    if report.retrying or report.failed:
        out.print("`zones outbox show` says why", highlight=False)
