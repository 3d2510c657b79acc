"""`zones analytics`: planned against booked against used, per zone, floor, team or day."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
import msgspec
from rich.table import Table

from zones.analytics.export import occupancy_csv
from zones.analytics.schemas import GroupFigures, Grouping, Occupancy
from zones.analytics.service import site_occupancy
from zones.cli.output import Invocation, fail, out, pass_invocation, run
from zones.db import Database


def _day(_context: click.Context, _parameter: click.Parameter, value: datetime) -> date:
    return value.date()


@click.command("analytics")
@click.argument("site_key", metavar="SITE")
@click.option(
    "--from", "starts_on", required=True, type=click.DateTime(["%Y-%m-%d"]), callback=_day, help="First day."
)
@click.option(
    "--to", "ends_on", required=True, type=click.DateTime(["%Y-%m-%d"]), callback=_day, help="Last day."
)
@click.option(
    "--by",
    type=click.Choice([g.value for g in Grouping]),
    default=Grouping.ZONE.value,
    show_default=True,
    help="One row per zone, floor, team or day (the whole site).",
)
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write one row per group and day to this CSV file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@pass_invocation
def analytics(
    invocation: Invocation,
    site_key: str,
    starts_on: date,
    ends_on: date,
    by: str,
    csv_file: Path | None,
    as_json: bool,
) -> None:
    """Occupancy of SITE: planned, booked, checked in and no-shows, utilisation, desk sharing, space
    per person against the policy's thresholds, and attendance against the band."""

    async def work(database: Database) -> Occupancy:
        async with database.read_session() as session:
            return await site_occupancy(session, site_key, starts_on, ends_on, Grouping(by))

    result = run(invocation.settings, work)
    if csv_file is not None:
        try:
            csv_file.write_text(occupancy_csv(result), encoding="utf-8")
        except OSError as error:
            fail(f"{csv_file}: cannot write the CSV: {error.strerror}")
    if as_json:
        click.echo(msgspec.json.format(msgspec.json.encode(result)).decode())
        return
    print_occupancy(result)
    if csv_file is not None:
        out.print(f"Wrote {csv_file}", highlight=False)


def print_occupancy(result: Occupancy) -> None:
    """One table row per group (m² and m³ per person on the most crowded day, marked when past a
    threshold), then the threshold checks, the attendance band and the plan used."""
    span = f"{result.starts_on} to {result.ends_on}"
    table = Table(
        title=f"{result.site_name} ({result.site_key}), {span}, by {result.by}",
        title_justify="left",
    )
    for column in (
        "Group",
        "Desks",
        "Plan",
        "Booked",
        "In",
        "No-show",
        "Avg",
        "Peak",
        "Peak day",
        "Sharing",
        "m²/pers",
        "m³/pers",
    ):
        table.add_column(column, justify="left" if column == "Group" else "right", no_wrap=True)
    for group in result.groups:
        table.add_row(
            group.name,
            "–" if group.desks is None else str(group.desks),
            str(group.planned),
            str(group.booked),
            str(group.checked_in),
            str(group.released),
            _share(group.average_utilisation),
            _share(group.peak_utilisation),
            f"{group.peak_day:%a %d %b}" if group.peak_day else "–",
            _number(group.average_sharing_ratio, 2),
            _space(group, "area_m2_per_person"),
            _space(group, "air_m3_per_person"),
        )
    out.print(table)
    names = {t.metric: t.name for t in result.thresholds}
    for group in result.groups:
        for check in group.checks:
            if check.severity is not None and check.figure is not None:
                level = check.breach if check.severity == "breach" else check.warning
                out.print(
                    f"[yellow]{check.severity}:[/] {group.name} on {check.day}: "
                    f"{names.get(check.metric, check.metric)} {check.figure:.2f} {check.unit},"
                    f" {check.severity} level {level:g} ({check.source})",
                    highlight=False,
                    soft_wrap=True,
                )
    band = result.attendance
    out.print(
        f"Attendance against the {band.min_share:.0%}–{band.max_share:.0%} band of contracted days "
        f"({band.working_days} working days): {band.below} below, {band.within} within, "
        f"{band.above} above, of {band.people} people",
        highlight=False,
    )
    out.print(f"Planned: {result.plan_basis}", highlight=False)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _space(group: GroupFigures, metric: str) -> str:
    check = next((c for c in group.checks if c.metric == metric), None)
    if check is None or check.figure is None:
        return "–"
    return f"{check.figure:.1f} {check.severity}" if check.severity else f"{check.figure:.1f}"
