"""The charts name what they show, and their labels stay clear of the plotted lines."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from zones.optimizer.planning import (
    Desk,
    Employee,
    Plan,
    Room,
    Scenario,
    Seat,
    Session,
    Zone,
    analyse_densification,
    default_thresholds,
    render_charts,
)
from zones.optimizer.planning.charts import MARKER_LABELS, whatif_figure
from zones.optimizer.planning.whatif import DensificationSweep, SweepStep

pytest.importorskip("matplotlib")

TUE, WED = date(2026, 3, 3), date(2026, 3, 4)


def two_floors() -> tuple[Scenario, Plan]:
    """Floor 0: quiet zone with a cap; floor 1: a team area and a workshop room used on Tuesday."""
    quiet = Zone(
        key="quiet-0",
        name="Quiet room",
        floor="0",
        activity="quiet",
        area_m2=80.0,
        ceiling_height_m=2.5,
        desks=tuple(Desk(code=f"Q{n}") for n in range(10)),
        occupancy_cap=8,
    )
    team = Zone(
        key="team-1",
        name="Team area",
        floor="1",
        activity="collaboration",
        area_m2=100.0,
        ceiling_height_m=3.0,
        desks=tuple(Desk(code=f"C{n}") for n in range(10)),
    )
    workshops = Zone(
        key="workshops-1",
        name="Workshops",
        floor="1",
        activity="facilitation",
        area_m2=30.0,
        ceiling_height_m=3.0,
        rooms=(Room(code="W1", capacity=6),),
    )
    scenario = Scenario(
        name="two floors",
        days=(TUE, WED),
        zones=(quiet, team, workshops),
        employees=tuple(Employee(key=f"p{n}") for n in range(12)),
        sessions=(Session(key="s1", day=TUE, size=3, participants=("p0", "p1", "p2")),),
    )
    seats = {(f"p{n}", TUE): Seat("quiet-0", f"Q{n}") for n in range(8)}
    seats |= {(f"p{n}", WED): Seat("team-1", f"C{n}") for n in range(4)}
    return scenario, Plan(scenario="two floors", planner="hand", seats=seats, rooms={"s1": "W1"})


def svg_ids(path: Path) -> set[str]:
    return set(re.findall(r'id="([^"]+)"', path.read_text(encoding="utf-8")))


def test_the_heatmap_names_zones_groups_floors_marks_target_and_caps_and_shows_rooms(tmp_path: Path) -> None:
    scenario, plan = two_floors()
    written = render_charts(analyse_densification(scenario, plan), tmp_path, formats=("svg",))
    [heatmap] = written
    ids = svg_ids(heatmap)
    for wanted in (
        "heatmap-axes",
        "heatmap-xlabel",
        "heatmap-ylabel",
        "heatmap-colorbar",
        "target-line",
        "cap-quiet-0",
        "floor-0",
        "floor-1",
        "zone-quiet-0",
        "zone-team-1",
        "room-W1",
    ):
        assert wanted in ids, wanted
    text = heatmap.read_text(encoding="utf-8")
    # Zone names, not keys, as row labels (matplotlib writes SVG text as comments beside the glyphs).
    assert "Quiet room" in text and "Team area" in text and "Workshop room W1" in text


def sweep_with_markers(same_step: bool) -> DensificationSweep:
    steps = tuple(
        SweepStep(
            step=n,
            desks=40 - 5 * n,
            headcount=50,
            desks_per_person=(40 - 5 * n) / 50,
            kpis={
                "peak_utilisation": min(1.0, 0.7 + 0.1 * n),
                "preferences_honoured": 1.0 - 0.12 * n,
                "team_overlap_days_met": 1.0 - 0.1 * n,
                "teammate_overlap": 0.8 - 0.05 * n,
            },
            warnings=(),
            breaches=(),
            m2_per_person=14.0 - 1.2 * n,
            m3_per_person=36.0 - 3.5 * n,
        )
        for n in range(6)
    )
    return DensificationSweep(
        mode="remove_desks",
        steps=steps,
        first_warning=steps[2],
        first_breach=steps[2] if same_step else steps[3],
        thresholds=default_thresholds("DK"),
    )


@pytest.mark.parametrize("same_step", [False, True], ids=["apart", "same step"])
def test_the_what_if_curve_labels_axes_and_markers_clear_of_every_line(
    same_step: bool, tmp_path: Path
) -> None:
    sweep = sweep_with_markers(same_step)
    figure = whatif_figure(sweep)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    labels = [t for axes in figure.axes for t in axes.texts if t.get_gid() in MARKER_LABELS]
    assert sorted(t.get_gid() for t in labels) == sorted(MARKER_LABELS)
    lines = [line for axes in figure.axes for line in axes.get_lines()]
    assert len(lines) >= 4 + 2 + 2 + 4  # KPIs, m² and m³, their thresholds, two markers on two axes
    for label in labels:
        box = label.get_window_extent(renderer)
        for line in lines:
            path = line.get_transform().transform_path(line.get_path())
            assert not path.intersects_bbox(box, filled=False), (label.get_text(), line.get_gid())
    first, second = (t.get_window_extent(renderer) for t in labels)
    assert not first.overlaps(second)
    assert figure.axes[1].get_xlabel() == "desks per person (desks ÷ headcount)"
    assert "share" in figure.axes[0].get_ylabel() and "per person" in figure.axes[1].get_ylabel()

    figure.savefig(tmp_path / "whatif.svg")
    ids = svg_ids(tmp_path / "whatif.svg")
    for wanted in (
        "whatif-kpi-axes",
        "whatif-space-axes",
        "whatif-xlabel",
        "whatif-kpi-ylabel",
        "whatif-space-ylabel",
        "first-warning-line",
        "first-warning-label",
        "first-breach-line",
        "first-breach-label",
        "area-threshold",
        "air-threshold",
        "space-m2_per_person",
        "space-m3_per_person",
    ):
        assert wanted in ids, wanted
