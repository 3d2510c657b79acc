"""`zones plan` and `zones plan report`: plan a site's weeks from the database, and report on a plan."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from uuid import UUID

import click
from rich.console import Console
from rich.table import Table

from zones.cli.output import Invocation, err, fail, follow_planner, out, pass_invocation, run, solver_progress
from zones.db import Database
from zones.errors import InvalidInput
from zones.office.service import find_site

if TYPE_CHECKING:  # the optimizer (OR-Tools) loads only for the commands that plan
    from zones.optimizer import planning
    from zones.plans.run import PlanOutcome
    from zones.plans.scenario_from_db import StoredPlan


@click.group(invoke_without_command=True)
@click.option("--site", "site_key", default=None, help="Site key (default: the only site).")
@click.option("--week", default=None, help="First ISO week to plan, e.g. 2026-W49 (default: next week).")
@click.option("--weeks", type=click.IntRange(1, 8), default=1, show_default=True)
@click.option("--time-limit", type=float, default=60.0, show_default=True, help="Seconds for the solver.")
@click.option("--seed", type=int, default=None, help="Fixed seed for reproducible plans.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for plan.csv and plan.json (default: ./zones-plans/<plan id>).",
)
@click.pass_context
def plan(
    ctx: click.Context,
    site_key: str | None,
    week: str | None,
    weeks: int,
    time_limit: float,
    seed: int | None,
    out_dir: Path | None,
) -> None:
    """Plan office days, zones and desks for a site with CP-SAT; writes the plan to the database and files."""
    if ctx.invoked_subcommand is not None:
        return
    from zones.models import PlanStatus
    from zones.optimizer import planning
    from zones.plans.run import PlanRequest, create_plan_row, run_plan, write_plan_files
    from zones.plans.scenario_from_db import next_monday, parse_iso_week

    invocation: Invocation = ctx.obj
    try:
        monday = parse_iso_week(week) if week else next_monday(invocation.clock().date())
    except InvalidInput as error:
        fail(f"--week: {error}", 2)

    async def work(database: Database) -> PlanOutcome:
        async with database.read_session() as session:
            site = await find_site(session, site_key)
        request = PlanRequest(site.id, monday, weeks, time_limit, seed)
        async with database.write_session() as session:  # runs here, in this process
            plan_id = await create_plan_row(session, request, PlanStatus.RUNNING)
        with solver_progress() as progress:
            task = progress.add_task("plan", total=time_limit, stage="days", detail="starting")
            outcome = await run_plan(
                database,
                plan_id,
                request,
                follow_planner(progress, task, time_limit),
                clock=invocation.clock,
            )
            progress.update(task, completed=time_limit)
        return outcome

    outcome = run(invocation.settings, work)
    folder = out_dir or Path("zones-plans") / str(outcome.plan_id)
    files = write_plan_files(outcome, folder)
    report = planning.plan_report(
        outcome.analysis,
        site=outcome.site,
        days=outcome.scenario.days,
        run=f"{invocation.clock():%Y-%m-%d %H:%M %Z}, {outcome.wall_time:.1f} s"
        f" (time limit {time_limit:g} s)",
        notes=outcome.plan.notes,
        team_days=team_days_by_name(outcome.scenario, outcome.plan) or None,
    )
    print_plan(outcome.plan, outcome.document.kpis, outcome.document.baseline_kpis, report)
    out.print(f"plan {outcome.plan_id} stored; files: {', '.join(str(f) for f in files)}", highlight=False)
    out.print(f"report: zones plan report {outcome.plan_id}", highlight=False)


def team_days_by_name(scenario: planning.Scenario, plan: planning.Plan) -> dict[str, tuple[date, ...]]:
    """Each team's gathering days, week by week in the report, by the team's name."""
    return {
        team.name or team.key: plan.team_days[team.key]
        for team in scenario.teams
        if team.key in plan.team_days
    }


def report_console() -> Console:
    """A console as wide as the terminal: `COLUMNS` when set, else the terminal's, else 120 for pipes."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return Console(width=int(columns))
    return Console(width=None if sys.stdout.isatty() else 120)


def print_plan(
    result: planning.Plan,
    mine: dict[str, float],
    theirs: dict[str, float],
    report: planning.PlanReport,
) -> None:
    """Solver stages, KPIs beside the first-come baseline, relaxed constraints and the report."""
    console = report_console()
    stages = Table(title="Solve", title_justify="left")
    for column in ("Stage", "Status", "Objective", "Bound", "Gap", "Seconds"):
        stages.add_column(column)
    for stage in result.stages:
        gap = abs(stage.bound - stage.objective) / max(abs(stage.objective), 1e-9)
        stages.add_row(
            stage.stage,
            stage.status,
            f"{stage.objective:,.0f}",
            f"{stage.bound:,.0f}",
            f"{gap:.1%}",
            f"{stage.wall_time:.1f}",
        )
    console.print(stages)
    kpis = Table(title="KPIs: this plan vs first-come booking", title_justify="left")
    for column in ("KPI", "Plan", "First-come", "Ratio"):
        kpis.add_column(column, justify="left" if column == "KPI" else "right")
    for name, value in mine.items():
        other = theirs.get(name, 0.0)
        ratio = f"{value / other:.2f}" if other else "–"
        kpis.add_row(name.replace("_", " "), f"{value:.3f}", f"{other:.3f}", ratio)
    console.print(kpis)
    bound = result.preference_bound
    if bound is not None and bound.wanted:
        console.print(
            f"Preferred days: no plan that gathers every team weekly can honour more than"
            f" {bound.share_with_team_days:.1%} of them, and no plan at all more than"
            f" {bound.share_without_team_days:.1%} (Lagrangian bound).",
            highlight=False,
        )
    for violation in result.violations[:10]:
        err.print(f"[yellow]relaxed:[/] {violation.message}", highlight=False)
    print_report(report, console)


def print_report(report: planning.PlanReport, console: Console | None = None) -> None:
    """The report's header, then each of its tables, at the console's width."""
    console = console or report_console()
    header = Table.grid(padding=(0, 2))
    header.add_column(style="bold", no_wrap=True)
    header.add_column(overflow="fold")
    for label, value in report.header:
        header.add_row(label, value)
    console.print(header)
    for table in report.tables:
        shown = Table(title=table.title, title_justify="left", expand=False)
        for number, column in enumerate(table.columns):
            shown.add_column(column, overflow="fold", justify="right" if number in table.numeric else "left")
        for number, row in enumerate(table.rows):
            severity = table.severities[number] if number < len(table.severities) else ""
            shown.add_row(*row, style=SEVERITY_STYLES.get(severity, ""))
        console.print(shown)


SEVERITY_STYLES = {"breach": "red", "warning": "yellow"}


@plan.command("report")
@click.argument("plan_id", required=False)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the charts (default: ./zones-plans/<plan id>).",
)
@click.option("--sweep-steps", type=int, default=6, show_default=True, help="What-if steps (0 = no sweep).")
@click.option(
    "--sweep-time-limit", type=float, default=5.0, show_default=True, help="Seconds per what-if step."
)
@pass_invocation
def plan_report(
    invocation: Invocation,
    plan_id: str | None,
    out_dir: Path | None,
    sweep_steps: int,
    sweep_time_limit: float,
) -> None:
    """Densification report for a stored plan (default: the latest), with charts as PNG and SVG."""
    try:
        wanted = UUID(plan_id) if plan_id else None
    except ValueError:
        fail(f"{plan_id!r} is not a plan id", 2)

    async def work(database: Database) -> StoredPlan | None:
        async with database.read_session() as session:
            return await stored_plan(session, wanted)

    from zones.optimizer import planning
    from zones.plans.scenario_from_db import stored_plan

    stored = run(invocation.settings, work)
    if stored is None:
        fail("no such plan: run `zones plan` first")
    scenario, thresholds = stored.scenario, stored.thresholds
    analysis = planning.analyse_densification(scenario, stored.plan, thresholds)
    console = report_console()
    print_report(
        planning.plan_report(
            analysis,
            site=stored.site,
            days=scenario.days,
            run=stored.run,
            notes=stored.plan.notes,
            team_days=team_days_by_name(scenario, stored.plan) or None,
        ),
        console,
    )
    sweep = None
    if sweep_steps > 0:
        with solver_progress() as progress:
            task = progress.add_task("sweep", total=sweep_steps, stage="what-if", detail="removing desks")
            done = [0]

            def planner(candidate: planning.Scenario) -> planning.Plan:
                result = planning.plan_office(candidate, planning.PlanOptions(time_limit=sweep_time_limit))
                done[0] += 1
                progress.update(task, completed=done[0], detail=f"step {done[0]} of {sweep_steps + 1}")
                return result

            sweep = planning.densification_sweep(
                scenario, steps=sweep_steps, planner=planner, thresholds=thresholds
            )
        console.print(sweep.summary(), highlight=False)
    folder = out_dir or Path("zones-plans") / str(stored.plan_id)
    files = planning.render_charts(analysis, folder, sweep)
    console.print(f"charts: {', '.join(str(f) for f in files)}", highlight=False)
