"""Densification analysis: how crowded a plan (or the office as configured) is, against thresholds.

Per zone, floor and day: utilisation, m² and m³ of air per person present; the busiest day's
utilisation; desks per FTE; quiet-zone utilisation; workshop rooms' use; and per person the office
days forced outside their preferences and the team days lost. Each flag quotes figure, threshold
and source, and says what the figure was divided by (`DensificationFlag.basis`).

Utilisation always means people present ÷ usable desks: a zone's desks, or its occupancy cap where
that is lower (`Zone.seats`), and none on a day the zone is closed (`Zone.closed_days`): the same
count the planner fills and its utilisation target uses. Flags, the report, plan.json and the
heatmap all show that one figure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from zones.optimizer.planning.checker import plan_notes
from zones.optimizer.planning.facts import scenario_facts
from zones.optimizer.planning.kpis import days_outside_preferences, team_days_lost
from zones.optimizer.planning.plan import Plan, constraint_name
from zones.optimizer.planning.scenario import PlanningPolicy, Scenario, Zone
from zones.optimizer.planning.thresholds import Severity, Threshold, default_thresholds, metric_name

SEVERITY_ORDER: dict[Severity, int] = {"info": 0, "warning": 1, "breach": 2}


def attendance_band_source(policy: PlanningPolicy) -> str:
    """Where the attendance band comes from, with the shares this policy uses."""
    return (
        f"Zones policy attendance band ({policy.attendance_min_share:.0%}–{policy.attendance_max_share:.0%}"
        " of working days; Navrbjerg, University of Copenhagen, reported in Offentlig Ledelse 3/2021)"
    )


@dataclass(frozen=True, slots=True)
class DensificationFlag:
    """One figure beyond (or worth noting against) a threshold, with the threshold's source."""

    severity: Severity
    metric: str
    """The metric's code (`peak_utilisation`, `hard:attendance_band_min`); `name` says it for people."""
    scope: str
    """Where, for people: "Quiet zone North on 2026-12-08", "the office on its busiest day"."""
    figure: float
    threshold: float | None
    unit: str
    source: str
    message: str
    name: str = ""
    """The metric's human name."""
    basis: str = ""
    """What the figure was computed from, e.g. "58 people ÷ 58 usable desks (65 desks, cap 58)"."""
    zone: str | None = None
    """The zone's key, for figures of one zone (the report groups a zone's days in one row)."""
    day: date | None = None

    @property
    def place(self) -> str:
        """Where, without the day: the report lists a place's days in one row."""
        return self.scope.removesuffix(f" on {self.day}") if self.day else self.scope


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
    seats: int = 0
    """Usable desks: the desks, or fewer under occupancy caps (`Zone.seats`); on a day, none in a
    closed zone."""
    name: str = ""
    closed_desks: int = 0
    """Desks in zones closed that day (all of a closed zone's desks; a floor's sum)."""

    @property
    def closed(self) -> bool:
        """Whether every desk here is in a zone closed that day."""
        return self.desks > 0 and self.closed_desks == self.desks

    @property
    def utilisation(self) -> float:
        """People present ÷ usable desks (0 without usable desks)."""
        return self.present / self.seats if self.seats else 0.0

    @property
    def label(self) -> str:
        """The zone's name for people (its key when it has none), or the floor's."""
        return self.name or self.key

    def basis(self) -> str:
        """How `utilisation` was computed, in words."""
        return usable_desks_basis(self.present, self.seats, self.desks, self.closed_desks)

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


@dataclass(frozen=True, slots=True)
class RoomFigures:
    """How full a workshop room is on one day: the people of its sessions against its capacity."""

    room: str
    zone: str
    zone_name: str
    floor: str
    day: date
    people: int
    capacity: int

    @property
    def utilisation(self) -> float:
        return self.people / self.capacity


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
    """Day → people present ÷ the office's usable desks that day (closed zones left out)."""
    peak_utilisation: float | None
    desks_per_fte: float
    people: tuple[PersonFigures, ...]
    flags: tuple[DensificationFlag, ...]
    rooms: tuple[RoomFigures, ...] = ()
    desks: int = 0
    seats: int = 0
    """The office's usable desks (occupancy caps applied) with every zone open: what `utilisation`
    divides by on a day without closures."""
    headcount: int = 0
    fte: float = 0.0
    utilisation_target: float = 0.85
    """The planner's utilisation target (share of usable desks)."""

    def day_basis(self, day: date) -> str:
        """How the office's utilisation on `day` was computed, in words."""
        return office_day_basis(self.zones, day, self.desks)

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

    for zone in scenario.zones:
        flags += _flags(
            by_metric,
            "zone_area_m2",
            zone.area_m2,
            f"{_zone_label(zone)} as configured",
            basis=f"{zone.area_m2:g} m² net floor area",
            zone=zone.key,
        )
    configured = tuple(_zone_figures(zone, None, zone.seats) for zone in desk_zones)
    for figures in configured:
        flags += _space_flags(figures, facts.zones, by_metric, f"{figures.label} at full use")

    present: dict[tuple[str, date], int] = defaultdict(int)
    if plan is not None:
        for (_, day), seat in plan.seats.items():
            if seat.zone is not None:
                present[seat.zone, day] += 1
    zone_days: list[SpaceFigures] = []
    floor_days: list[SpaceFigures] = []
    utilisation: dict[date, float] = {}
    in_office: dict[date, int] = {}
    seats = facts.seats_per_day()
    desks = sum(len(z.desks) for z in scenario.zones)
    if plan is not None:
        for day in scenario.days:
            today = [_zone_figures(zone, day, present[zone.key, day]) for zone in desk_zones]
            zone_days += today
            for figures in today:
                flags += _space_flags(figures, facts.zones, by_metric, f"{figures.label} on {day}")
                if figures.activity == "quiet" and figures.present:
                    flags += _flags(
                        by_metric,
                        "quiet_zone_utilisation",
                        figures.utilisation,
                        f"{figures.label} on {day}",
                        basis=figures.basis(),
                        zone=figures.key,
                        day=day,
                    )
            for floor in sorted({z.floor for z in desk_zones}):
                figures = _floor_figures(floor, day, [f for f in today if f.floor == floor])
                floor_days.append(figures)
                flags += _space_flags(figures, facts.zones, by_metric, f"{figures.label} on {day}")
            in_office[day] = sum(f.present for f in today)
            utilisation[day] = in_office[day] / max(1, facts.seats_on(day))
    peak = max(utilisation.values(), default=None)
    if peak is not None:
        peak_day = max(utilisation, key=lambda d: (utilisation[d], d))
        flags += _flags(
            by_metric,
            "peak_utilisation",
            peak,
            f"the office on {peak_day}",
            basis=office_day_basis(zone_days, peak_day, desks),
            day=peak_day,
        )

    fte = sum(e.share for e in scenario.employees)
    desks_per_fte = desks / fte if fte else float("inf")
    flags += _flags(
        by_metric, "desks_per_fte", desks_per_fte, "the office", basis=f"{desks} desks ÷ {fte:g} FTE"
    )

    people: tuple[PersonFigures, ...] = ()
    rooms: tuple[RoomFigures, ...] = ()
    if plan is not None:
        outside = days_outside_preferences(scenario, plan)
        lost = team_days_lost(scenario, plan)
        people = tuple(
            PersonFigures(p, outside.get(p, 0), lost.get(p, 0)) for p in sorted(set(outside) | set(lost))
        )
        flags += _person_flags(people, len(scenario.employees))
        flags += _team_day_price_flags(plan)
        flags += _hard_constraint_flags(plan, attendance_band_source(scenario.policy))
        rooms = room_figures(scenario, plan)
    flags += _leave_flags(scenario)

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
        rooms=rooms,
        desks=desks,
        seats=seats,
        headcount=len(scenario.employees),
        fte=fte,
        utilisation_target=scenario.policy.utilisation_target,
    )


def usable_desks_basis(present: int, seats: int, desks: int, closed_desks: int = 0) -> str:
    """How a utilisation was computed, in words: people ÷ usable desks (and the desks, if caps or
    closed zones hold some back)."""
    if closed_desks:
        capped = f"; occupancy caps allow {seats}" if seats < desks - closed_desks else ""
        held = f" ({desks} desks, {closed_desks} of them closed that day{capped})"
    else:
        held = f" ({desks} desks, occupancy caps allow {seats})" if seats < desks else ""
    return f"{present} people ÷ {seats} usable desks{held}"


def office_day_basis(zones: Iterable[SpaceFigures], day: date, desks: int) -> str:
    """How the office's utilisation on `day` was computed, from its zones' figures that day."""
    today = [f for f in zones if f.day == day and f.scope == "zone"]
    return usable_desks_basis(
        sum(f.present for f in today), sum(f.seats for f in today), desks, sum(f.closed_desks for f in today)
    )


def room_figures(scenario: Scenario, plan: Plan) -> tuple[RoomFigures, ...]:
    """Every workshop room on every day: the people of the sessions planned into it."""
    sessions = {s.key: s for s in scenario.sessions}
    people: dict[tuple[str, date], int] = defaultdict(int)
    for session_key, room in plan.rooms.items():
        if room is not None and session_key in sessions:
            people[room, sessions[session_key].day] += sessions[session_key].size
    return tuple(
        RoomFigures(
            room.code, zone.key, _zone_label(zone), zone.floor, day, people[room.code, day], room.capacity
        )
        for zone in scenario.zones
        for room in zone.rooms
        for day in scenario.days
    )


def _zone_label(zone: Zone) -> str:
    return zone.name or zone.key


def _zone_figures(zone: Zone, day: date | None, present: int) -> SpaceFigures:
    """A zone's figures on `day` (None: as configured, every zone open)."""
    closed = day is not None and not zone.is_open(day)
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
        seats=0 if closed else zone.seats,
        name=_zone_label(zone),
        closed_desks=len(zone.desks) if closed else 0,
    )


def _floor_figures(floor: str, day: date, zones: list[SpaceFigures]) -> SpaceFigures:
    return SpaceFigures(
        scope="floor",
        key=floor,
        floor=floor,
        day=day,
        activity="",
        present=sum(f.present for f in zones),
        desks=sum(f.desks for f in zones),
        area_m2=sum(f.area_m2 for f in zones),
        volume_m3=sum(f.volume_m3 for f in zones),
        seats=sum(f.seats for f in zones),
        name=f"floor {floor}",
        closed_desks=sum(f.closed_desks for f in zones),
    )


def counted_volume(
    figures: SpaceFigures, zones: dict[str, Zone], counted_height_max_m: float | None
) -> float:
    """m³ of air in a zone or floor, counting the ceiling at most `counted_height_max_m` high."""
    if counted_height_max_m is None:
        return figures.volume_m3
    if figures.scope == "zone":
        return figures.area_m2 * min(zones[figures.key].ceiling_height_m, counted_height_max_m)
    return sum(
        z.area_m2 * min(z.ceiling_height_m, counted_height_max_m)
        for z in zones.values()
        if z.floor == figures.floor and z.desks
    )


def counted_air_per_person(
    figures: SpaceFigures, zones: dict[str, Zone], counted_height_max_m: float | None
) -> float | None:
    """m³ of air per person present, counting the ceiling at most `counted_height_max_m` high."""
    if not figures.present:
        return None
    return counted_volume(figures, zones, counted_height_max_m) / figures.present


def _space_flags(
    figures: SpaceFigures, zones: dict[str, Zone], by_metric: dict[str, list[Threshold]], scope: str
) -> list[DensificationFlag]:
    if not figures.present:
        return []
    where = {"zone": figures.key if figures.scope == "zone" else None, "day": figures.day}
    flags: list[DensificationFlag] = []
    for threshold in by_metric.get("air_m3_per_person", []):
        volume = counted_volume(figures, zones, threshold.counted_height_max_m)
        basis = f"{volume:,.1f} m³ ÷ {figures.present} people"
        flags += _flag(threshold, volume / figures.present, scope, basis=basis, **where)
    basis = f"{figures.area_m2:,.1f} m² ÷ {figures.present} people"
    flags += _flags(
        by_metric, "area_m2_per_person", figures.area_m2 / figures.present, scope, basis=basis, **where
    )
    return flags


def _flags(
    by_metric: dict[str, list[Threshold]],
    metric: str,
    figure: float,
    scope: str,
    *,
    basis: str = "",
    zone: str | None = None,
    day: date | None = None,
) -> list[DensificationFlag]:
    return [
        flag
        for threshold in by_metric.get(metric, [])
        for flag in _flag(threshold, figure, scope, basis=basis, zone=zone, day=day)
    ]


def _flag(
    threshold: Threshold,
    figure: float,
    scope: str,
    *,
    basis: str = "",
    zone: str | None = None,
    day: date | None = None,
) -> list[DensificationFlag]:
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
    computed = f" ({basis})" if basis else ""
    message = (
        f"{scope}: {threshold.name} is {figure:.2f} {threshold.unit}{computed}{height},"
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
            name=threshold.name,
            basis=basis,
            zone=zone,
            day=day,
        )
    ]


def _info(metric: str, scope: str, figure: float, unit: str, source: str, message: str) -> DensificationFlag:
    """A figure worth noting that no threshold judges."""
    return DensificationFlag(
        severity="info",
        metric=metric,
        scope=scope,
        figure=figure,
        threshold=None,
        unit=unit,
        source=source,
        message=message,
        name=metric_name(metric),
    )


def _person_flags(people: tuple[PersonFigures, ...], headcount: int) -> list[DensificationFlag]:
    flags = []
    outside = [p for p in people if p.days_outside_preferences]
    if outside:
        worst = max(p.days_outside_preferences for p in outside)
        flags.append(
            _info(
                "days_outside_preferences",
                "people",
                len(outside),
                "people",
                "the people's own preferred days and their teams' days",
                f"{len(outside)} of {headcount} people have office days they did not ask for:"
                f" neither a preferred day nor a team day (at most {worst} each)",
            )
        )
    lost = [p for p in people if p.team_days_lost]
    if lost:
        flags.append(
            _info(
                "team_days_lost",
                "people",
                len(lost),
                "people",
                "the teams' wanted overlap days",
                f"{len(lost)} of {headcount} people lose team days their teams wanted"
                f" ({sum(p.team_days_lost for p in lost)} person-days in all)",
            )
        )
    return flags


def _leave_flags(scenario: Scenario) -> list[DensificationFlag]:
    """Workshop participants on leave that day: the workshop goes ahead without them."""
    notes = plan_notes(scenario)
    if not notes:
        return []
    return [
        _info(
            "leave_on_workshop_day",
            "people",
            len(notes),
            "people",
            "the people's absences and the workshops booked",
            f"{len(notes)} workshop participant(s) on leave that day: "
            + "; ".join(note.message for note in notes),
        )
    ]


def _team_day_price_flags(plan: Plan) -> list[DensificationFlag]:
    """When desks are too few for both, weekly team days cost preferred days: say how many at least."""
    bound = plan.preference_bound
    if bound is None or not bound.wanted or bound.with_team_days >= bound.without_team_days:
        return []
    price = bound.without_team_days - bound.with_team_days
    return [
        _info(
            "team_days_price",
            "the office",
            price / bound.wanted,
            "share",
            "Lagrangian bound on the preferred days any plan can honour",
            f"with these desks, giving every team a weekly all-in day costs at least {price:,}"
            f" of {bound.wanted:,} preferred days ({price / bound.wanted:.1%}): at most"
            f" {bound.share_with_team_days:.1%} can be honoured, {bound.share_without_team_days:.1%}"
            " without team days",
        )
    ]


def _hard_constraint_flags(plan: Plan, band_source: str) -> list[DensificationFlag]:
    """A plan that breaks a hard constraint is densified past the point that hurts: a breach."""
    by_constraint: dict[str, list[float]] = defaultdict(list)
    for violation in plan.violations:
        by_constraint[violation.constraint].append(violation.shortfall)
    return [
        DensificationFlag(
            severity="breach",
            metric=f"hard:{constraint}",
            scope="the plan",
            figure=sum(shortfalls),
            threshold=0.0,
            unit="",
            source=band_source if constraint.startswith("attendance_band") else "the plan checker",
            message=f"{len(shortfalls)} violation(s): {constraint_name(constraint)},"
            f" {sum(shortfalls):g} in all",
            name=constraint_name(constraint),
        )
        for constraint, shortfalls in sorted(by_constraint.items())
    ]
