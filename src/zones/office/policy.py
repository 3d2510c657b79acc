"""A site's effective policy: the shipped defaults, overridden by the office file, for its country."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import msgspec

from zones.office.spec import PolicySpec, ThresholdSpec

SpecT = TypeVar("SpecT", bound=msgspec.Struct)


@dataclass(frozen=True)
class EffectivePolicy:
    """Every policy value resolved, and the thresholds that apply in the site's country."""

    attendance_min_share: float
    attendance_max_share: float
    booking_horizon_days: int
    checkin_opens_minutes_before: int
    checkin_deadline_minutes_after: int
    accessible_hold_days: int
    planning_weights: dict[str, int]
    """The planner's objective weights the policy sets; the planner's own defaults fill the rest."""
    thresholds: tuple[ThresholdSpec, ...]


def effective_policy(defaults: PolicySpec, overrides: PolicySpec, country: str) -> EffectivePolicy:
    """Merge `overrides` onto `defaults` and keep the thresholds for `country` (or `*`)."""
    attendance = _merge(defaults.attendance, overrides.attendance)
    booking = _merge(defaults.booking, overrides.booking)
    weights = _merge(defaults.planning.weights, overrides.planning.weights)
    chosen: dict[str, ThresholdSpec] = {}
    for threshold in _for_country(defaults.thresholds, country):
        chosen[threshold.metric] = threshold
    # An office file's threshold is for its own site, whatever countries it lists.
    for threshold in overrides.thresholds:
        chosen[threshold.metric] = threshold
    if attendance.min_share is None or attendance.max_share is None:
        raise ValueError("the policy defaults lack an attendance band")
    return EffectivePolicy(
        attendance_min_share=attendance.min_share,
        attendance_max_share=attendance.max_share,
        booking_horizon_days=_required(booking.horizon_days),
        checkin_opens_minutes_before=_required(booking.checkin_opens_minutes_before),
        checkin_deadline_minutes_after=_required(booking.checkin_deadline_minutes_after),
        accessible_hold_days=_required(booking.accessible_hold_days),
        planning_weights={f: v for f in weights.__struct_fields__ if (v := getattr(weights, f)) is not None},
        thresholds=tuple(chosen[metric] for metric in sorted(chosen)),
    )


def _for_country(thresholds: list[ThresholdSpec], country: str) -> list[ThresholdSpec]:
    """Country-specific entries win over `*` entries for the same metric."""
    specific = {t.metric: t for t in thresholds if country in t.countries}
    fallback = {t.metric: t for t in thresholds if "*" in t.countries and t.metric not in specific}
    return [*specific.values(), *fallback.values()]


def _merge(base: SpecT, top: SpecT) -> SpecT:
    changes = {f: getattr(top, f) for f in top.__struct_fields__ if getattr(top, f) is not None}
    return msgspec.structs.replace(base, **changes)


def _required(value: int | None) -> int:
    if value is None:
        raise ValueError("the policy defaults lack a booking rule")
    return value
