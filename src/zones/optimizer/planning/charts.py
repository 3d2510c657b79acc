"""Charts for planners: utilisation heatmap (day × zone) and the what-if curve, as PNG and SVG."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from zones.optimizer.planning.densification import DensificationAnalysis
from zones.optimizer.planning.whatif import DensificationSweep

SWEEP_KPIS: tuple[tuple[str, str], ...] = (
    ("peak_utilisation", "peak-day utilisation"),
    ("desks_per_fte", "desks per FTE"),
    ("preferences_honoured", "preferences honoured"),
    ("team_overlap_days_met", "team overlap days met"),
    ("teammate_overlap", "teammate overlap"),
)


def render_charts(
    analysis: DensificationAnalysis,
    folder: Path,
    sweep: DensificationSweep | None = None,
    formats: Sequence[str] = ("png", "svg"),
) -> list[Path]:
    """Write the heatmap (and the what-if curve, given a sweep) into `folder`; return the files."""
    import matplotlib

    matplotlib.use("Agg")  # no display: charts are files
    from matplotlib import pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    days = sorted({f.day for f in analysis.zones if f.day is not None})
    zones = sorted({f.key for f in analysis.zones})
    share = {(f.key, f.day): f.people_per_desk for f in analysis.zones}
    figure, axes = plt.subplots(figsize=(max(5.0, 1.1 * len(days) + 3), max(3.0, 0.35 * len(zones) + 1.5)))
    grid = [[share.get((zone, day), 0.0) for day in days] for zone in zones]
    image = axes.imshow(grid, aspect="auto", cmap="viridis", vmin=0.0, vmax=1.0)
    axes.set_xticks(range(len(days)), [d.strftime("%a %d %b") for d in days], rotation=45, ha="right")
    axes.set_yticks(range(len(zones)), zones)
    # Numbers in the cells: colour is never the only signal (colour-blind readers).
    if len(zones) * len(days) <= 400:
        for row, zone in enumerate(zones):
            for column, day in enumerate(days):
                value = share.get((zone, day), 0.0)
                axes.text(
                    column,
                    row,
                    f"{value:.0%}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="black" if value > 0.6 else "white",
                )
    figure.colorbar(image, ax=axes, label="people present per desk")
    axes.set_title(f"Desk utilisation by zone and day — {analysis.scenario}")
    figure.tight_layout()
    written += _save(figure, folder / "utilisation_heatmap", formats)
    plt.close(figure)

    if sweep is not None and sweep.steps:
        figure, axes = plt.subplots(figsize=(8, 4.5))
        x = [s.desks_per_person for s in sweep.steps]
        for key, label in SWEEP_KPIS:
            axes.plot(x, [s.kpis.get(key, 0.0) for s in sweep.steps], marker="o", label=label)
        for step, name, style in (
            (sweep.first_warning, "first warning", "--"),
            (sweep.first_breach, "first breach", ":"),
        ):
            if step is not None:
                axes.axvline(step.desks_per_person, color="grey", linestyle=style)
                # Label inside the plot, just right of the line, so it never runs into the title.
                axes.annotate(
                    f" {name} ({step.desks_per_person:.2f})",
                    (step.desks_per_person, 0.98),
                    xycoords=("data", "axes fraction"),
                    rotation=90,
                    va="top",
                    ha="left",
                    fontsize=8,
                )
        axes.set_xlabel("desks per person")
        axes.set_ylabel("KPI")
        axes.invert_xaxis()  # densifying reads left to right
        axes.legend(loc="lower left", fontsize=8)
        axes.set_title(f"What if we densify? ({sweep.mode.replace('_', ' ')})")
        figure.tight_layout()
        written += _save(figure, folder / "whatif_curve", formats)
        plt.close(figure)
    return written


def _save(figure: object, stem: Path, formats: Sequence[str]) -> list[Path]:
    paths = []
    for extension in formats:
        path = stem.with_suffix(f".{extension}")
        figure.savefig(path, dpi=120)  # type: ignore[attr-defined]
        paths.append(path)
    return paths
