"""Densification analysis: how crowded a plan (or the office as configured) is, against thresholds.

Per zone, floor and day: people per desk, m² and m³ of air per person present; the peak day's
utilisation; desks per FTE; quiet-zone crowding; and per person the office days forced outside
their preferences and the team days lost. Each flag quotes figure, threshold and source.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Literal

from zones.optimizer.planning.facts import scenario_facts
from zones.optimizer.planning.kpis import days_outside_preferences, team_days_lost
from zones.optimizer.planning.plan import Plan
from zones.optimizer.planning.scenario import Scenario, Zone
from zones.optimizer.planning.thresholds import Severity, Threshold, default_thresholds

SEVERITY_ORDER: dict[Severity, int] = {"info": 0, "warning": 1, "breach": 2}
ATTENDANCE_BAND = (
    "Zones policy attendance band (40–60 % of working days; Navrbjerg, Offentlig Ledelse 3/2021)"
)


@dataclass(frozen=True, slots=True)
class DensificationFlag:
    """One figure beyond (or worth noting against) a threshold, with the threshold's source."""

    severity: Severity
    metric: str
    scope: str
    figure: float
    threshold: float | None
    unit: str
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class SpaceFigures:
    """Crowding of one zone or floor on one day (`day` None: the office as configured, full)."""

    scope: Literal["zone", "floor"]
    key: str
    floor: str
    day: date | None
    activity: str
    present: int
    desks: int
    area_m2: float
    volume_m3: float

    @property
    def people_per_desk(self) -> float:
        return self.present / self.desks if self.desks else 0.0

    @property
    def m2_per_person(self) -> float | None:
        return self.area_m2 / self.present if self.present else None

    @property
    def m3_per_person(self) -> float | None:
        """Air per person with the full ceiling height (thresholds may count less of it)."""
        return self.volume_m3 / self.present if self.present else None


@dataclass(frozen=True, slots=True)
class PersonFigures:
    """What a plan costs one person: office days they did not ask for (neither a preferred weekday
    nor a team day), and team days lost."""

    person: str
    days_outside_preferences: int
    team_days_lost: int


@dataclass(frozen=True)
class DensificationAnalysis:
    """Figures and flags for a plan, or for the office as configured when there is no plan."""

    scenario: str
    country: str
    thresholds: tuple[Threshold, ...]
    zones: tuple[SpaceFigures, ...]
    floors: tuple[SpaceFigures, ...]
    configured: tuple[SpaceFigures, ...]
    utilisation: dict[date, float]
    peak_utilisation: float | None
    desks_per_fte: float
    people: tuple[PersonFigures, ...]
    flags: tuple[DensificationFlag, ...]

    def worst(self) -> Severity | None:
        """The most severe flag's severity, or None without flags."""
        return max((f.severity for f in self.flags), key=SEVERITY_ORDER.__getitem__, default=None)

    def flags_at(self, severity: Severity) -> tuple[DensificationFlag, ...]:
        return tuple(f for f in self.flags if f.severity == severity)


def analyse_densification(
    scenario: Scenario, plan: Plan | None = None, thresholds: tuple[Threshold, ...] | None = None
) -> DensificationAnalysis:
    """Analyse `plan` (or only the office as configured, if None) against `thresholds`."""
    thresholds = thresholds if thresholds is not None else default_thresholds(scenario.country)
    by_metric: dict[str, list[Threshold]] = defaultdict(list)
    for threshold in thresholds:
        by_metric[threshold.metric].append(threshold)
    facts = scenario_facts(scenario)
    desk_zones = [z for z in scenario.zones if z.desks]
    flags: list[DensificationFlag] = []

    configured = tuple(_zone_figures(zone, None, zone.seats) for zone in desk_zones)
    for figures in configured:
        flags += _space_flags(figures, facts.zones, by_metric, f"zone {figures.key} at full use")

    present: dict[tuple[str, date], int] = defaultdict(int)
    if plan is not None:
        for (_, day), seat in plan.seats.items():
            if seat.zone is not None:
                present[seat.zone, day] += 1
    zone_days: list[SpaceFigures] = []
    floor_days: list[SpaceFigures] = []
    utilisation: dict[date, float] = {}
    seats = max(1, facts.seats_per_day())
    if plan is not None:
        for day in scenario.days:
            today = [_zone_figures(zone, day, present[zone.key, day]) for zone in desk_zones]
            zone_days += today
            for figures in today:
                flags += _space_flags(figures, facts.zones, by_metric, f"zone {figures.key} on {day}")
                if figures.activity == "quiet":
                    flags += _flags(
                        by_metric,
                        "quiet_zone_utilisation",
                        figures.present / max(1, facts.zones[figures.key].seats),
                        f"quiet zone {figures.key} on {day}",
                    )
            for floor in sorted({z.floor for z in desk_zones}):
                on_floor = [f for f in today if f.floor == floor]
                figures = SpaceFigures(
                    scope="floor",
                    key=floor,
                    floor=floor,
                    day=day,
                    activity="",
                    present=sum(f.present for f in on_floor),
                    desks=sum(f.desks for f in on_floor),
                    area_m2=sum(f.area_m2 for f in on_floor),
                    volume_m3=sum(f.volume_m3 for f in on_floor),
                )
                floor_days.append(figures)
                flags += _space_flags(figures, facts.zones, by_metric, f"floor {floor} on {day}")
            utilisation[day] = sum(f.present for f in today) / seats
    peak = max(utilisation.values(), default=None)
    if peak is not None:
        peak_day = max(utilisation, key=lambda d: (utilisation[d], d))
        flags += _flags(by_metric, "peak_utilisation", peak, f"office on its busiest day, {peak_day}")

    fte = sum(e.share for e in scenario.employees)
    desks = sum(len(z.desks) for z in scenario.zones)
    desks_per_fte = desks / fte if fte else float("inf")
    flags += _flags(by_metric, "desks_per_fte", desks_per_fte, f"office: {desks} desks for {fte:g} FTE")

    people: tuple[PersonFigures, ...] = ()
    if plan is not None:
        outside = days_outside_preferences(scenario, plan)
        lost = team_days_lost(scenario, plan)
        people = tuple(
            PersonFigures(p, outside.get(p, 0), lost.get(p, 0)) for p in sorted(set(outside) | set(lost))
        )
        flags += _person_flags(people, len(scenario.employees))
        flags += _team_day_price_flags(plan)
        flags += _hard_constraint_flags(plan)

    return DensificationAnalysis(
        scenario=scenario.name,
        country=scenario.country,
        thresholds=thresholds,
        zones=tuple(zone_days),
        floors=tuple(floor_days),
        configured=configured,
        utilisation=utilisation,
        peak_utilisation=peak,
        desks_per_fte=desks_per_fte,
        people=people,
        flags=tuple(flags),
    )


def _zone_figures(zone: Zone, day: date | None, present: int) -> SpaceFigures:
    return SpaceFigures(
        scope="zone",
        key=zone.key,
        floor=zone.floor,
        day=day,
        activity=zone.activity,
        present=present,
        desks=len(zone.desks),
        area_m2=zone.area_m2,
        volume_m3=zone.area_m2 * zone.ceiling_height_m,
    )


def counted_air_per_person(
    figures: SpaceFigures, zones: dict[str, Zone], counted_height_max_m: float | None
) -> float | None:
    """m³ of air per person present, counting the ceiling at most `counted_height_max_m` high."""
    if not figures.present:
        return None
    if counted_height_max_m is None:
        return figures.volume_m3 / figures.present
    if figures.scope == "zone":
        volume = figures.area_m2 * min(zones[figures.key].ceiling_height_m, counted_height_max_m)
    else:
        volume = sum(
            z.area_m2 * min(z.ceiling_height_m, counted_height_max_m)
            for z in zones.values()
            if z.floor == figures.floor and z.desks
        )
    return volume / figures.present


def _space_flags(
    figures: SpaceFigures, zones: dict[str, Zone], by_metric: dict[str, list[Threshold]], scope: str
) -> list[DensificationFlag]:
    if not figures.present:
        return []
    flags: list[DensificationFlag] = []
    for threshold in by_metric.get("air_m3_per_person", []):
        air = counted_air_per_person(figures, zones, threshold.counted_height_max_m)
        if air is not None:
            flags += _flag(threshold, air, scope)
    if figures.m2_per_person is not None:
        flags += _flags(by_metric, "area_m2_per_person", figures.m2_per_person, scope)
    return flags


def _flags(
    by_metric: dict[str, list[Threshold]], metric: str, figure: float, scope: str
) -> list[DensificationFlag]:
    return [flag for threshold in by_metric.get(metric, []) for flag in _flag(threshold, figure, scope)]


def _flag(threshold: Threshold, figure: float, scope: str) -> list[DensificationFlag]:
    severity = threshold.severity(figure)
    if severity is None:
        return []
    level = threshold.breach if severity == "breach" else threshold.warning
    side = "below" if threshold.direction == "min" else "above"
    height = (
        f" (ceiling counted up to {threshold.counted_height_max_m:g} m)"
        if threshold.counted_height_max_m
        else ""
    )
    message = (
        f"{scope}: {threshold.metric.replace('_', ' ')} is {figure:.2f} {threshold.unit}{height},"
        f" {side} the {severity} level of {level:g} {threshold.unit} ({threshold.source})"
    )
    return [
        DensificationFlag(
            severity=severity,
            metric=threshold.metric,
            scope=scope,
            figure=figure,
            threshold=level,
            unit=threshold.unit,
            source=threshold.source,
            message=message,
        )
    ]


def _person_flags(people: tuple[PersonFigures, ...], headcount: int) -> list[DensificationFlag]:
    flags = []
    outside = [p for p in people if p.days_outside_preferences]
    if outside:
        worst = max(p.days_outside_preferences for p in outside)
        flags.append(
            DensificationFlag(
                severity="info",
                metric="days_outside_preferences",
                scope="people",
                figure=len(outside),
                threshold=None,
                unit="people",
                source="the people's own preferred days and their teams' days",
                message=f"{len(outside)} of {headcount} people have office days they did not ask for:"
                f" neither a preferred day nor a team day (at most {worst} each)",
            )
        )
    lost = [p for p in people if p.team_days_lost]
    if lost:
        flags.append(
            DensificationFlag(
                severity="info",
                metric="team_days_lost",
                scope="people",
                figure=len(lost),
                threshold=None,
                unit="people",
                source="the teams' wanted overlap days",
                message=f"{len(lost)} of {headcount} people lose team days their teams wanted"
                f" ({sum(p.team_days_lost for p in lost)} person-days in all)",
            )
        )
    return flags


def _team_day_price_flags(plan: Plan) -> list[DensificationFlag]:
    """When desks are too few for both, weekly team days cost preferred days: say how many at least."""
    bound = plan.preference_bound
    if bound is None or not bound.wanted or bound.with_team_days >= bound.without_team_days:
        return []
    price = bound.without_team_days - bound.with_team_days
    return [
        DensificationFlag(
            severity="info",
            metric="team_days_price",
            scope="office",
            figure=price / bound.wanted,
            threshold=None,
            unit="share",
            source="Lagrangian bound on the preferred days any plan can honour",
            message=f"with these desks, giving every team a weekly all-in day costs at least {price:,}"
            f" of {bound.wanted:,} preferred days ({price / bound.wanted:.1%}): at most"
            f" {bound.share_with_team_days:.1%} can be honoured, {bound.share_without_team_days:.1%}"
            " without team days",
        )
    ]


def _hard_constraint_flags(plan: Plan) -> list[DensificationFlag]:
    """A plan that breaks a hard constraint is densified past the point that hurts: a breach."""
    by_constraint: dict[str, list[float]] = defaultdict(list)
    for violation in plan.violations:
        by_constraint[violation.constraint].append(violation.shortfall)
    return [
        DensificationFlag(
            severity="breach",
            metric=f"hard:{constraint}",
            scope="plan",
            figure=sum(shortfalls),
            threshold=0.0,
            unit="",
            source=ATTENDANCE_BAND if constraint.startswith("attendance_band") else "the plan checker",
            message=f"{len(shortfalls)} violation(s) of {constraint.replace('_', ' ')},"
            f" {sum(shortfalls):g} in all",
        )
        for constraint, shortfalls in sorted(by_constraint.items())
    ]
