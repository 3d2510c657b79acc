"""Words for bookings that several pages use, in one place: the names of the times of day, as a
heading or list entry says them ("Whole day") and as they stand inside a sentence ("whole day"),
and the refusals every kind of booking can meet (a closed day)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from zones.models import Period
from zones.web.i18n import N_


@dataclass(frozen=True)
class PeriodWords:
    """A time of day's name: on its own (capitalised) and inside a sentence (msgids)."""

    alone: str
    in_text: str


PERIODS: Final = {
    Period.FULL: PeriodWords(N_("Whole day"), N_("whole day")),
    Period.MORNING: PeriodWords(N_("Morning"), N_("morning")),
    Period.AFTERNOON: PeriodWords(N_("Afternoon"), N_("afternoon")),
}
"""Every time of day's names; the catalogues translate each form on its own (Danish writes both
lower case, English capitalises the one standing alone)."""
PERIOD_NAMES: Final = {period: words.alone for period, words in PERIODS.items()}
"""A period standing alone: "Whole day" (My week, the cancel page)."""
PERIOD_IN_TEXT: Final = {period: words.in_text for period, words in PERIODS.items()}
"""A period inside a sentence: "Tuesday 1 December, whole day" (the floor plan, confirmations)."""

__all__ = ("PERIODS", "PERIOD_IN_TEXT", "PERIOD_NAMES", "PeriodWords")

CLOSED_REFUSALS: Final = {
    "closed.holiday": N_(
        "%(day)s is a public holiday (%(name)s), so %(place)s is closed. Choose another day."
    ),
    "closed.closure": N_("%(place)s is closed on %(day)s: %(reason)s. Choose another day."),
}
"""A desk or a room on a closed day (`rules.closed_refusal`), by message id."""
