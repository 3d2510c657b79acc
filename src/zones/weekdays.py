"""The days of the week: the one place their names are spelled out.

Office files, staff CSVs, the JSON API, scenario files and the planner all write weekdays as
`mon` … `sun`; the database stores ISO numbers (Monday = 1). `Weekday` is both: a `str` equal to
its name, with the ISO number one property away.
"""

from __future__ import annotations

import enum
from datetime import date


class Weekday(enum.StrEnum):
    """A day of the week by its three-letter name; `Weekday.MON == "mon"`."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def iso(self) -> int:
        """ISO weekday number, Monday = 1."""
        return _ORDER.index(self) + 1

    @classmethod
    def from_iso(cls, number: int) -> Weekday:
        """The weekday with ISO number `number` (1 = Monday … 7 = Sunday)."""
        if not 1 <= number <= 7:
            raise ValueError(f"{number} is not an ISO weekday number (1-7)")
        return _ORDER[number - 1]

    @classmethod
    def of(cls, day: date) -> Weekday:
        """The weekday `day` falls on."""
        return _ORDER[day.weekday()]


_ORDER: tuple[Weekday, ...] = tuple(Weekday)

WEEKDAYS: tuple[Weekday, ...] = _ORDER
"""Monday to Sunday, in order."""

WORKING_WEEK: tuple[Weekday, ...] = _ORDER[:5]
"""Monday to Friday: the default working week."""

__all__ = ("WEEKDAYS", "WORKING_WEEK", "Weekday")
