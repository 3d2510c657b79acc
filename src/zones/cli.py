"""The `zones` command line: run the server, manage the database, load offices and staff."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
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
from zones.office.load import LoadReport, load_office
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
        async with database.write_session() as session:
            return await load_office(session, office_spec, defaults)

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
    from datetime import timedelta

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
