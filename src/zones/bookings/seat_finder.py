"""Find me a seat: book the best free desk for the activity of the person's day.

A focus day wants a quiet zone; a team day wants a collaboration zone, in the team's neighbourhood
first. Among those, the desk nearest to the teammates who are in that day (and share that they
are) wins: on a focus day that puts the person in the quiet zone closest to their team. Desks the
person cannot use (missing a need such as `accessible`, not bookable) are never offered. When no
desk of the wished activity is free, the nearest free desk of any activity is booked, and the
answer says so. Nothing here repeats a booking rule: the chosen desk is booked through
`DeskBookings.book`, so every rule of the site's policy applies; a desk that a rule keeps from
this person (taken meanwhile, held for someone who needs it, its zone full) gives way to the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal
from uuid import UUID

from sqlalchemy import select

from zones.bookings import presence
from zones.bookings.desks import DeskBookings, NewDeskBooking
from zones.bookings.schemas import DeskAvailability
from zones.errors import NotFound, RuleRefused
from zones.models import ACTIVE_STATUSES, Activity, Booking, Desk, Employee, Period, Site, Team, Zone
from zones.models import team_membership as MEMBERSHIP

DayActivity = Literal["focus", "team"]
WISHED: Final[dict[str, Activity]] = {"focus": Activity.QUIET, "team": Activity.COLLABORATION}
TRIES: Final = 12
"""Candidates tried in turn when the best ones turn out not to be for this person."""
DESK_RULES: Final = frozenset({"desk-taken", "desk-not-bookable", "accessible-desk-held", "zone-full"})
"""Refusals about the desk (or its zone), not the person or the day: the next candidate may do."""
OTHER_FLOOR_M: Final = 1000.0
"""A teammate on another floor counts as this far away."""


@dataclass(frozen=True)
class SeatFound:
    """The booking made, and why this desk."""

    booking: NewDeskBooking
    reason: str
    """`quiet-zone` (focus), `team-neighbourhood` or `collaboration-zone` (team day), or
    `other-activity` when nothing of the wished activity was free."""
    near: list[str] = field(default_factory=list)
    """The teammates who are in that day, nearest first (those who share that they are)."""


@dataclass(frozen=True)
class _Candidate:
    desk: DeskAvailability
    zone_id: UUID
    floor_id: UUID
    activity: Activity


async def find_a_seat(
    desks: DeskBookings,
    day: date,
    period: Period,
    activity: DayActivity,
    employee_id: UUID | None = None,
) -> SeatFound:
    """Book the best free desk for `activity` (see the module's docstring)."""
    session = desks.session
    employee_id = employee_id or desks.actor.employee_id
    employee = await session.get(Employee, employee_id)
    if employee is None or not employee.active:
        raise NotFound.of("employee", employee_id)
    site_id = employee.home_site_id or await session.scalar(select(Site.id).order_by(Site.name).limit(1))
    if site_id is None:
        raise NotFound.of("site", employee_id)
    free = await presence.availability(session, desks.context.layouts, site_id, day, period)
    needs = set(employee.needs)
    floors = dict(
        (await session.execute(select(Zone.id, Zone.floor_id).where(Zone.site_id == site_id))).all()
    )
    candidates = [
        _Candidate(desk, zone.zone_id, floors[zone.zone_id], Activity(zone.activity))
        for zone in free.zones
        for desk in zone.desks
        if desk.free and needs <= set(desk.attributes)
    ]
    teammates = await _teammates_in(desks, employee.id, day)
    home_zones = await _team_zones(desks, employee.id)
    wished = WISHED[activity]
    if not candidates:
        raise RuleRefused(
            "no-free-desk",
            "No free desk",
            f"Every desk you can use is taken on {day} ({period.value}).",
            message_id="find-a-seat.none-free",
            params={"day": day.isoformat(), "period": period.value},
            clash=True,
        )

    def distance(candidate: _Candidate) -> float:
        if not teammates:
            return math.inf
        return min(_metres(candidate, mate) for mate in teammates.values())

    def rank(candidate: _Candidate) -> tuple[int, float, str]:
        in_home = activity == "team" and candidate.zone_id in home_zones
        return (0 if in_home else 1, distance(candidate), candidate.desk.code)

    # Desks of the wished activity first, then the others (when those are all taken or held).
    ordered = sorted((c for c in candidates if c.activity is wished), key=rank)
    ordered += sorted((c for c in candidates if c.activity is not wished), key=rank)
    for candidate in ordered[:TRIES]:
        try:
            async with session.begin_nested():
                booking = await desks.book(candidate.desk.desk_id, day, period, employee.id)
        except RuleRefused as refused:
            if refused.rule in DESK_RULES:
                continue  # taken meanwhile, held for someone who needs it, its zone full: the next
            raise
        if candidate.activity is not wished:
            reason = "other-activity"
        elif activity == "focus":
            reason = "quiet-zone"
        else:
            reason = "team-neighbourhood" if candidate.zone_id in home_zones else "collaboration-zone"
        near = sorted(teammates, key=lambda name: _metres(candidate, teammates[name]))
        return SeatFound(booking, reason, near)
    raise RuleRefused(
        "no-free-desk",
        "No free desk",
        f"The free desks were all taken meanwhile on {day} ({period.value}); try again.",
        message_id="find-a-seat.taken-meanwhile",
        params={"day": day.isoformat(), "period": period.value},
        clash=True,
    )


@dataclass(frozen=True)
class _Position:
    floor_id: UUID
    x_m: float | None
    y_m: float | None


def _metres(candidate: _Candidate, mate: _Position) -> float:
    if candidate.floor_id != mate.floor_id:
        return OTHER_FLOOR_M
    if None in (candidate.desk.x_m, candidate.desk.y_m, mate.x_m, mate.y_m):
        return OTHER_FLOOR_M / 2
    return math.dist((candidate.desk.x_m, candidate.desk.y_m), (mate.x_m, mate.y_m))  # type: ignore[arg-type]


async def _teammates_in(desks: DeskBookings, employee_id: UUID, day: date) -> dict[str, _Position]:
    """Teammates with a booking that day who share that they are in: name → where they sit."""
    my_teams = select(MEMBERSHIP.c.team_id).where(MEMBERSHIP.c.employee_id == employee_id)
    rows = await desks.session.execute(
        select(Employee.name, Zone.floor_id, Desk.x_m, Desk.y_m)
        .select_from(Booking)
        .join(Employee, Employee.id == Booking.employee_id)
        .join(Desk, Desk.id == Booking.desk_id)
        .join(Zone, Zone.id == Desk.zone_id)
        .join(MEMBERSHIP, MEMBERSHIP.c.employee_id == Employee.id)
        .where(
            MEMBERSHIP.c.team_id.in_(my_teams),
            Booking.day == day,
            Booking.status.in_(ACTIVE_STATUSES),
            Employee.id != employee_id,
            Employee.shares_presence.is_(True),
        )
        .distinct()
    )
    return {name: _Position(floor, x, y) for name, floor, x, y in rows}


async def _team_zones(desks: DeskBookings, employee_id: UUID) -> set[UUID]:
    """The zones of the neighbourhoods of the person's teams."""
    rows = await desks.session.scalars(
        select(Zone.id)
        .join(Team, Team.neighbourhood_id == Zone.neighbourhood_id)
        .join(MEMBERSHIP, MEMBERSHIP.c.team_id == Team.id)
        .where(MEMBERSHIP.c.employee_id == employee_id)
    )
    return set(rows)
