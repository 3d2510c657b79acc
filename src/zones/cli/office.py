"""`zones office`: load an office file and summarise the office."""

from __future__ import annotations

from pathlib import Path

import click
import msgspec
from rich.table import Table

from zones.cli.output import Invocation, fail, fail_config, out, pass_invocation, run
from zones.db import Database
from zones.office.errors import ConfigError
from zones.office.load import LoadReport, PlacesStillBooked, load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file
from zones.office.service import site_summaries
from zones.office.summary import SiteSummary


@click.group()
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
@pass_invocation
def office_load(invocation: Invocation, file: Path, policy_file: Path | None) -> None:
    """Create or update a site from an office FILE (TOML); re-running changes nothing."""
    print_load_report(load_office_into(invocation, file, policy_file), file)


def load_office_into(invocation: Invocation, file: Path, policy_file: Path | None = None) -> LoadReport:
    """Check an office file, then write it into the database; problems stop with one-line errors."""
    try:
        defaults = load_policy_file(policy_file or default_policy_file())
        office_spec = load_office_file(file, defaults)
    except ConfigError as error:
        fail_config(error)

    async def work(database: Database) -> LoadReport:
        try:
            async with database.write_session() as session:
                return await load_office(session, office_spec, defaults, clock=invocation.clock)
        except PlacesStillBooked as refused:
            fail(f"{file}: {refused.detail}", 2)

    return run(invocation.settings, work)


def print_load_report(report: LoadReport, file: Path) -> None:
    """Whether the site changed, then one line per kind of thing."""
    out.print(f"[bold]{file}[/]: site [bold]{report.site_key}[/] {report.outcome}", highlight=False)
    for line in report.lines():
        out.print(f"  {line}", highlight=False)


@office.command("show")
@click.option("--site", "site_key", default=None, help="Site key (default: every site).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@pass_invocation
def office_show(invocation: Invocation, site_key: str | None, as_json: bool) -> None:
    """Summarise the office: zones per floor, desks, m², air and desks per person."""
    summaries = read_summaries(invocation, site_key)
    if as_json:
        click.echo(msgspec.json.format(msgspec.json.encode(summaries)).decode())
        return
    for summary in summaries:
        print_summary(summary)


def read_summaries(invocation: Invocation, site_key: str | None) -> list[SiteSummary]:
    """The summary of every site, or of the site with `site_key`."""

    async def work(database: Database) -> list[SiteSummary]:
        async with database.read_session() as session:
            return await site_summaries(session, site_key)

    return run(invocation.settings, work)


def print_summary(summary: SiteSummary) -> None:
    """A table of zones per floor, then desks by activity, staff and the desks-per-FTE check."""
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
