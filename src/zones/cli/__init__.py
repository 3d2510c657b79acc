"""The `zones` command line: run the server, manage the database, load offices and staff, plan.

One module per command group; `output` holds what they share.
"""

from __future__ import annotations

from dataclasses import replace

import click

from zones import __version__
from zones.cli.analytics import analytics
from zones.cli.audit import audit
from zones.cli.bookings import bookings
from zones.cli.closures import closures
from zones.cli.database import db
from zones.cli.office import office
from zones.cli.osa import osa
from zones.cli.outbox import outbox
from zones.cli.output import Invocation
from zones.cli.plan_apply import plan_apply
from zones.cli.plans import plan
from zones.cli.scenarios import plan_generate, plan_scenario
from zones.cli.server import demo, serve
from zones.cli.staff import staff
from zones.cli.users import user
from zones.cli.worker import worker
from zones.clock import utc_now
from zones.settings import InvalidSetting, Settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database-url",
    envvar="ZONES_DATABASE_URL",
    default="",
    help="Database to use (default: SQLite in the per-user data folder). Env: ZONES_DATABASE_URL.",
)
@click.version_option(__version__, prog_name="zones")
@click.pass_context
def main(ctx: click.Context, database_url: str) -> None:
    """Zones: activity-based office zoning and desk booking."""
    try:
        settings = Settings.from_env()
    except InvalidSetting as error:
        raise click.UsageError(str(error)) from None
    if database_url:
        settings = replace(settings, database_url=database_url)
    # A test may pass its own clock as `obj` (`main(args, obj=clock)`); otherwise the wall clock.
    ctx.obj = Invocation(settings, ctx.obj if callable(ctx.obj) else utc_now)


for command in (db, office, staff, user, bookings, plan, osa, outbox, audit, analytics, serve, demo, worker):
    main.add_command(command)
main.add_command(closures)
plan.add_command(plan_scenario)
plan.add_command(plan_generate)
plan.add_command(plan_apply)

__all__ = ("main",)
