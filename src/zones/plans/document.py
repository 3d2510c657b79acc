"""The plan document: one planning run's days, seats, KPIs, solver stages, bound and flags.

Every plan.json is this document, whether the plan came from the database (`zones plan`) or from
a scenario file (`zones plan scenario`); a stored plan row keeps its figures in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

from zones.optimizer import planning


class SeatEntry(msgspec.Struct, frozen=True):
    """Someone in the office on a planned day, and where they sit."""

    day: date
    person: str
    """The scenario's key for the person (the employee id for plans of the database)."""
    email: str | None
    """The person's e-mail, when the plan came from the database."""
    zone: str | None
    desk: str | None
    activity: str


class PlanDocument(msgspec.Struct, frozen=True):
    """What plan.json holds."""

    plan_id: UUID | None
    """The stored plan row, or None for a scenario file planned outside the database."""
    scenario: str
    days: list[date]
    kpis: dict[str, float]
    baseline_kpis: dict[str, float]
    """The same KPIs for first-come booking (`planning.greedy_plan`), to compare against."""
    stages: list[dict[str, Any]]
    preference_bound: dict[str, float] | None
    violations: list[dict[str, Any]]
    flags: list[dict[str, Any]]
    """Densification flags: figure, threshold, unit, source, and `basis` (what was divided by what)."""
    notes: list[dict[str, Any]]
    """What no plan can change but people should hear about, e.g. leave on a workshop day."""
    seats: list[SeatEntry]


def plan_document(
    scenario: planning.Scenario,
    plan: planning.Plan,
    baseline: planning.Plan,
    analysis: planning.DensificationAnalysis,
    *,
    plan_id: UUID | None = None,
    people: Mapping[str, tuple[str, str]] | None = None,
) -> PlanDocument:
    """The document of `plan` for `scenario`, beside the first-come `baseline`.

    `people` maps the scenario's person keys to (e-mail, name): seats then carry the e-mail and
    are ordered by day and name; without it they are ordered by day and key.
    """
    people = people or {}

    def order(item: tuple[tuple[str, date], planning.Seat]) -> tuple[date, str]:
        (person, day), _ = item
        return day, people[person][1] if person in people else person

    return PlanDocument(
        plan_id=plan_id,
        scenario=scenario.name,
        days=list(scenario.days),
        kpis=planning.plan_kpis(scenario, plan).as_dict(),
        baseline_kpis=planning.plan_kpis(scenario, baseline).as_dict(),
        stages=[msgspec.to_builtins(stage) for stage in plan.stages],
        preference_bound=preference_bound_figures(plan),
        violations=[msgspec.to_builtins(violation) for violation in plan.violations],
        flags=[msgspec.to_builtins(flag) for flag in analysis.flags],
        notes=[msgspec.to_builtins(note) for note in plan.notes],
        seats=[
            SeatEntry(
                day=day,
                person=person,
                email=people[person][0] if person in people else None,
                zone=seat.zone,
                desk=seat.desk,
                activity=seat.activity,
            )
            for (person, day), seat in sorted(plan.seats.items(), key=order)
        ],
    )


def preference_bound_figures(plan: planning.Plan) -> dict[str, float] | None:
    """The plan's preference bound as shares of the preferred days wanted (None if not computed)."""
    bound = plan.preference_bound
    if bound is None:
        return None
    return {
        "wanted": bound.wanted,
        "with_team_days": bound.share_with_team_days,
        "without_team_days": bound.share_without_team_days,
    }


def write_plan_json(document: PlanDocument, folder: Path) -> Path:
    """Write `document` as `folder`/plan.json (indented, for people and diff tools) and return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "plan.json"
    path.write_bytes(msgspec.json.format(msgspec.json.encode(document), indent=2))
    return path
