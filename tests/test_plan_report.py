"""What planners see: figures that agree, thresholds from the policy file, a report that reads well."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from zones.cli import main
from zones.office.parse import load_policy_file
from zones.office.paths import default_policy_file
from zones.office.policy import effective_policy
from zones.office.spec import PolicySpec
from zones.optimizer import planning
from zones.optimizer.planning import (
    Desk,
    Employee,
    Plan,
    PlanOptions,
    Room,
    Scenario,
    Seat,
    Session,
    Zone,
    analyse_densification,
    default_thresholds,
    plan_kpis,
    plan_office,
    plan_report,
    write_scenario,
)
from zones.optimizer.planning.charts import heatmap_figure
from zones.plans.document import plan_document

TUE, WED = date(2026, 3, 3), date(2026, 3, 4)


def hand_office() -> Scenario:
    """Quiet zone Q: 10 desks, occupancy cap 8, 80 m² under 2.5 m; collaboration zone C: 10 desks,
    100 m² under 3 m; a workshop room of 6 seats. 20 people."""
    quiet = Zone(
        key="Q",
        name="Quiet room",
        floor="1",
        activity="quiet",
        area_m2=80.0,
        ceiling_height_m=2.5,
        desks=tuple(Desk(code=f"Q{n}") for n in range(10)),
        occupancy_cap=8,
    )
    collab = Zone(
        key="C",
        name="Team area",
        floor="1",
        activity="collaboration",
        area_m2=100.0,
        ceiling_height_m=3.0,
        desks=tuple(Desk(code=f"C{n}") for n in range(10)),
    )
    rooms = Zone(
        key="W",
        name="Workshops",
        floor="2",
        activity="facilitation",
        area_m2=30.0,
        ceiling_height_m=3.0,
        rooms=(Room(code="W1", capacity=6),),
    )
    return Scenario(
        name="hand office",
        days=(TUE, WED),
        zones=(quiet, collab, rooms),
        employees=tuple(Employee(key=f"p{n:02d}", name=f"Person {n}") for n in range(20)),
    )


def hand_plan() -> Plan:
    """Tuesday: 8 people in Q (its cap), 9 in C. Wednesday: 8 in Q, 2 in C."""
    seats = {(f"p{n:02d}", TUE): Seat("Q", f"Q{n}") for n in range(8)}
    seats |= {(f"p{n:02d}", TUE): Seat("C", f"C{n - 8}") for n in range(8, 17)}
    seats |= {(f"p{n:02d}", WED): Seat("Q", f"Q{n}") for n in range(8)}
    seats |= {(f"p{n:02d}", WED): Seat("C", f"C{n - 8}") for n in range(8, 10)}
    return Plan(scenario="hand office", planner="hand", seats=seats)


def test_densification_figures_of_a_hand_computed_office_agree_everywhere() -> None:
    scenario, plan = hand_office(), hand_plan()
    analysis = analyse_densification(scenario, plan)
    flags = {(f.metric, f.zone, f.day): f for f in analysis.flags}

    # By hand: usable desks = 8 (Q's cap) + 10 = 18 of 20 desks; Tuesday has 17 people in.
    peak = flags["peak_utilisation", None, TUE]
    assert peak.figure == pytest.approx(17 / 18)
    assert peak.unit == "share of usable desks"
    assert peak.basis == "17 people ÷ 18 usable desks (20 desks, occupancy caps allow 18)"
    assert plan_kpis(scenario, plan).peak_utilisation == pytest.approx(17 / 18)
    # Q holds 8 people at 8 usable desks on both days: 1.00, a warning above 0.9.
    for day in (TUE, WED):
        quiet = flags["quiet_zone_utilisation", "Q", day]
        assert (quiet.severity, quiet.figure) == ("warning", pytest.approx(1.0))
        assert quiet.basis == "8 people ÷ 8 usable desks (10 desks, occupancy caps allow 8)"
        assert quiet.name == "quiet-zone utilisation" and quiet.scope == f"Quiet room on {day}"

    # plan.json carries the same figures and what they were divided by.
    document = plan_document(scenario, plan, plan, analysis)
    stored = {(f["metric"], f["zone"], f["day"]): f for f in msgspec.to_builtins(document.flags)}
    assert stored["peak_utilisation", None, TUE.isoformat()]["figure"] == pytest.approx(17 / 18)
    assert stored["peak_utilisation", None, TUE.isoformat()]["basis"] == peak.basis
    assert stored["quiet_zone_utilisation", "Q", TUE.isoformat()]["figure"] == pytest.approx(1.0)

    # The heatmap shows the same share and counts in each cell: Q 8/8 = 100 %, C 9/10 = 90 %.
    figure = heatmap_figure(analysis)
    cells = {text.get_text() for text in figure.axes[0].texts}
    assert {"100%\n8/8", "90%\n9/10", "20%\n2/10"} <= cells
    assert "80%\n8/10" not in cells

    # The report: one row per zone, the same share, and m² and m³ per person with their margins.
    report = plan_report(analysis, site="hand office", days=scenario.days, run="now")
    zones = next(t for t in report.tables if t.title.startswith("Zones"))
    rows = {row[0]: row for row in zones.rows}
    assert set(rows) == {"Quiet room", "Team area"}
    assert rows["Quiet room"][3] == "8 (cap; 10 desks)"
    assert rows["Quiet room"][6] == "10.0 m² (0.0 above 10)"  # 80 m² ÷ 8
    assert rows["Quiet room"][7] == "25.0 m³ (13.0 above 12)"  # 200 m³ ÷ 8
    assert rows["Team area"][5] == "Tue 03 Mar: 90%"
    assert rows["Team area"][6] == "11.1 m² (1.1 above 10)"  # 100 m² ÷ 9
    assert rows["Team area"][7] == "33.3 m³ (21.3 above 12)"  # 300 m³ ÷ 9
    header = dict(report.header)
    assert "94% of usable desks (17 people ÷ 18 usable desks (20 desks" in header["Busiest day"]


def test_the_quiet_zone_threshold_lives_in_the_policy_file_and_changing_it_changes_the_flag(
    tmp_path: Path,
) -> None:
    text = default_policy_file().read_text(encoding="utf-8")
    shipped = {t.metric: t for t in default_thresholds("DK")}
    quiet = shipped["quiet_zone_utilisation"]
    assert (quiet.warning, quiet.breach, quiet.unit) == (0.9, 1.0, "share of usable desks")
    assert 'metric = "quiet_zone_utilisation"' in text and quiet.source in text

    scenario = hand_office()
    seats = {(f"p{n:02d}", TUE): Seat("Q", f"Q{n}") for n in range(6)}  # 6 of 8 usable: 0.75
    plan = Plan(scenario="hand office", planner="hand", seats=seats)

    def quiet_flags(thresholds: tuple[planning.Threshold, ...]) -> list[tuple[str, float | None]]:
        flags = analyse_densification(scenario, plan, thresholds).flags
        return [(f.severity, f.threshold) for f in flags if f.metric == "quiet_zone_utilisation"]

    assert quiet_flags(default_thresholds("DK")) == []
    stricter = tmp_path / "policy.toml"
    stricter.write_text(
        re.sub(
            r'(metric = "quiet_zone_utilisation"\ncountries = \["\*"\]\ndirection = "max"\n)warning = 0\.9',
            r"\1warning = 0.7",
            text,
        ),
        encoding="utf-8",
    )
    assert quiet_flags(default_thresholds("DK", stricter)) == [("warning", 0.7)]


@pytest.mark.parametrize("country", ["DK", "GB", "SE"])
def test_the_library_and_a_site_read_the_same_thresholds_from_the_policy_file(country: str) -> None:
    site = effective_policy(load_policy_file(default_policy_file()), PolicySpec(), country)
    from_site = {
        (t.metric, t.warning, t.breach, t.unit, t.source, t.counted_height_max_m) for t in site.thresholds
    }
    from_library = {
        (t.metric, t.warning, t.breach, t.unit, t.source, t.counted_height_max_m)
        for t in default_thresholds(country)
    }
    assert from_site == from_library


def test_people_on_leave_on_their_workshop_day_are_reported_in_plan_flags_and_json() -> None:
    scenario = msgspec.structs.replace(
        hand_office(),
        employees=(
            Employee(key="ann", name="Ann Holm", unavailable=(TUE,)),
            Employee(key="bob", name="Bob Berg"),
        ),
        sessions=(Session(key="s1", name="Budget kick-off", day=TUE, size=2, participants=("ann", "bob")),),
    )
    plan = plan_office(scenario, PlanOptions(time_limit=2, seed=0))
    [note] = plan.notes
    assert note.person == "ann" and note.day == TUE
    assert "Ann Holm" in note.message and "Budget kick-off" in note.message
    analysis = analyse_densification(scenario, plan)
    [flag] = [f for f in analysis.flags if f.metric == "leave_on_workshop_day"]
    assert "Ann Holm" in flag.message
    document = plan_document(scenario, plan, plan, analysis)
    assert document.notes[0]["person"] == "ann"
    report = plan_report(analysis, site="x", days=scenario.days, run="now", notes=plan.notes)
    assert any("leave" in t.title and "Ann Holm" in t.rows[0][1] for t in report.tables)


def _report_output(tmp_path: Path, columns: int) -> str:
    scenario = msgspec.structs.replace(
        hand_office(),
        employees=tuple(
            Employee(key=f"p{n:02d}", preferred_days=("tue", "wed") if n < 10 else ()) for n in range(36)
        ),  # one day each (40 % of 2 days, rounded up): 18 a day, every usable desk taken
        policy=planning.PlanningPolicy(attendance_min_share=0.4, attendance_max_share=0.4),
    )
    path = tmp_path / "office.json"
    write_scenario(scenario, path)
    result = CliRunner(env={"COLUMNS": str(columns)}).invoke(
        main,
        ["plan", "scenario", str(path), "--time-limit", "3", "--seed", "0", "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout.split("\nwritten:", 1)[0]


def test_the_report_has_a_header_human_names_whole_sources_one_row_per_zone_and_the_terminal_width(
    tmp_path: Path,
) -> None:
    wide = _report_output(tmp_path, 400)
    for field in ("Site", "Weeks", "Run", "People", "Desks", "Busiest day", "Flags"):
        assert re.search(rf"^{field}\s{{2,}}\S", wide, re.M), field
    assert "hand office" in wide and "2026-W10" in wide and "time limit 3 s" in wide
    # No code names: metrics, constraints and zones are named as people say them.
    assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b|hard:", wide), re.findall(r"\S*_\S*|hard:\S*", wide)
    assert "quiet-zone utilisation" in wide and "Quiet room" in wide
    # Whole sources, not their first clause.
    quiet = next(t for t in default_thresholds("DK") if t.metric == "quiet_zone_utilisation")
    assert quiet.source in wide
    # One row per zone in the zone table, and one flag row for the quiet zone with both its days.
    zone_table = wide.split("Zones: people per day", 1)[1].split("Densification flags", 1)[0]
    assert len(re.findall(r"│ Quiet room ", zone_table)) == 1
    assert len(re.findall(r"│ Team area ", zone_table)) == 1
    flag_rows = [line for line in wide.splitlines() if "quiet-zone utilisation" in line]
    assert len(flag_rows) == 1 and "Tue 03 Mar, Wed 04 Mar" in flag_rows[0]
    # Margins are shown for every zone, flagged or not.
    assert re.search(r"Team area .* m² \(\d+\.\d (above|below) 10\)", zone_table)
    # The width follows COLUMNS.
    assert max(len(line) for line in wide.splitlines()) > 200
    narrow = _report_output(tmp_path, 90)
    assert max(len(line) for line in narrow.splitlines()) <= 90
