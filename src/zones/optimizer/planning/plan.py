"""Plain result objects: the plan, its stages, violations, objective terms and progress reports."""

from __future__ import annotations

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
    """Seconds for the CP-SAT stage (the other stages are polynomial and take far less)."""
    relative_gap: float = 0.001
    """Stop once (bound - objective) / objective is below this."""
    num_workers: int = 0
    """CP-SAT workers; 0 = one per core."""
    seed: int | None = None
    """Set for reproducible plans: the search then runs in deterministic batches, bounded by
    deterministic time (about `time_limit` seconds) instead of wall-clock time."""
    log_search: bool = False
    cluster_size: int | None = None
    """People per stage-1 cluster. Offices up to `WHOLE_MODEL_PEOPLE` are one CP-SAT model; larger
    ones are re-planned a cluster of whole teams at a time (far less memory, faster progress).
    Set to force clusters of this size, or 0 to force one model."""


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
    stages: tuple[StageReport, ...] = ()
    objective_terms: tuple[ObjectiveTerm, ...] = ()
    preference_bound: PreferenceBound | None = None
    """How many preferred days any plan could honour, with and without weekly team days."""
    wall_time: float = 0.0

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
