"""`zones plan apply`: book a stored plan's seats, with their invites, in one transaction."""

from __future__ import annotations

from uuid import UUID

import click
from rich.table import Table

from zones.cli.output import Invocation, fail, pass_invocation, run
from zones.cli.plans import report_console
from zones.db import Database


@click.command("apply")
@click.argument("plan_id")
@click.option("--dry-run", is_flag=True, help="Only show what would be booked, kept and refused.")
@click.option(
    "--skip-conflicts", is_flag=True, help="Book every other seat when some conflict with bookings."
)
@pass_invocation
def plan_apply(invocation: Invocation, plan_id: str, dry_run: bool, skip_conflicts: bool) -> None:
    """Book a stored plan's seats, with their invites, in one transaction (existing bookings win).

    A seat whose desk someone else holds (or whose zone or week is full, or whose desk is out of
    use) refuses the whole apply unless --skip-conflicts is given; closed days, past days and
    people who left are skipped. Applying again books nothing new.
    """
    import time

    import msgspec

    from zones.calendar.outbox import calendar_config
    from zones.errors import Conflict
    from zones.plans.apply import PlanApplyRead, SeatConflict, apply_plan

    try:
        wanted = UUID(plan_id)
    except ValueError:
        fail(f"{plan_id!r} is not a plan id", 2)

    async def work(database: Database) -> PlanApplyRead | Conflict:
        # A dry run reads in a transaction that is rolled back: it can write nothing.
        session_of = database.read_session if dry_run else database.write_session
        try:
            async with session_of() as session:
                return await apply_plan(
                    session,
                    wanted,
                    applied_by=None,
                    now=invocation.clock(),
                    calendar=calendar_config(invocation.settings),
                    dry_run=dry_run,
                    skip_conflicts=skip_conflicts,
                )
        except Conflict as refused:
            if refused.code != "plan-conflicts":
                raise
            return refused

    def conflict_table(conflicts: list[SeatConflict]) -> Table:
        """Seats that cannot be booked: who, when, which desk, and why."""
        table = Table(title="Conflicts", title_justify="left")
        for column in ("Day", "Person", "Desk", "Kind", "Blocks", "Why"):
            table.add_column(column, overflow="fold")
        for conflict in conflicts:
            table.add_row(
                conflict.day.isoformat(),
                conflict.name,
                conflict.desk_code,
                conflict.kind,
                "yes" if conflict.blocking else "no",
                conflict.detail,
            )
        return table

    started = time.perf_counter()
    outcome = run(invocation.settings, work)
    seconds = time.perf_counter() - started
    console = report_console()
    if isinstance(outcome, Conflict):
        conflicts = msgspec.convert(outcome.extra.get("conflicts", []), list[SeatConflict])
        console.print(conflict_table(conflicts))
        hint = "" if skip_conflicts else " (zones plan apply --skip-conflicts books the rest)"
        fail(outcome.detail + hint)
    counts = outcome.counts
    summary = Table(title=f"Plan {outcome.plan_id}" + (" (dry run)" if dry_run else ""), title_justify="left")
    summary.add_column("Seats")
    summary.add_column("Count", justify="right")
    summary.add_row("planned", str(counts.planned))
    summary.add_row("would be created" if dry_run else "created", str(counts.created))
    summary.add_row("kept (existing bookings win)", str(counts.kept))
    summary.add_row("conflicts", str(counts.conflicts))
    summary.add_row("  of which blocking", str(counts.blocking))
    summary.add_row("invites queued", str(counts.invites_queued))
    console.print(summary)
    if outcome.conflicts:
        console.print(conflict_table(outcome.conflicts))
    verdict = "dry run: nothing written" if dry_run else "applied in one transaction"
    if dry_run and counts.blocking and not skip_conflicts:
        verdict += "; applying would be refused (conflicts block: plan again or use --skip-conflicts)"
    console.print(f"{verdict}; {seconds:.2f} seconds", highlight=False)
