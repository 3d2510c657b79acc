"""Occupancy as CSV: one row per group and day, for spreadsheets and the facilities report."""

from __future__ import annotations

import csv
import io

from zones.analytics.schemas import Occupancy

COLUMNS = (
    "group",
    "name",
    "day",
    "desks",
    "planned",
    "booked",
    "checked_in",
    "released",
    "booked_half_days",
    "bookable_half_days",
    "utilisation",
    "present",
    "sharing_ratio",
    "m2_per_person",
    "m3_per_person",
)
"""The header row; shares are fractions with four decimals, space per person with two."""


def occupancy_csv(result: Occupancy) -> str:
    """The day rows of every group as CSV text with a header row (empty cells where a figure has no
    denominator: a team has no desks, a day with nobody in has no m² per person)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for group in result.groups:
        for day in group.days:
            writer.writerow(
                (
                    group.key,
                    group.name,
                    day.day.isoformat(),
                    _whole(day.desks),
                    day.planned,
                    day.booked,
                    day.checked_in,
                    day.released,
                    day.booked_half_days,
                    _whole(day.bookable_half_days),
                    _decimal(day.utilisation, 4),
                    day.present,
                    _decimal(day.sharing_ratio, 4),
                    _decimal(day.m2_per_person, 2),
                    _decimal(day.m3_per_person, 2),
                )
            )
    return buffer.getvalue()


def _whole(value: int | None) -> str:
    return "" if value is None else str(value)


def _decimal(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"
