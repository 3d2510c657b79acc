"""The `zones` command line: run the server, manage the database, load offices and staff."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, OperationalError

from zones import __version__
from zones.db import Database, create_database
from zones.db import migrate as migrations
from zones.models import Site
from zones.office.errors import ConfigError
from zones.office.load import LoadReport, PlacesStillBooked, load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file, demo_office_file, demo_staff_file
from zones.office.summary import SiteSummary, summarise_site
from zones.settings import Settings
from zones.staff.csv_import import StaffReport, import_staff, read_staff_csv

T = TypeVar("T")
# Piped output gets a wide fixed width so tables stay readable in logs and files.
out = Console(width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 120)


def _fail(message: str, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    sys.exit(code)


def _run(settings: Settings, work: Callable[[Database], Awaitable[T]]) -> T:
    """Run async work against the configured database, turning failures into one-line errors."""

    async def main() -> T:
        database = create_database(settings.database_url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except ConfigError as error:
        for line in error.lines:
            err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (OperationalError, DBAPIError, OSError) as error:
        _fail(f"database {_redacted(settings.database_url)}: {str(error).splitlines()[0]}")


def _redacted(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj
    return settings


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
    base = Settings.from_env()
    ctx.obj = Settings(
        data_dir=base.data_dir,
        database_url=database_url or base.database_url,
        host=base.host,
        port=base.port,
        debug=base.debug,
    )


# --- database ---------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Create and migrate the database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    settings = _settings(ctx)
    _upgrade(settings, revision)
    out.print(f"database {_redacted(settings.database_url)} is at revision {revision}")


@db.command("downgrade")
@click.argument("revision")
@click.pass_context
def db_downgrade(ctx: click.Context, revision: str) -> None:
    """Undo migrations down to REVISION (`base` removes every table)."""
    settings = _settings(ctx)
    try:
        migrations.downgrade(settings.database_url, revision)
    except (OperationalError, DBAPIError, OSError) as error:
        _fail(f"database {_redacted(settings.database_url)}: {str(error).splitlines()[0]}")
    out.print(f"database {_redacted(settings.database_url)} is at revision {revision}")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the database's schema revision and the newest one available."""
    settings = _settings(ctx)
    revision = _run(settings, lambda database: migrations.current_revision(database.engine))
    head = migrations.head_revision()
    state = "up to date" if revision == head else "needs `zones db upgrade`"
    out.print(f"current: {revision or 'empty'}  newest: {head}  ({state})")


def _upgrade(settings: Settings, revision: str = "head") -> None:
    try:
        migrations.upgrade(settings.database_url, revision)
    except (OperationalError, DBAPIError, OSError) as error:
        _fail(f"database {_redacted(settings.database_url)}: {str(error).splitlines()[0]}")


# --- office -----------------------------------------------------------------------------------


@main.group()
def office() -> None:
    """Describe the office: sites, floors, zones, desks, rooms and policy."""


@office.command("load")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Policy defaults to start from (default: the shipped config/policy.toml).",
)
@click.pass_context
def office_load(ctx: click.Context, file: Path, policy_file: Path | None) -> None:
    """Create or update a site from an office FILE (TOML); re-running changes nothing."""
    report = _load_office(_settings(ctx), file, policy_file)
    _print_load_report(report, file)


def _load_office(settings: Settings, file: Path, policy_file: Path | None = None) -> LoadReport:
    try:
        defaults = load_policy_file(policy_file or default_policy_file())
        office_spec = load_office_file(file, defaults)
    except ConfigError as error:
        for line in error.lines:
            err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        sys.exit(2)

    async def work(database: Database) -> LoadReport:
        await _require_schema(database)
        try:
            async with database.write_session() as session:
                return await load_office(session, office_spec, defaults)
        except PlacesStillBooked as refused:
            _fail(f"{file}: {refused}", 2)

    return _run(settings, work)


def _print_load_report(report: LoadReport, file: Path) -> None:
    verdict = "updated" if report.changed else "already up to date"
    out.print(f"[bold]{file}[/]: site [bold]{report.site_key}[/] {verdict}", highlight=False)
    for line in report.lines():
        out.print(f"  {line}", highlight=False)


@office.command("show")
@click.option("--site", "site_key", default=None, help="Site key (default: every site).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.pass_context
def office_show(ctx: click.Context, site_key: str | None, as_json: bool) -> None:
    """Summarise the office: zones per floor, desks, m², air and desks per person."""

    async def work(database: Database) -> list[SiteSummary]:
        await _require_schema(database)
        async with database.read_session() as session:
            statement = select(Site.id).order_by(Site.key)
            if site_key:
                statement = statement.where(Site.key == site_key)
            ids = list(await session.scalars(statement))
            summaries = [await summarise_site(session, site_id) for site_id in ids]
            return [summary for summary in summaries if summary is not None]

    summaries = _run(_settings(ctx), work)
    if not summaries:
        _fail(f"no site {site_key!r}" if site_key else "no sites yet: run `zones office load FILE.toml`")
    if as_json:
        click.echo(msgspec.json.format(msgspec.json.encode(summaries)).decode())
        return
    for summary in summaries:
        _print_summary(summary)


def _print_summary(summary: SiteSummary) -> None:
    table = Table(title=f"{summary.name} ({summary.key}, {summary.timezone})", title_justify="left")
    for column, justify in (
        ("Floor", "left"),
        ("Zone", "left"),
        ("Activity", "left"),
        ("Desks", "right"),
        ("Rooms (seats)", "right"),
        ("Area m²", "right"),
        ("Ceiling m", "right"),
        ("m²/desk", "right"),
        ("m³/desk", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for floor in summary.floors:
        for index, zone in enumerate(floor.zones):
            table.add_row(
                floor.name if index == 0 else "",
                zone.name,
                zone.activity.value,
                str(zone.desks),
                f"{zone.rooms} ({zone.room_seats})" if zone.rooms else "",
                f"{zone.area_m2:.0f}",
                f"{zone.ceiling_height_m:.1f}",
                _number(zone.m2_per_desk),
                _number(zone.m3_per_desk),
            )
        table.add_section()
    table.add_row(
        "Total",
        "",
        "",
        str(summary.desks),
        f"{summary.rooms} ({summary.room_seats})",
        f"{summary.area_m2:.0f}",
        "",
        "",
        "",
        style="bold",
    )
    out.print(table)
    by_activity = ", ".join(f"{name} {count}" for name, count in summary.desks_by_activity.items())
    out.print(f"Desks by activity: {by_activity}", highlight=False)
    out.print(
        f"Staff: {summary.headcount} people, {summary.fte:.1f} FTE · desks per person "
        f"{_number(summary.desks_per_person, 2)} · desks per FTE {_number(summary.desks_per_fte, 2)}",
        highlight=False,
    )
    reference, ratio = summary.desks_per_fte_reference, summary.desks_per_fte
    if reference is not None and ratio is not None:
        if ratio < reference:
            out.print(
                f"[yellow]warning:[/] {ratio:.2f} desks per FTE is below the {reference:.2f} that "
                "activity-based state offices plan for (Danish Building and Property Agency)",
                highlight=False,
            )
        else:
            out.print(f"Desks per FTE is at or above the {reference:.2f} reference.", highlight=False)
    if summary.planning_weights:
        weights = ", ".join(f"{name} {value}" for name, value in summary.planning_weights.items())
        out.print(f"Planning weights: {weights}", highlight=False)
    out.print()


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


# --- staff ------------------------------------------------------------------------------------


@main.group()
def staff() -> None:
    """Import and inspect staff and teams."""


@staff.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows even if some are rejected.")
@click.pass_context
def staff_import(ctx: click.Context, file: Path, skip_invalid: bool) -> None:
    """Import staff and teams from a CSV FILE (email,name,team,role,home_site,contracted_share,needs)."""
    report = _import_staff(_settings(ctx), file, skip_invalid)
    for line in report.lines():
        (out if report.written else err).print(line, highlight=False, soft_wrap=True)
    if not report.written:
        sys.exit(2)


def _import_staff(settings: Settings, file: Path, skip_invalid: bool = False) -> StaffReport:
    async def work(database: Database) -> StaffReport:
        await _require_schema(database)
        async with database.read_session() as session:
            sites = list(await session.scalars(select(Site.key)))
        report = read_staff_csv(file, sites)
        if report.rejected and not skip_invalid:
            return report
        with Progress(
            TextColumn("importing staff"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=len(report.accepted) < 1000,
        ) as progress:
            task = progress.add_task("staff", total=len(report.accepted))

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done)

            async with database.write_session() as session:
                return await import_staff(session, report, skip_invalid=skip_invalid, progress=advance)

    return _run(settings, work)


# --- users -----------------------------------------------------------------------------------


@main.group()
def user() -> None:
    """API tokens for employees."""


@user.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for (shown in listings).")
@click.option("--expires-days", type=int, default=None, help="Let the token expire after this many days.")
@click.pass_context
def user_token(ctx: click.Context, email: str, name: str, expires_days: int | None) -> None:
    """Issue an API token for EMAIL and print it once (only its hash is stored)."""

    from zones.auth.tokens import issue_token

    async def work(database: Database) -> str:
        await _require_schema(database)
        async with database.write_session() as session:
            try:
                token, _ = await issue_token(
                    session, email, name, timedelta(days=expires_days) if expires_days else None
                )
            except LookupError as error:
                _fail(str(error))
            return token

    token = _run(_settings(ctx), work)
    err.print(f"token for {email} (shown once; send it as 'Authorization: Bearer <token>'):", highlight=False)
    click.echo(token)


@user.command("revoke")
@click.argument("email")
@click.pass_context
def user_revoke(ctx: click.Context, email: str) -> None:
    """Revoke every API token of EMAIL."""
    from zones.auth.tokens import revoke_tokens

    async def work(database: Database) -> int:
        await _require_schema(database)
        async with database.write_session() as session:
            try:
                return await revoke_tokens(session, email)
            except LookupError as error:
                _fail(str(error))

    out.print(f"revoked {_run(_settings(ctx), work)} token(s) of {email}", highlight=False)


@main.group()
def bookings() -> None:
    """Maintenance of bookings."""


@bookings.command("release")
@click.pass_context
def bookings_release(ctx: click.Context) -> None:
    """Release bookings nobody checked in to (the server also does this every minute)."""
    from zones.booking.context import utc_now
    from zones.booking.release import release_once

    async def work(database: Database) -> int:
        await _require_schema(database)
        return await release_once(database, utc_now())

    out.print(f"released {_run(_settings(ctx), work)} booking(s)")


# --- planning ------------------------------------------------------------------------------------


def _planning_progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.fields[stage]}[/]"),
        BarColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def _progress_callback(progress: Progress, task: Any, time_limit: float) -> Callable[[Any], None]:
    def update(update: Any) -> None:
        gap = "–" if update.gap != update.gap else f"{update.gap:.1%}"
        progress.update(
            task,
            completed=min(update.elapsed, time_limit),
            stage=update.stage,
            detail=f"objective {update.objective:,.0f}  bound {update.bound:,.0f}  gap {gap}",
        )

    return update


@main.group(invoke_without_command=True)
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
    from datetime import date

    from zones.plans.run import PlanRequest, create_plan_row, run_plan, write_plan_files
    from zones.plans.scenario_from_db import parse_iso_week

    settings = _settings(ctx)
    try:
        monday = parse_iso_week(week) if week else date.today() + timedelta(days=7 - date.today().weekday())
    except ValueError as error:
        _fail(f"--week: {error}", 2)

    async def work(database: Database) -> Any:
        await _require_schema(database)
        site = await _one_site(database, site_key)
        request = PlanRequest(site.id, monday, weeks, time_limit, seed)
        plan_id = await create_plan_row(database, request)
        with _planning_progress() as progress:
            task = progress.add_task("plan", total=time_limit, stage="days", detail="starting")
            outcome = await run_plan(
                database, plan_id, request, _progress_callback(progress, task, time_limit)
            )
            progress.update(task, completed=time_limit)
        return outcome

    outcome = _run(settings, work)
    folder = out_dir or Path("zones-plans") / str(outcome.plan_id)
    files = write_plan_files(outcome, folder)
    _print_plan(outcome.plan, outcome.kpis, outcome.baseline_kpis, outcome.analysis)
    out.print(f"plan {outcome.plan_id} stored; files: {', '.join(str(f) for f in files)}", highlight=False)
    out.print(f"report: zones plan report {outcome.plan_id}", highlight=False)


async def _one_site(database: Database, site_key: str | None) -> Site:
    async with database.read_session() as session:
        statement = select(Site).order_by(Site.key)
        if site_key:
            statement = statement.where(Site.key == site_key)
        sites = list(await session.scalars(statement))
    if not sites:
        _fail(f"no site {site_key!r}" if site_key else "no sites yet: run `zones office load FILE.toml`")
    if len(sites) > 1:
        _fail(f"several sites ({', '.join(s.key for s in sites)}): choose one with --site")
    return sites[0]


def _print_plan(result: Any, mine: dict[str, float], theirs: dict[str, float], analysis: Any) -> None:
    """Solver stages, KPIs beside the first-come baseline, relaxed constraints and densification flags."""

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
    out.print(stages)
    kpis = Table(title="KPIs: this plan vs first-come booking", title_justify="left")
    for column in ("KPI", "Plan", "First-come", "Ratio"):
        kpis.add_column(column, justify="left" if column == "KPI" else "right")
    for name, value in mine.items():
        other = theirs.get(name, 0.0)
        ratio = f"{value / other:.2f}" if other else "–"
        kpis.add_row(name.replace("_", " "), f"{value:.3f}", f"{other:.3f}", ratio)
    out.print(kpis)
    bound = result.preference_bound
    if bound is not None and bound.wanted:
        out.print(
            f"Preferred days: no plan that gathers every team weekly can honour more than"
            f" {bound.share_with_team_days:.1%} of them, and no plan at all more than"
            f" {bound.share_without_team_days:.1%} (Lagrangian bound).",
            highlight=False,
        )
    for violation in result.violations[:10]:
        err.print(f"[yellow]relaxed:[/] {violation.message}", highlight=False)
    _print_flags(analysis.flags)


def _print_flags(flags: Any) -> None:
    severity_order = {"breach": 0, "warning": 1, "info": 2}
    table = Table(title="Densification", title_justify="left")
    for column in ("Severity", "Metric", "Where", "Figure", "Threshold", "Source"):
        table.add_column(column, overflow="fold")
    shown = sorted(flags, key=lambda f: (severity_order.get(f.severity, 3), f.metric))
    for flag in shown[:25]:
        style = {"breach": "red", "warning": "yellow"}.get(flag.severity, "")
        threshold = "–" if flag.threshold is None else f"{flag.threshold:g} {flag.unit}"
        table.add_row(
            f"[{style}]{flag.severity.upper()}[/]" if style else flag.severity,
            flag.metric,
            flag.scope,
            f"{flag.figure:.2f} {flag.unit}",
            threshold,
            # The first clause names the source; plan.json carries the full text.
            re.split(r"[:;(]", flag.source, maxsplit=1)[0].strip()[:48],
        )
    out.print(table)
    if len(shown) > 25:
        out.print(f"… and {len(shown) - 25} more flags (see plan.json)", highlight=False)


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
@click.pass_context
def plan_report(
    ctx: click.Context, plan_id: str | None, out_dir: Path | None, sweep_steps: int, sweep_time_limit: float
) -> None:
    """Densification report for a stored plan (default: the latest), with charts as PNG and SVG."""
    from uuid import UUID

    from sqlalchemy.orm import selectinload

    from zones.models import Plan, PlanSeat, Policy
    from zones.optimizer import planning
    from zones.plans.scenario_from_db import scenario_for_site, thresholds_for, week_days

    async def work(database: Database) -> Any:
        await _require_schema(database)
        async with database.read_session() as session:
            statement = select(Plan).order_by(Plan.created_at.desc()).limit(1)
            if plan_id:
                try:
                    statement = select(Plan).where(Plan.id == UUID(plan_id))
                except ValueError:
                    _fail(f"{plan_id!r} is not a plan id", 2)
            row = await session.scalar(statement)
            if row is None:
                _fail("no such plan: run `zones plan` first")
            site = await session.get_one(Site, row.site_id)
            days = week_days(
                site,
                row.starts_on - timedelta(days=row.starts_on.weekday()),
                (row.ends_on - row.starts_on).days // 7 + 1,
            )
            scenario, keys = await scenario_for_site(session, row.site_id, days)
            policy = await session.scalar(
                select(Policy).where(Policy.site_id == site.id).options(selectinload(Policy.thresholds))
            )
            thresholds = thresholds_for(policy, site.country)
            back = {v: k for k, v in keys.employees.items()}
            zones = {v: k for k, v in keys.zones.items()}
            desks = {v: k for k, v in keys.desks.items()}
            seats = {
                (back[s.employee_id], s.day): planning.Seat(
                    zones.get(s.zone_id),
                    desks.get(s.desk_id),
                    s.activity,  # type: ignore[arg-type]
                )
                for s in await session.scalars(select(PlanSeat).where(PlanSeat.plan_id == row.id))
                if s.employee_id in back
            }
            return row, scenario, thresholds, seats

    row, scenario, thresholds, seats = _run(_settings(ctx), work)
    stored = planning.Plan(scenario=scenario.name, planner="stored", seats=seats)
    analysis = planning.analyse_densification(scenario, stored, thresholds)
    _print_flags(analysis.flags)
    sweep = None
    if sweep_steps > 0:
        with _planning_progress() as progress:
            task = progress.add_task("sweep", total=sweep_steps, stage="what-if", detail="removing desks")
            done = [0]

            def planner(candidate: Any) -> Any:
                result = planning.plan_office(candidate, planning.PlanOptions(time_limit=sweep_time_limit))
                done[0] += 1
                progress.update(task, completed=done[0], detail=f"step {done[0]} of {sweep_steps + 1}")
                return result

            sweep = planning.densification_sweep(
                scenario, steps=sweep_steps, planner=planner, thresholds=thresholds
            )
        out.print(sweep.summary(), highlight=False)
    folder = out_dir or Path("zones-plans") / str(row.id)
    files = planning.render_charts(analysis, folder, sweep)
    out.print(f"charts: {', '.join(str(f) for f in files)}", highlight=False)


@plan.command("scenario")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--time-limit", type=float, default=60.0, show_default=True)
@click.option("--seed", type=int, default=None)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for charts and plan.json (default: next to FILE).",
)
def plan_scenario(file: Path, time_limit: float, seed: int | None, out_dir: Path | None) -> None:
    """Plan a standalone scenario FILE (JSON) and report KPIs, densification and charts."""
    from zones.optimizer import planning

    try:
        scenario = planning.read_scenario(file)
    except ConfigError as error:
        for line in error.lines:
            err.print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)
        sys.exit(2)
    with _planning_progress() as progress:
        task = progress.add_task("plan", total=time_limit, stage="days", detail="starting")
        result = planning.plan_office(
            scenario,
            planning.PlanOptions(time_limit=time_limit, seed=seed),
            progress=_progress_callback(progress, task, time_limit),
        )
        progress.update(task, completed=time_limit)
    baseline = planning.greedy_plan(scenario, seed or 0)
    analysis = planning.analyse_densification(scenario, result)
    kpis = planning.plan_kpis(scenario, result).as_dict()
    baseline_kpis = planning.plan_kpis(scenario, baseline).as_dict()
    _print_plan(result, kpis, baseline_kpis, analysis)
    folder = out_dir or file.with_suffix("")
    files = planning.render_charts(analysis, folder)
    (folder / "plan.json").write_bytes(
        msgspec.json.format(
            msgspec.json.encode(
                {
                    "kpis": kpis,
                    "baseline_kpis": baseline_kpis,
                    "seats": [
                        {
                            "person": p,
                            "day": d.isoformat(),
                            "zone": s.zone,
                            "desk": s.desk,
                            "activity": s.activity,
                        }
                        for (p, d), s in sorted(
                            result.seats.items(), key=lambda item: (item[0][1], item[0][0])
                        )
                    ],
                }
            ),
            indent=2,
        )
    )
    out.print(f"written: {', '.join(str(f) for f in [*files, folder / 'plan.json'])}", highlight=False)


@plan.command("generate")
@click.option("--employees", type=click.IntRange(1, 100_000), required=True)
@click.option("--desk-ratio", type=click.FloatRange(0.1, 2.0), default=0.65, show_default=True)
@click.option("--weeks", type=click.IntRange(1, 8), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Scenario file to write (default: scenario-<N>.json).",
)
def plan_generate(employees: int, desk_ratio: float, weeks: int, seed: int, out_file: Path | None) -> None:
    """Write a synthetic scenario: realistic teams, preferences and an office of the given desk ratio."""
    from zones.optimizer import planning

    scenario = planning.generate_scenario(employees=employees, desk_ratio=desk_ratio, weeks=weeks, seed=seed)
    path = out_file or Path(f"scenario-{employees}.json")
    planning.write_scenario(scenario, path)
    desks = sum(len(z.desks) for z in scenario.zones)
    out.print(
        f"{path}: {len(scenario.employees)} employees in {len(scenario.teams)} teams, {desks} desks, "
        f"{len(scenario.days)} days",
        highlight=False,
    )


# --- office space allocation benchmark -----------------------------------------------------------


@main.group()
def osa() -> None:
    """The Office Space Allocation benchmark (Nottingham / SVe150 instances)."""


@osa.command("solve")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--time-limit", type=float, default=120.0, show_default=True)
def osa_solve(file: Path, time_limit: float) -> None:
    """Solve an OSA instance FILE with CP-SAT and check the result with the independent evaluator."""
    from zones.optimizer import osa as office_space

    try:
        instance = office_space.read_instance(file)
    except office_space.OsaFormatError as error:
        _fail(str(error), 2)
    with _planning_progress() as progress:
        task = progress.add_task("osa", total=time_limit, stage=file.stem, detail="starting")

        def update(p: Any) -> None:
            progress.update(
                task,
                completed=min(p.elapsed, time_limit),
                detail=f"objective {p.objective:,.2f}  bound {p.bound:,.2f}  gap {p.gap:.1%}",
            )

        solution = office_space.solve(
            instance, office_space.SolveParameters(time_limit=time_limit), progress=update
        )
        progress.update(task, completed=time_limit)
    evaluation = solution.evaluation
    checked = "feasible" if evaluation is not None and evaluation.feasible else "NOT feasible"
    objective = "–" if solution.objective is None else f"{float(solution.objective):.2f}"
    out.print(
        f"{file.name}: {len(instance.entities)} entities, {len(instance.rooms)} rooms · {solution.status} · "
        f"objective {objective} · bound {float(solution.best_bound):.2f} · {solution.wall_time:.1f} s · "
        f"independent evaluator: {checked}",
        highlight=False,
    )


# --- calendar outbox ----------------------------------------------------------------------------


@main.group()
def outbox() -> None:
    """Calendar invites waiting to be e-mailed, and their delivery."""


@outbox.command("show")
@click.option(
    "--status", type=click.Choice(["pending", "sent", "failed", "all"]), default="all", show_default=True
)
@click.option("--limit", type=int, default=30, show_default=True)
@click.option("--ics", "show_ics", is_flag=True, help="Print each message's iCalendar object too.")
@click.pass_context
def outbox_show(ctx: click.Context, status: str, limit: int, show_ics: bool) -> None:
    """List invites in the outbox, newest first."""
    from zones.models import OutboxMessage

    async def work(database: Database) -> list[OutboxMessage]:
        await _require_schema(database)
        async with database.read_session() as session:
            statement = select(OutboxMessage).order_by(OutboxMessage.created_at.desc()).limit(limit)
            if status != "all":
                statement = statement.where(OutboxMessage.status == status)
            return list(await session.scalars(statement))

    messages = _run(_settings(ctx), work)
    settings = _settings(ctx)
    mode = "on" if settings.mail.enabled else "off (set ZONES_MAIL_ENABLED=1 to deliver)"
    out.print(f"{len(messages)} message(s); e-mail delivery is {mode}", highlight=False)
    table = Table()
    for column in ("Created (UTC)", "Status", "Method", "Seq", "To", "Subject", "Tries"):
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
        )
    out.print(table)
    if show_ics:
        for message in messages:
            click.echo(message.ics)


@outbox.command("send")
@click.pass_context
def outbox_send(ctx: click.Context) -> None:
    """Deliver every due invite now over the configured SMTP server (ZONES_SMTP_*)."""
    from zones.booking.context import utc_now
    from zones.calendar.sender import deliver_due

    settings = _settings(ctx)

    async def work(database: Database) -> tuple[int, int, int]:
        await _require_schema(database)
        sent = retrying = failed = 0
        while True:
            report = await deliver_due(database, settings.mail, utc_now())
            sent, retrying, failed = (
                sent + len(report.sent),
                retrying + len(report.retrying),
                failed + len(report.failed),
            )
            if not report.sent:
                return sent, retrying, failed

    sent, retrying, failed = _run(settings, work)
    out.print(f"sent {sent}, will retry {retrying}, gave up on {failed}")


# --- serving ----------------------------------------------------------------------------------


async def _require_schema(database: Database) -> None:
    current = await migrations.current_revision(database.engine)
    head = migrations.head_revision()
    if current != head:
        state = "is empty" if current is None else f"is at revision {current}"
        _fail(f"the database {state}, Zones needs {head}: run `zones db upgrade` first")


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1). Env: ZONES_HOST.")
@click.option("--port", type=int, default=None, help="Port (default 8000). Env: ZONES_PORT.")
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, reload: bool) -> None:
    """Serve the API (OpenAPI documentation at /schema)."""
    settings = _settings(ctx)
    _run(settings, _require_schema)
    _serve(settings, host or settings.host, port or settings.port, reload)


def _serve(settings: Settings, host: str, port: int, reload: bool = False) -> None:
    import uvicorn

    # The app factory reads settings from the environment, also in reloaded worker processes.
    os.environ["ZONES_DATABASE_URL"] = settings.database_url
    out.print(f"Zones {__version__} on http://{host}:{port}  (API docs: http://{host}:{port}/schema)")
    uvicorn.run(
        "zones.api.app:create_app", factory=True, host=host, port=port, reload=reload, log_level="info"
    )


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option("--no-serve", is_flag=True, help="Only create or refresh the demo data; do not serve.")
@click.pass_context
def demo(ctx: click.Context, host: str | None, port: int | None, no_serve: bool) -> None:
    """Create or refresh the demo office (Copenhagen, 2 floors, 140 staff) and serve the API."""
    settings = _settings(ctx)
    out.print(f"database: {_redacted(settings.database_url)}", highlight=False)
    _upgrade(settings)
    _print_load_report(_load_office(settings, demo_office_file()), demo_office_file())
    report = _import_staff(settings, demo_staff_file())
    for line in report.lines():
        out.print(line, highlight=False)
    if not report.written:
        sys.exit(2)

    async def summaries(database: Database) -> list[Any]:
        async with database.read_session() as session:
            ids = list(await session.scalars(select(Site.id).where(Site.key == "kff-cph")))
            return [await summarise_site(session, site_id) for site_id in ids]

    for summary in _run(settings, summaries):
        _print_summary(summary)
    if not no_serve:
        _serve(settings, host or settings.host, port or settings.port)


if __name__ == "__main__":  # pragma: no cover
    main()
