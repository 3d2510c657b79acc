"""Greedy OSA baseline: a yardstick for the CP-SAT model and its warm start."""

from __future__ import annotations

from collections import Counter, defaultdict
from fractions import Fraction

from zones.optimizer.osa.evaluate import constraint_holds, room_misuse
from zones.optimizer.osa.instance import ConstraintType, OsaConstraint, OsaInstance
from zones.optimizer.osa.model import candidate_rooms

__all__ = ["greedy_allocation"]

T = ConstraintType


def greedy_allocation(instance: OsaInstance) -> dict[int, int] | None:
    """Place entities one by one into the room that raises the cost least.

    Order: entities pinned by a hard allocation, then lonely (not-sharing)
    entities, then the rest, each group by decreasing space, because big and
    lonely entities have the fewest good rooms; partners in hard pair
    constraints jump the queue right after their partner is placed.  Each
    entity goes into the allowed room that keeps all hard constraints on
    already-placed entities and adds the least space misuse plus soft
    penalty.  Returns ``None`` when an entity has no feasible room left (no
    backtracking: this is a baseline).

    A step is charged for the constraints on the entity and on its room's
    capacity that it breaks, judged by the evaluator's own check.  A soft
    not-sharing constraint of an entity already in the room is not among
    them, so the greedy cost can under-count that penalty.
    """
    rooms = instance.room_by_id
    space = {e.id: e.space for e in instance.entities}
    candidates = candidate_rooms(instance)
    lonely = {c.c1 for c in instance.hard_constraints if c.type is T.NOT_SHARING}
    pinned = {c.c1 for c in instance.hard_constraints if c.type is T.ALLOCATION}
    touching: dict[int, list[OsaConstraint]] = defaultdict(list)
    for c in instance.constraints:
        if c.type is T.CAPACITY:
            continue
        touching[c.c1].append(c)
        if c.type not in (T.ALLOCATION, T.NON_ALLOCATION, T.NOT_SHARING):
            touching[c.c2].append(c)
    capacity_rooms: dict[int, list[OsaConstraint]] = defaultdict(list)
    for c in instance.constraints:
        if c.type is T.CAPACITY:
            capacity_rooms[c.c1].append(c)

    order = sorted(instance.entities, key=lambda e: (e.id not in pinned, e.id not in lonely, -e.space, e.id))
    placed: dict[int, int] = {}
    occupants: dict[int, list[int]] = defaultdict(list)
    headcount: Counter[int] = Counter()
    used: dict[int, Fraction] = defaultdict(Fraction)

    def holds(c: OsaConstraint) -> bool | None:
        return constraint_holds(c, placed, rooms, used, headcount)

    def cost_of(entity: int, room: int) -> Fraction | None:
        """Added cost of putting ``entity`` in ``room``, or None if a hard constraint breaks."""
        if any(o in lonely for o in occupants[room]):
            return None
        judged = capacity_rooms[room] + touching[entity]
        before = [holds(c) for c in judged]
        capacity = rooms[room].space
        cost = room_misuse(capacity, used[room] + space[entity]) - room_misuse(capacity, used[room])
        place(entity, room)
        try:
            broken = [
                c for c, held in zip(judged, before, strict=True) if held is not False and holds(c) is False
            ]
        finally:
            unplace(entity)
        if any(c.hard for c in broken):
            return None
        return cost + sum(c.penalty for c in broken)

    def place(entity: int, room: int) -> None:
        placed[entity] = room
        occupants[room].append(entity)
        headcount[room] += 1
        used[room] += space[entity]

    def unplace(entity: int) -> None:
        room = placed.pop(entity)
        occupants[room].remove(entity)
        headcount[room] -= 1
        used[room] -= space[entity]

    def partners_still_placeable(entity: int, room: int) -> bool:
        # One-step look-ahead on hard pairs, so that e.g. two lonely entities
        # that must be adjacent are not split across a fully booked corridor.
        partners = {
            c.c1 if c.c2 == entity else c.c2 for c in touching[entity] if c.hard and c.type in _PAIR_TYPES
        }
        partners -= placed.keys()
        if not partners:
            return True
        place(entity, room)
        try:
            return all(any(cost_of(p, r) is not None for r in candidates[p]) for p in partners)
        finally:
            unplace(entity)

    hard_partners: dict[int, list[int]] = defaultdict(list)
    for c in instance.hard_constraints:
        if c.type in _PAIR_TYPES:
            hard_partners[c.c1].append(c.c2)
            hard_partners[c.c2].append(c.c1)
    by_id = {e.id: e for e in instance.entities}
    queue = [e.id for e in order]
    while queue:
        entity = by_id[queue.pop(0)]
        best: tuple[Fraction, Fraction, int] | None = None
        for room in candidates[entity.id]:
            cost = cost_of(entity.id, room)
            if cost is None:
                continue
            # Ties on cost (any big-enough empty room costs the same) go to the best fit.
            key = (cost, abs(rooms[room].space - used[room] - entity.space), room)
            if (best is None or key < best) and partners_still_placeable(entity.id, room):
                best = key
        if best is None:
            return None
        place(entity.id, best[2])
        # Place hard partners next, before others take the rooms they need.
        # A partner linked by two hard constraints (same room and nearby) is still placed once.
        waiting = list(dict.fromkeys(p for p in hard_partners[entity.id] if p not in placed and p in queue))
        queue = waiting + [q for q in queue if q not in waiting]
    return placed


_PAIR_TYPES = (T.SAME_ROOM, T.NOT_SAME_ROOM, T.ADJACENCY, T.NEARBY, T.AWAY_FROM)
