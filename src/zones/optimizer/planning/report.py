"""The densification report as plain tables: what `zones plan report` prints, in planners' words.

A header with the site, the weeks, the run and the key figures; one row per zone with its days,
its headcount and its m² and m³ per person against the thresholds (with the margin, flagged or
not); the flags grouped by what and where, one row with all the days it happened; the workshop
rooms; the days each team gathers, week by week, when the caller passes them. No code names
(`quiet_zone_utilisation`, `hard:…`) and no cut sources: the command line renders these tables as
they are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from zones.optimizer.planning.densification import (
    SEVERITY_ORDER,
    DensificationAnalysis,
    DensificationFlag,
    RoomFigures,
    SpaceFigures,
)
from zones.optimizer.planning.plan import PlanNote
from zones.optimizer.planning.thresholds import Threshold


@dataclass(frozen=True)
class ReportTable:
    """A titled table of text cells; `numeric` columns read best right-aligned."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()
    severities: tuple[str, ...] = ()
    """Per row, the severity it shows (`breach`, `warning`, `info` or ``), for styling."""


@dataclass(frozen=True)
class PlanReport:
    """Header lines (label, value) and the tables, in the order to print them."""

    header: tuple[tuple[str, str], ...]
    tables: tuple[ReportTable, ...]


def day_label(day: date) -> str:
    """A day as planners read it: `Tue 08 Dec`."""
    return day.strftime("%a %d %b")


def days_label(days: Iterable[date]) -> str:
    return ", ".join(day_label(d) for d in sorted(set(days)))


def week_label(day: date) -> str:
    """The ISO week a day falls in, as planners read it: `W49`."""
    return f"W{day:%V}"


def team_days_label(days: Iterable[date]) -> str:
    """A team's gathering days week by week, `W49 Tue, W50 Wed` (`W49 Tue+Thu` for two a week):
    over several weeks a team's day may move, so the weekday alone would not say when it is."""
    by_week: dict[str, list[date]] = defaultdict(list)
    for day in sorted(set(days)):
        by_week[f"{day:%G-W%V}"].append(day)
    weeks = [f"{week_label(ds[0])} {'+'.join(f'{d:%a}' for d in ds)}" for ds in by_week.values()]
    return ", ".join(weeks) or "none"


def people_per_day_label(present: Sequence[tuple[date, int]]) -> str:
    """People in on each day, `Mon 5  Tue 6`; over several weeks grouped by week, `W49: Mon 5 …`."""
    by_week: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for day, people in sorted(present):
        by_week[f"{day:%G-W%V}"].append((day, people))
    weeks = [
        (week_label(week[0][0]), "  ".join(f"{day:%a} {people}" for day, people in week))
        for week in by_week.values()
    ]
    if len(weeks) <= 1:
        return "".join(cells for _, cells in weeks)
    return "; ".join(f"{week}: {cells}" for week, cells in weeks)


def weeks_label(days: Sequence[date]) -> str:
    """The ISO weeks a horizon covers and its first and last day."""
    if not days:
        return "no working days"
    weeks = sorted({f"{d:%G-W%V}" for d in days})
    span = weeks[0] if len(weeks) == 1 else f"{weeks[0]} to {weeks[-1]}"
    return f"{span} ({min(days):%d %b %Y} – {max(days):%d %b %Y}, {len(days)} working days)"


def plan_report(
    analysis: DensificationAnalysis,
    *,
    site: str,
    days: Sequence[date],
    run: str,
    notes: Sequence[PlanNote] = (),
    team_days: Mapping[str, Sequence[date]] | None = None,
) -> PlanReport:
    """The report of a densification analysis; `run` says when and how long the run took.

    `team_days` (team name → gathering days, e.g. a plan's `team_days` keyed by team name) adds a
    table of each team's days, week by week.
    """
    peak = analysis.peak_utilisation
    header = [
        ("Site", site),
        ("Weeks", weeks_label(days)),
        ("Run", run),
        ("People", f"{analysis.headcount:,} ({analysis.fte:,.1f} full-time equivalents)"),
        (
            "Desks",
            f"{analysis.desks:,}, of which {analysis.seats:,} usable under occupancy caps;"
            f" {analysis.desks_per_fte:.2f} desks per full-time employee",
        ),
    ]
    if peak is not None:
        busiest = max(analysis.utilisation, key=lambda d: (analysis.utilisation[d], d))
        header.append(
            (
                "Busiest day",
                f"{day_label(busiest)}: {peak:.0%} of usable desks ({analysis.day_basis(busiest)});"
                f" the planner's target is {analysis.utilisation_target:.0%}",
            )
        )
    counts = {s: len(analysis.flags_at(s)) for s in ("breach", "warning", "info")}
    header.append(
        ("Flags", f"{counts['breach']} breaches, {counts['warning']} warnings, {counts['info']} notes")
    )
    tables = [zone_table(analysis), flag_table(analysis.flags)]
    if analysis.rooms:
        tables.append(room_table(analysis))
    if team_days:
        tables.append(team_days_table(team_days))
    if notes:
        tables.append(
            ReportTable(
                "People on leave on their workshop day",
                ("Day", "Who and what"),
                tuple((day_label(n.day), n.message) for n in notes),
            )
        )
    return PlanReport(tuple(header), tuple(tables))


def zone_table(analysis: DensificationAnalysis) -> ReportTable:
    """One row per zone: people on each day, and the busiest day's m² and m³ per person with margins."""
    by_zone: dict[str, list[SpaceFigures]] = defaultdict(list)
    for figures in analysis.zones:
        by_zone[figures.key].append(figures)
    area = _first(analysis.thresholds, "area_m2_per_person")
    air = _first(analysis.thresholds, "air_m3_per_person")
    flagged: dict[str, dict[date, str]] = defaultdict(dict)
    for flag in analysis.flags:
        if flag.zone is not None and flag.day is not None:
            worst = flagged[flag.zone].get(flag.day)
            if worst is None or SEVERITY_ORDER[flag.severity] > SEVERITY_ORDER[worst]:  # type: ignore[index]
                flagged[flag.zone][flag.day] = flag.severity
    rows, severities = [], []
    configured = {f.key: f for f in analysis.configured}
    ordered = sorted(by_zone.values(), key=lambda fs: (fs[0].floor, fs[0].activity, fs[0].label))
    for days in ordered:
        first = days[0]
        busiest = max(days, key=lambda f: (f.present, f.day or date.min))
        usable = configured.get(first.key, first).seats  # as configured: a closed day has none
        capped = f" (cap; {first.desks} desks)" if usable < first.desks else ""
        closed = [f.day for f in days if f.closed and f.day is not None]
        if closed:
            capped += f"; closed {days_label(closed)}"
        zone_flags = flagged.get(first.key, {})
        worst = max(zone_flags.values(), key=SEVERITY_ORDER.__getitem__, default="")  # type: ignore[arg-type]
        rows.append(
            (
                first.label,
                first.floor,
                first.activity,
                f"{usable}{capped}",
                people_per_day_label([(d.day, d.present) for d in days if d.day is not None]),
                f"{day_label(busiest.day)}: {busiest.utilisation:.0%}" if busiest.day else "–",
                _per_person(busiest.area_m2, busiest.present, area, "m²"),
                _per_person(_volume(busiest, air), busiest.present, air, "m³"),
                ", ".join(f"{day_label(d)} ({s})" for d, s in sorted(zone_flags.items())) or "none",
            )
        )
        severities.append(worst)
    return ReportTable(
        "Zones: people per day, and space per person on each zone's busiest day",
        (
            "Zone",
            "Floor",
            "Activity",
            "Usable desks",
            "People per day",
            "Busiest day (share of usable desks)",
            "m² per person (margin to threshold)",
            "m³ of air per person (margin to threshold)",
            "Flagged days",
        ),
        tuple(rows),
        numeric=frozenset({3}),
        severities=tuple(severities),
    )


def team_days_table(team_days: Mapping[str, Sequence[date]]) -> ReportTable:
    """One row per team: the days it has all its available members in, week by week."""
    return ReportTable(
        "Team days: when each team has all its available members in",
        ("Team", "Days"),
        tuple((team, team_days_label(days)) for team, days in sorted(team_days.items())),
    )


def flag_table(flags: Sequence[DensificationFlag]) -> ReportTable:
    """The flags, one row per thing and place with every day it happens, most severe first."""
    groups: dict[tuple[str, str], list[DensificationFlag]] = defaultdict(list)
    for flag in flags:
        groups[flag.metric, flag.place].append(flag)
    rows, severities = [], []

    def order(group: list[DensificationFlag]) -> tuple[int, str, str]:
        worst = max(SEVERITY_ORDER[f.severity] for f in group)
        return (-worst, group[0].name, group[0].place)

    for group in sorted(groups.values(), key=order):
        worst = max(group, key=lambda f: (SEVERITY_ORDER[f.severity], _beyond(f)))
        days = [f.day for f in group if f.day is not None]
        threshold = "–" if worst.threshold is None else f"{worst.threshold:g} {worst.unit}"
        figure = f"{worst.figure:.2f} {worst.unit}".strip()
        if worst.basis:
            figure += f" ({worst.basis})"
        elif worst.threshold is None:
            figure = worst.message
        rows.append(
            (
                worst.severity.upper() if worst.severity != "info" else "note",
                worst.name,
                worst.place,
                days_label(days) if days else "–",
                figure,
                threshold,
                worst.source,
            )
        )
        severities.append(worst.severity)
    return ReportTable(
        "Densification flags",
        ("Severity", "What", "Where", "Days", "Worst figure", "Threshold", "Source"),
        tuple(rows),
        severities=tuple(severities),
    )


def room_table(analysis: DensificationAnalysis) -> ReportTable:
    """One row per workshop room: the people its workshops bring on each day it is used."""
    by_room: dict[str, list[RoomFigures]] = defaultdict(list)
    for figures in analysis.rooms:
        by_room[figures.room].append(figures)
    rows = []
    for room, days in sorted(by_room.items(), key=lambda item: (item[1][0].floor, item[0])):
        used = [d for d in days if d.people]
        rows.append(
            (
                room,
                days[0].zone_name,
                days[0].floor,
                str(days[0].capacity),
                ", ".join(f"{day_label(d.day)}: {d.people} ({d.utilisation:.0%})" for d in used)
                or "not used",
            )
        )
    return ReportTable(
        "Workshop rooms",
        ("Room", "Zone", "Floor", "Seats", "Workshops: people (share of seats)"),
        tuple(rows),
        numeric=frozenset({3}),
    )


def _first(thresholds: Sequence[Threshold], metric: str) -> Threshold | None:
    return next((t for t in thresholds if t.metric == metric), None)


def _volume(figures: SpaceFigures, air: Threshold | None) -> float:
    height = figures.volume_m3 / figures.area_m2 if figures.area_m2 else 0.0
    counted = air.counted_height_max_m if air is not None else None
    return figures.area_m2 * (min(height, counted) if counted else height)


def _per_person(total: float, present: int, threshold: Threshold | None, unit: str) -> str:
    if not present:
        return "nobody in"
    figure = total / present
    if threshold is None:
        return f"{figure:.1f} {unit}"
    margin = threshold.margin(figure)
    level = threshold.warning if threshold.warning is not None else threshold.breach
    side = "above" if threshold.direction == "min" else "below"
    if margin is not None and margin < 0:
        side = "below" if threshold.direction == "min" else "above"
    return f"{figure:.1f} {unit} ({abs(margin or 0):.1f} {side} {level:g})"


def _beyond(flag: DensificationFlag) -> float:
    """How far past its threshold a flag's figure is (for picking a group's worst day)."""
    if flag.threshold is None:
        return flag.figure
    return abs(flag.figure - flag.threshold)
