"""What-if sweep: densify step by step and watch the KPIs and flags degrade.

"How far can we densify before it hurts": each step removes desks (or adds people), plans again,
and records the KPIs and the worst flags; the sweep names the first step with a warning and the
first with a breach.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import msgspec

from zones.optimizer.planning.densification import (
    DensificationAnalysis,
    DensificationFlag,
    analyse_densification,
    counted_air_per_person,
)
from zones.optimizer.planning.kpis import plan_kpis
from zones.optimizer.planning.plan import Plan, PlanOptions
from zones.optimizer.planning.planner import plan_office
from zones.optimizer.planning.scenario import Employee, Scenario, Zone
from zones.optimizer.planning.thresholds import Threshold

SweepMode = Literal["remove_desks", "add_headcount"]
Planner = Callable[[Scenario], Plan]


@dataclass(frozen=True, slots=True)
class SweepStep:
    """One densification step: the office's size, the plan's KPIs and its new flags."""

    step: int
    desks: int
    headcount: int
    desks_per_person: float
    kpis: dict[str, float]
    warnings: tuple[DensificationFlag, ...]
    breaches: tuple[DensificationFlag, ...]
    m2_per_person: float | None = None
    """Floor area per person in the most crowded zone on its busiest day."""
    m3_per_person: float | None = None
    """Air per person there, the ceiling counted as the air threshold counts it."""

    @property
    def label(self) -> str:
        return (
            f"step {self.step}: {self.desks} desks for {self.headcount} people ({self.desks_per_person:.2f})"
        )


@dataclass(frozen=True)
class DensificationSweep:
    """The what-if curve, and where the first warning and the first breach appear."""

    mode: SweepMode
    steps: tuple[SweepStep, ...]
    first_warning: SweepStep | None
    first_breach: SweepStep | None
    thresholds: tuple[Threshold, ...] = ()
    """The thresholds the steps were judged by (the chart draws the m² and m³ levels)."""

    def summary(self) -> str:
        """One sentence per threshold point, naming the step and what tripped."""
        parts = []
        for name, step, flags in (
            ("warning", self.first_warning, self.first_warning.warnings if self.first_warning else ()),
            ("breach", self.first_breach, self.first_breach.breaches if self.first_breach else ()),
        ):
            if step is None:
                parts.append(f"no {name} within the sweep")
            else:
                metrics = ", ".join(sorted({f.metric for f in flags}))
                parts.append(f"first {name} at {step.label}: {metrics}")
        return "; ".join(parts)


def default_planner(time_limit: float = 10.0) -> Planner:
    """The CP-SAT planner with a short time limit, as the sweep's default."""
    return lambda scenario: plan_office(scenario, PlanOptions(time_limit=time_limit, seed=0))


def densification_sweep(
    scenario: Scenario,
    *,
    mode: SweepMode = "remove_desks",
    step_share: float = 0.05,
    steps: int = 8,
    planner: Planner | None = None,
    thresholds: tuple[Threshold, ...] | None = None,
) -> DensificationSweep:
    """Plan the scenario as it is (step 0) and after each of `steps` densification steps.

    `remove_desks` takes away `step_share` of the original desks per step (plain desks first, spread
    over the zones); `add_headcount` adds `step_share` of the original headcount per step.
    """
    plan_for = planner or default_planner()
    total_desks = sum(len(z.desks) for z in scenario.zones)
    headcount = len(scenario.employees)
    results: list[SweepStep] = []
    for step in range(steps + 1):
        if mode == "remove_desks":
            variant = remove_desks(scenario, math.ceil(step * step_share * total_desks))
        else:
            variant = add_headcount(scenario, math.ceil(step * step_share * headcount), seed=step)
        plan = plan_for(variant)
        analysis = analyse_densification(variant, plan, thresholds)
        desks = sum(len(z.desks) for z in variant.zones)
        people = len(variant.employees)
        results.append(
            SweepStep(
                step=step,
                desks=desks,
                headcount=people,
                desks_per_person=desks / max(1, people),
                kpis={**plan_kpis(variant, plan).as_dict(), "desks_per_fte": analysis.desks_per_fte},
                warnings=analysis.flags_at("warning"),
                breaches=analysis.flags_at("breach"),
                m2_per_person=min((f.area_m2 / f.present for f in analysis.zones if f.present), default=None),
                m3_per_person=_least_air(variant, analysis),
            )
        )
        thresholds = analysis.thresholds
    return DensificationSweep(
        mode=mode,
        steps=tuple(results),
        first_warning=next((s for s in results if s.warnings or s.breaches), None),
        first_breach=next((s for s in results if s.breaches), None),
        thresholds=thresholds or (),
    )


def _least_air(scenario: Scenario, analysis: DensificationAnalysis) -> float | None:
    """The least air per person in any zone on any day, counted as the first air threshold counts."""
    air = next((t for t in analysis.thresholds if t.metric == "air_m3_per_person"), None)
    zones = {z.key: z for z in scenario.zones}
    height = air.counted_height_max_m if air is not None else None
    figures = [counted_air_per_person(f, zones, height) for f in analysis.zones if f.present]
    return min((f for f in figures if f is not None), default=None)


def remove_desks(scenario: Scenario, count: int) -> Scenario:
    """The scenario with `count` fewer desks, taken from the fullest zones, plain and unbooked first."""
    booked = {b.desk for b in scenario.bookings}
    keep: dict[str, list[str]] = {z.key: [d.code for d in z.desks] for z in scenario.zones}
    removable = {
        z.key: [d.code for d in reversed(z.desks) if d.code not in booked and not d.attributes]
        + [d.code for d in reversed(z.desks) if d.code not in booked and d.attributes]
        for z in scenario.zones
    }
    for _ in range(count):
        zone = max(
            (key for key in keep if removable[key]), key=lambda key: (len(keep[key]), key), default=None
        )
        if zone is None:
            break
        keep[zone].remove(removable[zone].pop(0))
    zones = tuple(_with_desks(zone, set(keep[zone.key])) for zone in scenario.zones)
    return msgspec.structs.replace(scenario, zones=zones)


def _with_desks(zone: Zone, codes: set[str]) -> Zone:
    desks = tuple(d for d in zone.desks if d.code in codes)
    cap = None if zone.occupancy_cap is None else min(zone.occupancy_cap, len(desks))
    return msgspec.structs.replace(zone, desks=desks, occupancy_cap=cap)


def add_headcount(scenario: Scenario, count: int, seed: int = 0) -> Scenario:
    """The scenario with `count` more people, each a copy of a random colleague (same teams, wishes)."""
    rng = random.Random(seed)
    extra: list[Employee] = []
    for number in range(count):
        model = rng.choice(scenario.employees)
        extra.append(msgspec.structs.replace(model, key=f"{model.key}-new{number + 1}"))
    return msgspec.structs.replace(scenario, employees=scenario.employees + tuple(extra))
