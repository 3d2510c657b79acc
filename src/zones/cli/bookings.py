"""`zones bookings`: maintenance of bookings."""

from __future__ import annotations

import click

from zones.bookings.release import release_once
from zones.calendar.outbox import calendar_config
from zones.cli.output import Invocation, out, pass_invocation, run
from zones.db import Database


@click.group()
def bookings() -> None:
    """Maintenance of bookings."""


@bookings.command("release")
@pass_invocation
def bookings_release(invocation: Invocation) -> None:
    """Release bookings nobody checked in to (the server also does this every minute)."""

    async def work(database: Database) -> int:
        return await release_once(database, invocation.clock(), calendar_config(invocation.settings))

    out.print(f"released {run(invocation.settings, work)} booking(s)")
