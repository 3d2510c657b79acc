"""Densification thresholds as data: the figure to watch, where it warns and breaches, and why.

Every threshold lives in the policy file's `[[thresholds]]` entries (`config/policy.toml`, with its
level, unit and source); sites store theirs as `zones.models.PolicyThreshold`, so the database
adapter passes a site's own. `default_thresholds` reads the shipped policy file, so the library
works alone with exactly the figures a new site starts from.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from zones.office.paths import default_policy_file
from zones.optimizer.planning.plan import constraint_name

Severity = Literal["info", "warning", "breach"]
Direction = Literal["min", "max"]

METRIC_NAMES: dict[str, str] = {
    "air_m3_per_person": "air per person",
    "area_m2_per_person": "floor area per person",
    "zone_area_m2": "workroom floor area",
    "desks_per_fte": "desks per full-time employee",
    "peak_utilisation": "busiest-day utilisation",
    "quiet_zone_utilisation": "quiet-zone utilisation",
    "days_outside_preferences": "office days not asked for",
    "team_days_lost": "team days lost",
    "team_days_price": "preferred days given up for team days",
    "leave_on_workshop_day": "on leave on their workshop day",
}
"""What planners call each metric; code names never reach a report."""


def metric_name(metric: str) -> str:
    """The human name of a metric (a hard constraint's `hard:` metric names its constraint)."""
    if metric.startswith("hard:"):
        return constraint_name(metric.removeprefix("hard:"))
    return METRIC_NAMES.get(metric, metric.replace("_", " "))


@dataclass(frozen=True, slots=True)
class Threshold:
    """A densification threshold: metric, direction, warning and breach levels, unit and source."""

    metric: str
    direction: Direction
    """`min`: the figure must stay at or above the levels; `max`: at or below."""
    warning: float | None
    breach: float | None
    unit: str
    source: str
    counted_height_max_m: float | None = None
    """For air per person: ceiling height counted at most this high (the UK counts up to 3 m)."""
    note: str = ""

    def severity(self, figure: float) -> Severity | None:
        """`breach`, `warning` or None for a figure, by this threshold's direction."""

        def beyond(level: float | None) -> bool:
            if level is None:
                return False
            return figure < level if self.direction == "min" else figure > level

        if beyond(self.breach):
            return "breach"
        if beyond(self.warning):
            return "warning"
        return None

    def margin(self, figure: float) -> float | None:
        """How far `figure` is inside the first level it would cross (negative: beyond it)."""
        level = self.warning if self.warning is not None else self.breach
        if level is None:
            return None
        return figure - level if self.direction == "min" else level - figure

    @property
    def name(self) -> str:
        return metric_name(self.metric)


def default_thresholds(country: str = "DK", policy_file: Path | None = None) -> tuple[Threshold, ...]:
    """The thresholds of the shipped policy file (or `policy_file`) that apply in `country`."""
    with (policy_file or default_policy_file()).open("rb") as handle:
        return policy_thresholds(tomllib.load(handle).get("thresholds", []), country)


def policy_thresholds(entries: Iterable[Mapping[str, Any]], country: str) -> tuple[Threshold, ...]:
    """The `[[thresholds]]` entries of a policy document that apply in `country`, as thresholds.

    Chosen as `zones.office.policy` chooses them for a site: an entry naming the country wins over a
    `*` entry for the same metric.
    """
    entries = list(entries)
    country = "GB" if country.upper() == "UK" else country.upper()
    specific = {e["metric"]: e for e in entries if country in e.get("countries", ["*"])}
    fallback = {
        e["metric"]: e for e in entries if "*" in e.get("countries", ["*"]) and e["metric"] not in specific
    }
    chosen = {**fallback, **specific}
    return tuple(
        Threshold(
            metric=entry["metric"],
            direction=entry["direction"],
            warning=entry.get("warning"),
            breach=entry.get("breach"),
            unit=entry["unit"],
            source=entry["source"],
            counted_height_max_m=entry.get("counted_height_max_m"),
            note=entry.get("note", ""),
        )
        for _, entry in sorted(chosen.items())
    )
