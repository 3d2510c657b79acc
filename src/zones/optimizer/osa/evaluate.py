"""Independent OSA cost evaluator: plain Python, exact arithmetic, no CP-SAT.

It exists to check solver output, so it deliberately shares no code with the
model: it recomputes room usage and every constraint from the allocation alone.
The greedy baseline prices its steps with this module's checks.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from zones.optimizer.osa.instance import ConstraintType, OsaConstraint, OsaInstance, Room

__all__ = ["Evaluation", "constraint_holds", "evaluate", "room_misuse"]

UNDER_USE_COST = 1  # per unit of empty space in a room (an unused room counts its whole capacity)
OVER_USE_COST = 2  # per unit of space above capacity


@dataclass(frozen=True, slots=True)
class Evaluation:
    """Cost breakdown of one allocation; ``total`` is exact (a Fraction)."""

    hard_violations: tuple[str, ...]
    under_use: Fraction  # sum over rooms of max(0, capacity - used)
    over_use: Fraction  # sum over rooms of max(0, used - capacity)
    soft_penalty_by_type: Mapping[ConstraintType, int] = field(default_factory=dict)
    violated_soft: tuple[int, ...] = ()  # ids of violated soft constraints

    @property
    def feasible(self) -> bool:
        """True when every entity is placed once and all hard constraints hold."""
        return not self.hard_violations

    @property
    def space_misuse(self) -> Fraction:
        """Under-use at 1 per unit plus over-use at 2 per unit."""
        return UNDER_USE_COST * self.under_use + OVER_USE_COST * self.over_use

    @property
    def soft_penalty(self) -> int:
        """Sum of penalties of violated soft constraints."""
        return sum(self.soft_penalty_by_type.values())

    @property
    def total(self) -> Fraction:
        """The OSA objective: space misuse plus soft penalties."""
        return self.space_misuse + self.soft_penalty


def room_misuse(capacity: Fraction, used: Fraction) -> Fraction:
    """One room's space misuse: its empty space at 1 per unit, its over-use at 2 per unit."""
    return UNDER_USE_COST * max(Fraction(0), capacity - used) + OVER_USE_COST * max(
        Fraction(0), used - capacity
    )


def evaluate(instance: OsaInstance, allocation: Mapping[int, int]) -> Evaluation:
    """Score ``allocation`` (entity id -> room id) against ``instance``."""
    rooms = instance.room_by_id
    entities = instance.entity_by_id
    violations: list[str] = []

    for eid in entities:
        if eid not in allocation:
            violations.append(f"entity {eid} is not allocated to any room")
    for eid, rid in allocation.items():
        if eid not in entities:
            violations.append(f"allocation names unknown entity {eid}")
        elif rid not in rooms:
            violations.append(f"entity {eid} is allocated to unknown room {rid}")
    placed = {e: r for e, r in allocation.items() if e in entities and r in rooms}

    used: dict[int, Fraction] = defaultdict(Fraction)
    occupants: Counter[int] = Counter()
    for eid, rid in placed.items():
        used[rid] += entities[eid].space
        occupants[rid] += 1
    under = sum((max(Fraction(0), r.space - used[r.id]) for r in instance.rooms), Fraction(0))
    over = sum((max(Fraction(0), used[r.id] - r.space) for r in instance.rooms), Fraction(0))

    penalty_by_type: dict[ConstraintType, int] = {}
    violated_soft: list[int] = []
    for constraint in instance.constraints:
        satisfied = constraint_holds(constraint, placed, rooms, used, occupants)
        if satisfied is None or satisfied:
            continue  # None: an operand is unplaced, already reported above
        if constraint.hard:
            violations.append(_describe(constraint))
        else:
            penalty_by_type[constraint.type] = penalty_by_type.get(constraint.type, 0) + constraint.penalty
            violated_soft.append(constraint.id)

    return Evaluation(
        hard_violations=tuple(violations),
        under_use=under,
        over_use=over,
        soft_penalty_by_type=penalty_by_type,
        violated_soft=tuple(violated_soft),
    )


def constraint_holds(
    c: OsaConstraint,
    placed: Mapping[int, int],
    rooms: Mapping[int, Room],
    used: Mapping[int, Fraction],
    occupants: Mapping[int, int],
) -> bool | None:
    """Whether ``c`` holds for the entities placed so far; None while an operand is unplaced.

    ``used`` and ``occupants`` are each room's space taken and number of entities; any partial
    allocation can be judged, so the greedy baseline prices its steps with this same check.
    """
    t = ConstraintType
    if c.type is t.CAPACITY:
        return used.get(c.c1, Fraction(0)) <= rooms[c.c1].space
    if c.c1 not in placed:
        return None
    room1 = placed[c.c1]
    if c.type is t.ALLOCATION:
        return room1 == c.c2
    if c.type is t.NON_ALLOCATION:
        return room1 != c.c2
    if c.type is t.NOT_SHARING:
        return occupants.get(room1, 0) == 1
    if c.c2 not in placed:
        return None
    room2 = placed[c.c2]
    if c.type is t.SAME_ROOM:
        return room1 == room2
    if c.type is t.NOT_SAME_ROOM:
        return room1 != room2
    if c.type is t.ADJACENCY:
        return rooms[room1].is_adjacent_to(room2)
    if c.type is t.NEARBY:
        return rooms[room1].floor == rooms[room2].floor
    if c.type is t.AWAY_FROM:
        return rooms[room1].floor != rooms[room2].floor
    raise ValueError(f"cannot evaluate {c.type.label} constraint {c.id}")


def _describe(c: OsaConstraint) -> str:
    """A readable message for a violated hard constraint."""
    t = ConstraintType
    subject = {
        t.ALLOCATION: f"entity {c.c1} is not in room {c.c2}",
        t.NON_ALLOCATION: f"entity {c.c1} is in forbidden room {c.c2}",
        t.CAPACITY: f"room {c.c1} is over capacity",
        t.SAME_ROOM: f"entities {c.c1} and {c.c2} are in different rooms",
        t.NOT_SAME_ROOM: f"entities {c.c1} and {c.c2} share a room",
        t.NOT_SHARING: f"entity {c.c1} shares its room",
        t.ADJACENCY: f"entities {c.c1} and {c.c2} are not in adjacent rooms",
        t.NEARBY: f"entities {c.c1} and {c.c2} are on different floors",
        t.AWAY_FROM: f"entities {c.c1} and {c.c2} are on the same floor",
    }[c.type]
    return f"hard {c.type.label} constraint {c.id} violated: {subject}"
