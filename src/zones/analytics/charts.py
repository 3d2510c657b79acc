"""Occupancy charts: utilisation heatmap (group × day), weekday profile and weekly trend, as SVG or PNG.

Drawn with matplotlib like the planner's charts (`zones.optimizer.planning.charts`), but on a bare
`Figure` rather than through pyplot, whose global figure list is not safe in the server's worker
threads. Every cell, bar and line carries a `gid`, which becomes its `id` in the SVG
(`cell-<group>-<day>`, `weekday-<group>-<mon>`, `trend-<group>`), so tests and readers can find
them; every cell prints its figure, so colour is never the only signal.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

from zones.analytics.schemas import GroupFigures, Occupancy
from zones.errors import NotFound
from zones.weekdays import WEEKDAYS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHARTS = ("heatmap", "weekdays", "trend")
FORMATS = ("svg", "png")
ChartFormat = Literal["svg", "png"]


def chart(result: Occupancy, name: str, file_format: str) -> bytes:
    """The chart `name` (`heatmap`, `weekdays`, `trend`) of `result` as SVG or PNG bytes."""
    if name not in CHARTS or file_format not in FORMATS:
        raise NotFound(
            f"No chart {name}.{file_format}: ask for heatmap, weekdays or trend, as .svg or .png",
            message_id="not-found.chart",
            params={"chart": f"{name}.{file_format}"},
        )
    figure = {"heatmap": heatmap_figure, "weekdays": weekday_figure, "trend": trend_figure}[name](result)
    buffer = io.BytesIO()
    # No date in the metadata: the same figures give the same file.
    metadata = {"Date": None} if file_format == "svg" else {}
    figure.savefig(buffer, format=file_format, dpi=110, metadata=metadata)
    return buffer.getvalue()


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _measure(group: GroupFigures) -> str:
    """Utilisation where the group has desks; check-ins for teams, which own none."""
    return "utilisation" if group.desks else "checked in"


def heatmap_figure(result: Occupancy) -> Figure:
    """Each group's utilisation on each day (teams: people checked in), numbers in the cells."""
    import matplotlib
    from matplotlib.patches import Rectangle

    colours = matplotlib.colormaps["viridis"]
    days, groups = result.days, result.groups
    figure = _figure(max(6.0, 1.0 * len(days) + 3), max(2.5, 0.45 * len(groups) + 1.8))
    axes = figure.add_subplot()
    axes.set_gid("heatmap-axes")
    for row, group in enumerate(groups):
        for column, figures in enumerate(group.days):
            value = figures.utilisation
            shade = colours(value if value is not None else 0.0) if value is not None else (1, 1, 1, 1)
            axes.add_patch(
                Rectangle(
                    (column - 0.5, row - 0.5),
                    1,
                    1,
                    facecolor=shade,
                    edgecolor="white",
                    gid=f"cell-{group.key}-{figures.day.isoformat()}",
                )
            )
            text = f"{value:.0%}" if value is not None else str(figures.checked_in)
            dark = value is not None and value <= 0.6
            axes.text(
                column, row, text, ha="center", va="center", fontsize=8, color="white" if dark else "black"
            )
    axes.set_xlim(-0.5, len(days) - 0.5)
    axes.set_ylim(len(groups) - 0.5, -0.5)
    axes.set_xticks(range(len(days)), [d.strftime("%a %d %b") for d in days], rotation=30, ha="right")
    axes.set_yticks(range(len(groups)), [g.name for g in groups])
    axes.set_xlabel("day")
    axes.set_ylabel(result.by.value)
    axes.set_title(
        f"{result.site_name}: booked half-days ÷ bookable half-days, {result.starts_on} to {result.ends_on}",
        fontsize=10,
    )
    return figure


def weekday_figure(result: Occupancy) -> Figure:
    """Mean utilisation per weekday, one bar per group and weekday."""
    weekdays = [w for w in WEEKDAYS if any(w.value in g.weekdays for g in result.groups)]
    figure = _figure(max(6.0, 1.2 * len(weekdays) + 3), 4.0)
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(result.groups))
    for number, group in enumerate(result.groups):
        for column, weekday in enumerate(weekdays):
            value = group.weekdays.get(weekday.value)
            if value is None:
                continue
            axes.bar(
                column + number * width - 0.4 + width / 2,
                value,
                width,
                label=group.name if column == 0 else None,
                gid=f"weekday-{group.key}-{weekday.value}",
            )
    axes.set_xticks(range(len(weekdays)), [w.value for w in weekdays])
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("utilisation (booked ÷ bookable half-days)")
    axes.set_title(
        f"{result.site_name}: weekday profile, {result.starts_on} to {result.ends_on}", fontsize=10
    )
    if result.groups:
        axes.legend(fontsize=8)
    return figure


def trend_figure(result: Occupancy) -> Figure:
    """Utilisation week by week (teams: people checked in), one line per group."""
    figure = _figure(7.0, 4.0)
    axes = figure.add_subplot()
    weeks = sorted({w.week for g in result.groups for w in g.weeks})
    for group in result.groups:
        by_week = {w.week: w for w in group.weeks}
        values = [
            (by_week[w].utilisation if group.desks else by_week[w].checked_in) if w in by_week else None
            for w in weeks
        ]
        axes.plot(
            range(len(weeks)),
            [float("nan") if v is None else v for v in values],
            marker="o",
            label=f"{group.name} ({_measure(group)})",
            gid=f"trend-{group.key}",
        )
    axes.set_xticks(range(len(weeks)), weeks)
    axes.set_xlabel("ISO week")
    axes.set_ylabel("utilisation, or people checked in for teams")
    axes.set_title(f"{result.site_name}: weekly trend", fontsize=10)
    if result.groups:
        axes.legend(fontsize=8)
    return figure
