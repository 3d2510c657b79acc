"""`zones db`: create and migrate the database schema."""

from __future__ import annotations

import click

from zones.cli.output import Invocation, database_errors, out, pass_invocation, redacted, run
from zones.db import migrate as migrations
from zones.settings import Settings


@click.group()
def db() -> None:
    """Create and migrate the database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@pass_invocation
def db_upgrade(invocation: Invocation, revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    upgrade(invocation.settings, revision)
    out.print(f"database {redacted(invocation.settings.database_url)} is at revision {revision}")


@db.command("downgrade")
@click.argument("revision")
@pass_invocation
def db_downgrade(invocation: Invocation, revision: str) -> None:
    """Undo migrations down to REVISION (`base` removes every table)."""
    settings = invocation.settings
    with database_errors(settings):
        migrations.downgrade(settings.database_url, revision)
    out.print(f"database {redacted(settings.database_url)} is at revision {revision}")


@db.command("current")
@pass_invocation
def db_current(invocation: Invocation) -> None:
    """Show the database's schema revision and the newest one available."""
    revision = run(
        invocation.settings,
        lambda database: migrations.current_revision(database.engine),
        needs_schema=False,
    )
    head = migrations.head_revision()
    state = "up to date" if revision == head else "needs `zones db upgrade`"
    out.print(f"current: {revision or 'empty'}  newest: {head}  ({state})")


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Migrate the database up to `revision`, or stop with a one-line error."""
    with database_errors(settings):
        migrations.upgrade(settings.database_url, revision)
