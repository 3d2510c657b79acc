"""Charts for planners: utilisation heatmap (zone × day) and the what-if curve, as PNG and SVG.

Both show the figures of the densification analysis with the same denominators (utilisation is
people present ÷ usable desks). Every part a reader looks for carries a matplotlib `gid`, which
becomes the element's `id` in the SVG: `heatmap-axes`, `heatmap-xlabel`, `heatmap-ylabel`,
`target-line`, `cap-<zone>`, `floor-<floor>`, `room-<code>`; `whatif-kpi-axes`, `whatif-space-axes`,
`whatif-xlabel`, `whatif-kpi-ylabel`, `whatif-space-ylabel`, `first-warning-line`,
`first-warning-label`, `first-breach-line`, `first-breach-label`, `area-threshold`, `air-threshold`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zones.optimizer.planning.densification import DensificationAnalysis
from zones.optimizer.planning.whatif import DensificationSweep

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.text import Text

SWEEP_KPIS: tuple[tuple[str, str], ...] = (
    ("peak_utilisation", "busiest-day utilisation (share of usable desks)"),
    ("preferences_honoured", "preferred days honoured"),
    ("team_overlap_days_met", "team days met"),
    ("teammate_overlap", "teammates in on the same day"),
)
MARKER_LABELS = ("first-warning-label", "first-breach-label")


def render_charts(
    analysis: DensificationAnalysis,
    folder: Path,
    sweep: DensificationSweep | None = None,
    formats: Sequence[str] = ("png", "svg"),
) -> list[Path]:
    """Write the heatmap (and the what-if curve, given a sweep) into `folder`; return the files."""
    from matplotlib import pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    figure = heatmap_figure(analysis)
    written = _save(figure, folder / "utilisation_heatmap", formats)
    plt.close(figure)
    if sweep is not None and sweep.steps:
        figure = whatif_figure(sweep)
        written += _save(figure, folder / "whatif_curve", formats)
        plt.close(figure)
    return written


@dataclass(frozen=True)
class _Row:
    label: str
    gid: str
    values: dict[date, float]
    counts: dict[date, str]
    cap: str = ""
    heading: bool = False
    room: bool = False


def _heatmap_rows(analysis: DensificationAnalysis) -> list[_Row]:
    """Floors in order, each a heading row, then its zones (by activity and name), then its rooms."""
    rows: list[_Row] = []
    floors = sorted({f.floor for f in analysis.zones} | {r.floor for r in analysis.rooms})
    configured = {f.key: f for f in analysis.configured}
    for floor in floors:
        rows.append(_Row(f"Floor {floor}", f"floor-{floor}", {}, {}, heading=True))
        zones: dict[str, list[Any]] = {}
        for figures in analysis.zones:
            if figures.floor == floor:
                zones.setdefault(figures.key, []).append(figures)
        for key, days in sorted(zones.items(), key=lambda item: (item[1][0].activity, item[1][0].label)):
            first = days[0]
            # As configured: a day the zone is closed has none, and its cell says so.
            usable = configured.get(key, first).seats
            cap = f"cap {usable} of {first.desks} desks" if usable < first.desks else ""
            rows.append(
                _Row(
                    f"{first.label} ({first.activity}, {usable} usable desks" + (f"; {cap})" if cap else ")"),
                    f"zone-{key}",
                    {f.day: f.utilisation for f in days},
                    {f.day: "closed" if f.closed else f"{f.present}/{f.seats}" for f in days},
                    cap,
                )
            )
        rooms: dict[str, list[Any]] = {}
        for room in analysis.rooms:
            if room.floor == floor:
                rooms.setdefault(room.room, []).append(room)
        for code, days in sorted(rooms.items()):
            rows.append(
                _Row(
                    f"Workshop room {code} ({days[0].capacity} seats)",
                    f"room-{code}",
                    {r.day: r.utilisation for r in days},
                    {r.day: f"{r.people}/{r.capacity}" for r in days},
                    room=True,
                )
            )
    return rows


def heatmap_figure(analysis: DensificationAnalysis) -> Figure:
    """Utilisation of every zone and workshop room on every day, grouped by floor."""
    import matplotlib

    matplotlib.use("Agg")  # no display: charts are files
    import numpy as np
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    days = sorted({f.day for f in analysis.zones if f.day is not None} | {r.day for r in analysis.rooms})
    rows = _heatmap_rows(analysis)
    grid = np.ma.masked_invalid(
        [[np.nan if row.heading else row.values.get(day, 0.0) for day in days] for row in rows]
    )
    figure, axes = plt.subplots(figsize=(max(10.0, 1.2 * len(days) + 6), max(3.5, 0.38 * len(rows) + 2.2)))
    axes.set_gid("heatmap-axes")
    colours = matplotlib.colormaps["viridis"].with_extremes(bad="white")
    image = axes.imshow(grid, aspect="auto", cmap=colours, vmin=0.0, vmax=1.0)
    axes.set_xticks(range(len(days)), [d.strftime("%a %d %b") for d in days], rotation=30, ha="right")
    axes.set_yticks(range(len(rows)), [row.label for row in rows])
    for tick, row in zip(axes.get_yticklabels(), rows, strict=True):
        tick.set_gid(row.gid)
        if row.heading:
            tick.set_fontweight("bold")
    target = analysis.utilisation_target
    for number, row in enumerate(rows):
        if row.heading:
            continue
        for column, day in enumerate(days):
            value = row.values.get(day, 0.0)
            # Numbers in the cells, and a frame above the target: colour is never the only signal.
            axes.text(
                column,
                number,
                f"{value:.0%}\n{row.counts.get(day, '')}",
                ha="center",
                va="center",
                fontsize=7,
                color="black" if value > 0.6 else "white",
            )
            if value > target and not row.room:
                axes.add_patch(
                    Rectangle((column - 0.5, number - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=1.5)
                )
        if row.cap:
            axes.add_patch(
                Rectangle(
                    (-0.45, number - 0.45),
                    len(days) - 0.1,
                    0.9,
                    fill=False,
                    edgecolor="white",
                    linestyle="--",
                    linewidth=1.2,
                    gid=f"cap-{row.gid.removeprefix('zone-')}",
                )
            )
    bar = figure.colorbar(image, ax=axes)
    bar.set_label("share of usable desks (rooms: of seats)")
    bar.ax.set_gid("heatmap-colorbar")
    bar.ax.axhline(target, color="red", linewidth=2, gid="target-line")
    ticks = [t for t in (0.0, 0.25, 0.5, 0.75, 1.0) if abs(t - target) > 0.06]
    bar.set_ticks([*ticks, target], labels=[f"{t:.0%}" for t in ticks] + [f"target {target:.0%}"])
    axes.set_xlabel("day", gid="heatmap-xlabel")
    axes.set_ylabel("zone or workshop room, by floor", gid="heatmap-ylabel")
    axes.set_title(f"Utilisation by zone and day — {analysis.scenario}", fontsize=11)
    figure.text(
        0.01,
        0.01,
        f"Cells: people ÷ usable desks (desks, or the occupancy cap if lower). Red frame: above the"
        f" planner's target of {target:.0%}. Dashed outline: a zone under an occupancy cap.",
        fontsize=8,
        wrap=True,
        gid="heatmap-caption",
    )
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return figure


def whatif_figure(sweep: DensificationSweep) -> Figure:
    """KPIs, and m² and m³ per person, as desks are taken away; where the first warning and breach are."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, (kpi_axes, space_axes) = plt.subplots(
        2, 1, figsize=(9, 7), sharex=True, gridspec_kw={"height_ratios": (3, 2)}
    )
    kpi_axes.set_gid("whatif-kpi-axes")
    space_axes.set_gid("whatif-space-axes")
    x = [s.desks_per_person for s in sweep.steps]
    for key, label in SWEEP_KPIS:
        kpi_axes.plot(
            x, [s.kpis.get(key, 0.0) for s in sweep.steps], marker="o", label=label, gid=f"kpi-{key}"
        )
    kpi_axes.set_ylabel("share (0 = none, 1 = all)", gid="whatif-kpi-ylabel")
    kpi_axes.set_ylim(-0.02, 1.08)
    kpi_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)

    for metric, unit, label, attribute in (
        ("area_m2_per_person", "m²", "floor area, m² per person", "m2_per_person"),
        ("air_m3_per_person", "m³", "air, m³ per person", "m3_per_person"),
    ):
        values = [getattr(s, attribute) for s in sweep.steps]
        (line,) = space_axes.plot(x, values, marker="s", label=label, gid=f"space-{attribute}")
        threshold = next((t for t in sweep.thresholds if t.metric == metric), None)
        level = None if threshold is None else threshold.warning or threshold.breach
        if level is not None:
            space_axes.axhline(
                level,
                color=line.get_color(),
                linestyle="--",
                linewidth=1,
                label=f"{unit} threshold ({level:g} {unit})",
                gid="area-threshold" if unit == "m²" else "air-threshold",
            )
    space_axes.set_ylabel("per person, most crowded zone-day", gid="whatif-space-ylabel")
    space_axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    space_axes.set_xlabel("desks per person (desks ÷ headcount)", gid="whatif-xlabel")
    space_axes.invert_xaxis()  # densifying reads left to right (shared with the KPI axes)
    figure.suptitle(f"What if we densify? ({sweep.mode.replace('_', ' ')}, one plan per step)")

    labels: list[Text] = []
    for step, name, style in (
        (sweep.first_warning, "first-warning", "--"),
        (sweep.first_breach, "first-breach", ":"),
    ):
        if step is None:
            continue
        for axes in (kpi_axes, space_axes):
            axes.axvline(step.desks_per_person, color="grey", linestyle=style, gid=f"{name}-line")
        # Above the plotting area, where no line runs; the gap keeps it clear of its own line.
        labels.append(
            kpi_axes.annotate(
                f"{name.replace('-', ' ')}: {step.desks_per_person:.2f} desks per person",
                (step.desks_per_person, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(4, 4),
                textcoords="offset points",
                ha="left",
                va="bottom",
                fontsize=8,
                gid=f"{name}-label",
            )
        )
    figure.tight_layout()
    _separate(figure, labels)
    return figure


def _separate(figure: Figure, labels: list[Text]) -> None:
    """Lift a marker label above any earlier one it would touch (warning and breach at one step)."""
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    for number, label in enumerate(labels):
        lift = 4
        while any(
            label.get_window_extent(renderer).overlaps(other.get_window_extent(renderer))
            for other in labels[:number]
        ):
            lift += 11
            label.xyann = (4, lift)
    if len(labels) > 1:
        figure.tight_layout()


def _save(figure: Figure, stem: Path, formats: Sequence[str]) -> list[Path]:
    paths = []
    for extension in formats:
        path = stem.with_suffix(f".{extension}")
        figure.savefig(path, dpi=120)
        paths.append(path)
    return paths
