"""`zones staff`: import staff and teams from CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zones.cli.output import Invocation, counting_progress, err, out, pass_invocation, run
from zones.db import Database
from zones.office.service import site_keys
from zones.staff.csv_import import StaffReport, import_staff, read_staff_csv


@click.group()
def staff() -> None:
    """Import and inspect staff and teams."""


@staff.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some are rejected.")
@pass_invocation
def staff_import(invocation: Invocation, file: Path, skip_invalid: bool) -> None:
    """Import staff and teams from a CSV FILE (email,name,team,role,home_site,contracted_share,needs)."""
    report = import_staff_file(invocation, file, skip_invalid)
    for line in report.lines():
        (out if report.written else err).print(line, highlight=False, soft_wrap=True)
    if not report.written:
        sys.exit(2)


def import_staff_file(invocation: Invocation, file: Path, skip_invalid: bool = False) -> StaffReport:
    """Check every row of a staff CSV, then write them all (or, with `skip_invalid`, the valid ones)."""

    async def work(database: Database) -> StaffReport:
        async with database.read_session() as session:
            sites = await site_keys(session)
        report = read_staff_csv(file, sites)
        if report.rejected and not skip_invalid:
            return report
        with counting_progress("importing staff", len(report.accepted)) as progress:
            task = progress.add_task("staff", total=len(report.accepted))

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done)

            async with database.write_session() as session:
                return await import_staff(session, report, skip_invalid=skip_invalid, progress=advance)

    return run(invocation.settings, work)
