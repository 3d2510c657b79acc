"""Densification flags quote figure, threshold and source; the what-if sweep finds where it hurts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from zones.optimizer.planning import (
    Desk,
    Employee,
    Plan,
    PlanOptions,
    Scenario,
    Seat,
    Team,
    Zone,
    analyse_densification,
    default_thresholds,
    densification_sweep,
    generate_scenario,
    plan_kpis,
    plan_office,
    render_charts,
)
from zones.optimizer.planning.kpis import days_outside_preferences

DK_AIR = next(t.source for t in default_thresholds("DK") if t.metric == "air_m3_per_person")
UK_AIR = next(t.source for t in default_thresholds("GB") if t.metric == "air_m3_per_person")

DAY = date(2026, 3, 3)


def one_zone(area_m2: float, height_m: float, people: int, country: str = "DK") -> tuple[Scenario, Plan]:
    """A single zone with one desk per person, all of them in on one day."""
    desks = tuple(Desk(code=f"D{n}") for n in range(people))
    zone = Zone(
        key="Z", floor="1", activity="collaboration", area_m2=area_m2, ceiling_height_m=height_m, desks=desks
    )
    employees = tuple(Employee(key=f"p{n}") for n in range(people))
    scenario = Scenario(name="one zone", days=(DAY,), zones=(zone,), employees=employees, country=country)
    plan = Plan(
        scenario="one zone", planner="hand", seats={(f"p{n}", DAY): Seat("Z", f"D{n}") for n in range(people)}
    )
    return scenario, plan


def air_flags(scenario: Scenario, plan: Plan) -> list[tuple[str, float, float | None, str]]:
    analysis = analyse_densification(scenario, plan)
    return [
        (f.severity, round(f.figure, 2), f.threshold, f.source)
        for f in analysis.flags
        if f.metric == "air_m3_per_person" and f.zone == "Z" and f.day == DAY
    ]


def test_nine_cubic_metres_per_person_is_a_danish_warning_citing_arbejdstilsynet() -> None:
    # 10 people in 36 m² under a 2.5 m ceiling: 90 m³ → 9 m³ each (below 12, above 8).
    scenario, plan = one_zone(36.0, 2.5, 10)
    assert air_flags(scenario, plan) == [("warning", 9.0, 12.0, DK_AIR)]
    assert "Arbejdstilsynet" in DK_AIR


def test_seven_cubic_metres_per_person_is_a_danish_breach() -> None:
    scenario, plan = one_zone(28.0, 2.5, 10)
    assert air_flags(scenario, plan) == [("breach", 7.0, 8.0, DK_AIR)]


def test_uk_counts_the_ceiling_only_up_to_three_metres() -> None:
    # 35 m² under a 4 m ceiling for 10 people: 14 m³ each by volume, but the HSE counts 3 m → 10.5 m³.
    scenario, plan = one_zone(35.0, 4.0, 10, country="GB")
    assert air_flags(scenario, plan) == [("breach", 10.5, 11.0, UK_AIR)]
    danish, _ = one_zone(35.0, 4.0, 10, country="DK")
    assert air_flags(danish, plan) == []


def test_area_per_person_and_flag_messages_quote_figure_threshold_and_source() -> None:
    scenario, plan = one_zone(90.0, 3.0, 10)  # 9 m² each: below the BCO's 10 m², above 8 m²
    flags = analyse_densification(scenario, plan).flags
    [flag] = [f for f in flags if f.metric == "area_m2_per_person" and (f.zone, f.day) == ("Z", DAY)]
    assert flag.severity == "warning"
    assert (
        "9.00 m²" in flag.message
        and "10 m²" in flag.message
        and "British Council for Offices" in flag.message
    )


def test_the_office_as_configured_is_analysed_without_a_plan() -> None:
    scenario, _ = one_zone(28.0, 2.5, 10)
    analysis = analyse_densification(scenario)
    assert analysis.zones == ()
    assert analysis.configured[0].present == 10
    assert "breach" in {f.severity for f in analysis.flags if "at full use" in f.scope}


def test_default_thresholds_carry_the_published_figures() -> None:
    danish = {t.metric: t for t in default_thresholds("DK")}
    british = {t.metric: t for t in default_thresholds("GB")}
    assert (danish["air_m3_per_person"].warning, danish["air_m3_per_person"].breach) == (12.0, 8.0)
    assert british["air_m3_per_person"].counted_height_max_m == 3.0
    assert danish["desks_per_fte"].warning == 0.7
    assert (danish["peak_utilisation"].warning, danish["peak_utilisation"].breach) == (0.85, 1.0)


@pytest.fixture(scope="module")
def sweep_office() -> Scenario:
    """Roomy to begin with (1.5 desks per person), so densifying starts from a clean office."""
    return generate_scenario(employees=40, desk_ratio=1.5, seed=3)


def test_the_what_if_sweep_names_the_first_warning_and_the_first_breach(sweep_office: Scenario) -> None:
    sweep = densification_sweep(
        sweep_office,
        step_share=0.15,
        steps=6,
        planner=lambda s: plan_office(s, PlanOptions(time_limit=0.5, seed=0)),
    )
    assert sweep.first_warning is not None and sweep.first_breach is not None
    assert 0 < sweep.first_warning.step <= sweep.first_breach.step
    assert not sweep.steps[0].breaches and not sweep.steps[0].warnings
    desks = [s.desks for s in sweep.steps]
    assert desks == sorted(desks, reverse=True) and desks[0] > desks[-1]
    before_breach = sweep.steps[sweep.first_breach.step - 1]
    assert not before_breach.breaches
    assert any(
        f.metric.startswith("hard:attendance_band") or f.metric == "peak_utilisation"
        for f in sweep.first_breach.breaches
    )
    assert f"first warning at step {sweep.first_warning.step}" in sweep.summary()


def test_charts_are_written_as_png_and_svg(tmp_path: Path, sweep_office: Scenario) -> None:
    pytest.importorskip("matplotlib")
    plan = plan_office(sweep_office, PlanOptions(time_limit=0.5, seed=0))
    analysis = analyse_densification(sweep_office, plan)
    sweep = densification_sweep(
        sweep_office,
        step_share=0.3,
        steps=2,
        planner=lambda s: plan_office(s, PlanOptions(time_limit=0.3, seed=0)),
    )
    written = render_charts(analysis, tmp_path / "charts", sweep)
    names = sorted(p.name for p in written)
    assert names == [
        "utilisation_heatmap.png",
        "utilisation_heatmap.svg",
        "whatif_curve.png",
        "whatif_curve.svg",
    ]
    for path in written:
        assert path.stat().st_size > 0
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        else:
            assert b"<svg" in path.read_bytes()[:2000]


def test_a_team_day_is_a_day_asked_for_but_a_day_off_preferences_without_the_team_is_not() -> None:
    # A prefers Tuesday, B Wednesday; the team gathers on Wednesday, so A's Wednesday is a team
    # day A asked for (through the team) while A's Thursday is neither.
    monday = date(2026, 3, 2)
    tue, wed, thu = (date(2026, 3, n) for n in (3, 4, 5))
    desks = tuple(Desk(code=f"D{n}") for n in range(2))
    zone = Zone(key="Z", floor="1", activity="collaboration", area_m2=40.0, ceiling_height_m=2.8, desks=desks)
    scenario = Scenario(
        name="team day",
        days=(monday, tue, wed, thu, date(2026, 3, 6)),
        zones=(zone,),
        teams=(Team(key="T", overlap_days=1),),
        employees=(
            Employee(key="A", teams=("T",), preferred_days=("tue",)),
            Employee(key="B", teams=("T",), preferred_days=("wed",)),
        ),
    )
    seats = {("A", tue): Seat("Z", "D0"), ("A", wed): Seat("Z", "D0"), ("A", thu): Seat("Z", "D0")}
    seats[("B", wed)] = Seat("Z", "D1")
    plan = Plan(scenario="team day", planner="hand", seats=seats)
    assert days_outside_preferences(scenario, plan) == {"A": 1}
    assert plan_kpis(scenario, plan).office_days_wanted == pytest.approx(3 / 4)
    people = {p.person: p for p in analyse_densification(scenario, plan).people}
    assert people["A"].days_outside_preferences == 1
