"""Plain result objects: the plan, its stages, violations, objective terms and progress reports."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from zones.optimizer.solving import relative_gap

if TYPE_CHECKING:
    from zones.optimizer.planning.bounds import PreferenceBound

DayActivity = Literal["focus", "team", "flex"]
"""What a person's office day is for: focus (quiet zone), team (collaboration zone), or either."""


@dataclass(frozen=True, slots=True)
class Seat:
    """Where a person sits on one office day; `zone`/`desk` are None only when no desk was found."""

    zone: str | None
    desk: str | None
    activity: DayActivity = "flex"


CONSTRAINT_NAMES: dict[str, str] = {
    "unknown_person": "person not in the scenario",
    "outside_horizon": "office day outside the planned weeks",
    "unavailable_day": "office day during leave",
    "no_desk": "office day without a desk",
    "unknown_desk": "desk that does not exist",
    "desk_not_in_zone": "desk outside its zone",
    "needs": "desk without a feature the person needs",
    "attendance_band_min": "too few office days for the attendance band",
    "attendance_band_max": "too many office days for the attendance band",
    "desk_double_booked": "two people at one desk",
    "unknown_zone": "zone that does not exist",
    "zone_desks": "more people than desks in a zone",
    "zone_occupancy_cap": "more people than a zone's occupancy cap",
    "zone_closed": "office day in a closed zone",
    "existing_booking": "existing booking not kept",
    "session_room": "workshop without a room big enough",
    "room_double_booked": "two workshops in one room",
    "room_closed": "workshop in a room whose zone is closed",
    "session_participant": "workshop participant not in the office",
    "office_capacity": "too few desks for the attendance band",
    "needs_capacity": "too few desks with a feature people need",
}
"""What planners call each hard constraint a `Violation` names."""


def constraint_name(constraint: str) -> str:
    """The human name of a hard constraint."""
    return CONSTRAINT_NAMES.get(constraint, constraint.replace("_", " "))


@dataclass(frozen=True, slots=True)
class Violation:
    """A hard constraint that does not hold: which, where, and by how much."""

    constraint: str
    """E.g. `attendance_band_min`, `zone_desks`, `desk_double_booked`, `needs`, `existing_booking`."""
    where: str
    figure: float
    limit: float
    message: str

    @property
    def shortfall(self) -> float:
        """How far the figure is from the limit (always positive)."""
        return abs(self.figure - self.limit)


@dataclass(frozen=True, slots=True)
class PlanNote:
    """Something the planner should know that breaks no constraint, e.g. leave on a workshop day."""

    kind: str
    """`leave_on_workshop_day`."""
    person: str
    day: date
    message: str


@dataclass(frozen=True, slots=True)
class StageReport:
    """How one stage of the decomposition ended and how far it may be from its optimum."""

    stage: str
    status: str
    """OPTIMAL, FEASIBLE, INFEASIBLE, UNKNOWN (CP-SAT) or EXACT / HEURISTIC for the other stages."""
    objective: float
    bound: float
    sense: Literal["max", "min"]
    wall_time: float
    first_solution_time: float | None = None
    solutions: int = 0

    @property
    def gap(self) -> float:
        """Relative distance between objective and bound (0 = proven optimal)."""
        return relative_gap(self.objective, self.bound)


@dataclass(frozen=True, slots=True)
class ObjectiveTerm:
    """One weighted term of an objective: the raw count, its weight and its signed contribution."""

    stage: str
    name: str
    value: float
    weight: float
    contribution: float


@dataclass(frozen=True, slots=True)
class PlanProgress:
    """A progress report: the stage searching and where its objective and bound stand."""

    stage: str
    objective: float
    bound: float
    gap: float
    elapsed: float
    solutions: int
    done: bool = False


ProgressCallback = Callable[[PlanProgress], None]


def days_by_key(pairs: Iterable[tuple[str, date]]) -> dict[str, tuple[date, ...]]:
    """Person (or team) → its days in date order, from (key, day) pairs."""
    days: dict[str, list[date]] = {}
    for key, day in pairs:
        days.setdefault(key, []).append(day)
    return {key: tuple(sorted(d)) for key, d in days.items()}


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How the planner searches: time limit, gap stop, workers and reproducibility."""

    time_limit: float = 60.0
    """Wall-clock seconds for the whole of `plan_office`: the bound, all three stages and the check.
    Stage 1 (CP-SAT) gets what the others leave; they are polynomial and take far less."""
    relative_gap: float = 0.001
    """Stop once (bound - objective) / objective is below this."""
    num_workers: int = 0
    """CP-SAT workers; 0 = one per core."""
    seed: int | None = None
    """Set for reproducible plans: the search then runs in deterministic batches, bounded by
    deterministic time (about `time_limit` seconds). The wall clock still ends it at `time_limit`;
    on a slow or busy machine that comes first, and the plan then depends on the timing."""
    log_search: bool = False
    cluster_size: int | None = None
    """People per stage-1 cluster. Offices up to `WHOLE_MODEL_PEOPLE` are one CP-SAT model; larger
    ones are re-planned a cluster of whole teams at a time (far less memory, faster progress).
    Set to force clusters of this size, or 0 to force one model."""
    stop: threading.Event | None = field(default=None, compare=False, repr=False)
    """Set from another thread to end the run early. During stage 1 the search stops within about
    a second and the best complete plan so far goes through stages 2 and 3 (`Plan.stopped` says
    so); set before stage 1 has a complete plan, `plan_office` raises `PlanStopped` instead."""


class PlanStopped(Exception):
    """The run was stopped (`PlanOptions.stop`) before it had a complete plan to return."""

    def __init__(self, message: str = "the planning run was stopped before it had a complete plan") -> None:
        super().__init__(message)


def raise_if_stopped(stop: threading.Event | None) -> None:
    """Raise `PlanStopped` when the run's stop event is set (for the steps before stage 1)."""
    if stop is not None and stop.is_set():
        raise PlanStopped


@dataclass(frozen=True)
class Plan:
    """Who comes in on which day, in which zone, at which desk, and how the plan was reached."""

    scenario: str
    planner: str
    seats: Mapping[tuple[str, date], Seat]
    """(person, day) → seat, for every office day in the plan."""
    team_days: Mapping[str, tuple[date, ...]] = field(default_factory=dict)
    """Team → the days the planner gathered all its available members."""
    rooms: Mapping[str, str | None] = field(default_factory=dict)
    """Session → room code (None when no room fits)."""
    violations: tuple[Violation, ...] = ()
    notes: tuple[PlanNote, ...] = ()
    """What the plan cannot change but people should hear about (see `checker.plan_notes`)."""
    stages: tuple[StageReport, ...] = ()
    objective_terms: tuple[ObjectiveTerm, ...] = ()
    preference_bound: PreferenceBound | None = None
    """How many preferred days any plan could honour, with and without weekly team days."""
    wall_time: float = 0.0
    stopped: bool = False
    """True when `PlanOptions.stop` cut stage 1's search short: the plan is complete and checked,
    but the search might have found a better one in its time limit."""

    @property
    def feasible(self) -> bool:
        """True when every hard constraint holds."""
        return not self.violations

    def attendance(self) -> dict[str, tuple[date, ...]]:
        """Person → their office days, in date order."""
        return days_by_key(self.seats)

    def present(self) -> dict[date, int]:
        """Day → people in the office."""
        return dict(Counter(day for _, day in self.seats))

    def stage(self, name: str) -> StageReport | None:
        return next((s for s in self.stages if s.stage == name), None)
