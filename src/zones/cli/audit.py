"""`zones audit`: the trail of sign-ins, sign-outs, links sent and refused attempts."""

from __future__ import annotations

import click
from rich.table import Table

from zones.auth.audit import AuditLine, list_audit
from zones.cli.output import Invocation, out, pass_invocation, run, single_line
from zones.db import Database
from zones.models import AuditKind


@click.group()
def audit() -> None:
    """The trail of sign-ins: who signed in or out, when, how and from where."""


@audit.command("show")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="Entries to show.")
@click.option("--email", default="", callback=single_line, help="Only this person's entries.")
@click.option(
    "--kind",
    type=click.Choice([kind.value for kind in AuditKind]),
    default=None,
    help="Only entries of this kind.",
)
@pass_invocation
def audit_show(invocation: Invocation, limit: int, email: str, kind: str | None) -> None:
    """List audit entries, newest first."""

    async def work(database: Database) -> list[AuditLine]:
        return await list_audit(database, limit=limit, email=email, kind=AuditKind(kind) if kind else None)

    lines = run(invocation.settings, work)
    out.print(f"{len(lines)} entr{'y' if len(lines) == 1 else 'ies'}, newest first", highlight=False)
    table = Table()
    for column in ("Time (UTC)", "Kind", "E-mail", "Method", "Client address", "Detail"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            f"{line.at:%Y-%m-%d %H:%M:%S}",
            line.kind.value,
            line.email,
            line.method,
            line.client_address,
            line.detail,
            style="red" if line.kind is AuditKind.SIGN_IN_FAILED else None,
        )
    out.print(table, markup=False, highlight=False)
