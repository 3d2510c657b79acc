"""`zones closures`: close a site, a floor or a zone for some days; list closures and holidays."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import click
from rich.table import Table

from zones.bookings.times import local_today
from zones.calendar.outbox import calendar_config
from zones.cli.output import Invocation, fail, out, pass_invocation, run, single_line
from zones.closures import service
from zones.closures.schemas import ClosedRead
from zones.db import Database
from zones.models.closure import REASON_LENGTH

LIST_DAYS = 90
"""How far `zones closures list` reaches when --to is not given."""


def _day(_context: click.Context, parameter: click.Parameter, value: str | None) -> date | None:
    """A click callback reading a day written like 2026-12-24 (an error is one line)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{parameter.opts[0]}: {value!r} is not a day such as 2026-12-24")


@click.group()
def closures() -> None:
    """Days a site, a floor or a zone is closed (and the country's public holidays)."""


@closures.command("add")
@click.argument("site", callback=single_line)
@click.option("--from", "first", required=True, callback=_day, help="First closed day (2026-12-24).")
@click.option("--to", "last", callback=_day, help="Last closed day (default: the first).")
@click.option("--floor", callback=lambda c, p, v: v and single_line(c, p, v), help="Close only this floor.")
@click.option("--zone", callback=lambda c, p, v: v and single_line(c, p, v), help="Close only this zone.")
@click.option(
    "--reason", required=True, callback=single_line, help="Why (told to everyone who loses a booking)."
)
@pass_invocation
def closures_add(
    invocation: Invocation,
    site: str,
    first: date,
    last: date | None,
    floor: str | None,
    zone: str | None,
    reason: str,
) -> None:
    """Close SITE (its key) from --from to --to; cancels the bookings there and tells each person.

    --floor takes a floor's name or level, --zone a zone's key or name; name neither to close the
    whole site.
    """
    if len(reason) > REASON_LENGTH:
        fail(f"--reason: longer than {REASON_LENGTH} characters")

    async def work(database: Database) -> str:
        async with database.write_session() as session:
            found = await service.site_by_key(session, site)
            place = await service.place_in(session, found, floor_name=floor, zone_name=zone)
            outcome = await service.add_closure(
                session,
                place,
                first,
                last or first,
                reason,
                created_by_id=None,
                now=invocation.clock(),
                calendar=calendar_config(invocation.settings),
            )
            closure = outcome.closure
            days = f"{closure.starts_on}" + (
                f" to {closure.ends_on}" if closure.ends_on != closure.starts_on else ""
            )
            return (
                f"closed {place.name} {days}: {closure.reason} (closure {closure.id});"
                f" cancelled {len(outcome.cancelled)} desk booking(s) and"
                f" {len(outcome.cancelled_rooms)} room booking(s)"
            )

    out.print(run(invocation.settings, work), highlight=False, markup=False, soft_wrap=True)


@closures.command("list")
@click.argument("site", callback=single_line)
@click.option("--from", "first", callback=_day, help="First day (default: today at the site).")
@click.option("--to", "last", callback=_day, help=f"Last day (default: {LIST_DAYS} days on).")
@pass_invocation
def closures_list(invocation: Invocation, site: str, first: date | None, last: date | None) -> None:
    """List SITE's closures and public holidays from --from to --to."""

    async def work(database: Database) -> list[ClosedRead]:
        async with database.read_session() as session:
            found = await service.site_by_key(session, site)
            start = first or local_today(found, invocation.clock())
            return await service.closed_between(
                session, found, start, last or start + timedelta(days=LIST_DAYS)
            )

    entries = run(invocation.settings, work)
    table = Table()
    for column in ("Kind", "From", "To", "Place", "Holiday or reason", "Id"):
        table.add_column(column)
    for entry in entries:
        table.add_row(
            entry.kind,
            entry.starts_on.isoformat(),
            entry.ends_on.isoformat(),
            entry.place,
            entry.name,
            str(entry.id) if entry.id else "",
        )
    out.print(f"{len(entries)} closed day(s) or range(s)", highlight=False)
    out.print(table)


@closures.command("remove")
@click.argument("closure_id", metavar="ID")
@pass_invocation
def closures_remove(invocation: Invocation, closure_id: str) -> None:
    """Remove closure ID: its days can be booked again (cancelled bookings stay cancelled)."""
    try:
        wanted = UUID(closure_id)
    except ValueError:
        fail(f"ID: {closure_id!r} is not a closure id (see `zones closures list`)")

    async def work(database: Database) -> None:
        async with database.write_session() as session:
            await service.remove_closure(session, wanted)

    run(invocation.settings, work)
    out.print(f"removed closure {wanted}", highlight=False)
