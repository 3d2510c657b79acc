"""Densification thresholds as data: the figure to watch, where it warns and breaches, and why.

Mirrors the policy file's `[[thresholds]]` entries (and `zones.models.PolicyThreshold`), so the
database adapter can pass a site's own thresholds; `default_thresholds` makes the library work alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["info", "warning", "breach"]
Direction = Literal["min", "max"]

DK_AIR = "Arbejdstilsynet, At-vejledning A.1.11 (Arbejdsrum); BEK nr. 96 af 13/02/2001 §24"
UK_AIR = "HSE, Workplace (Health, Safety and Welfare) Regulations 1992, regulation 10, ACoP L24"
BCO_AREA = (
    "British Council for Offices: 8–13 m² net per workstation (2009 occupier density study);"
    " 10 m² per work setting proposed in 2022"
)
DESK_SHARING = (
    "Danish Building and Property Agency (Bygningsstyrelsen): activity-based state offices plan"
    " 0.7 desks per full-time employee; several UK councils use the same ratio"
)
PEAK = (
    "Zones policy target; occupancy peaks run ≈ 1.2× the weekly average on Tuesdays (Kastle"
    " barometer) and up to 1.6× (CBRE 2024), so a plan needs headroom"
)
QUIET = (
    "Zones policy default (no published figure): a quiet zone filled to the last desk stops being"
    " quiet; ISO 3382-3 rates open-plan acoustics by distraction distance (≤ 5 m is good)"
)


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


def default_thresholds(country: str = "DK") -> tuple[Threshold, ...]:
    """The shipped thresholds for a country (`DK`, `GB`; other countries get the Danish air rule)."""
    if country.upper() in ("GB", "UK"):
        air = Threshold(
            "air_m3_per_person",
            "min",
            None,
            11.0,
            "m³",
            UK_AIR,
            counted_height_max_m=3.0,
            note="At least 11 m³ per person, counting ceiling height up to 3 m.",
        )
    else:
        air = Threshold(
            "air_m3_per_person",
            "min",
            12.0,
            8.0,
            "m³",
            DK_AIR,
            note="A workroom normally gives at least 12 m³ of air per person and never less than 8 m³.",
        )
    return (
        air,
        Threshold("area_m2_per_person", "min", 10.0, 8.0, "m²", BCO_AREA),
        Threshold("desks_per_fte", "min", 0.7, None, "desks/FTE", DESK_SHARING),
        Threshold("peak_utilisation", "max", 0.85, 1.0, "share of desks", PEAK),
        Threshold("quiet_zone_utilisation", "max", 0.9, 1.0, "share of desks", QUIET),
    )
