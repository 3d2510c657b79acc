"""Greedy OSA baseline: a yardstick for the CP-SAT model and its warm start."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from fractions import Fraction

from zones.optimizer.osa.instance import ConstraintType, OsaConstraint, OsaInstance, Room
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
    used: dict[int, Fraction] = defaultdict(Fraction)

    def misuse(room: int, load: Fraction) -> Fraction:
        cap = rooms[room].space
        return max(Fraction(0), cap - load) + 2 * max(Fraction(0), load - cap)

    def cost_of(entity: int, room: int) -> Fraction | None:
        """Added cost of putting ``entity`` in ``room``, or None if a hard constraint breaks."""
        if entity in lonely and occupants[room]:
            return None
        if any(o in lonely for o in occupants[room]):
            return None
        load = used[room] + space[entity]
        cost = misuse(room, load) - misuse(room, used[room])
        for c in capacity_rooms[room]:
            if load > rooms[room].space and used[room] <= rooms[room].space:
                if c.hard:
                    return None
                cost += c.penalty
        for c in touching[entity]:
            verdict = _decided(c, entity, room, placed, rooms, occupants)
            if verdict is False:
                if c.hard:
                    return None
                cost += c.penalty
        return cost

    def place(entity: int, room: int) -> None:
        placed[entity] = room
        occupants[room].append(entity)
        used[room] += space[entity]

    def unplace(entity: int) -> None:
        room = placed.pop(entity)
        occupants[room].remove(entity)
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


def _decided(
    c: OsaConstraint,
    entity: int,
    room: int,
    placed: Mapping[int, int],
    rooms: Mapping[int, Room],
    occupants: Mapping[int, list[int]],
) -> bool | None:
    """Whether ``c`` holds once ``entity`` is in ``room``; None while its partner is unplaced."""
    if c.type is T.ALLOCATION:
        return room == c.c2
    if c.type is T.NON_ALLOCATION:
        return room != c.c2
    if c.type is T.NOT_SHARING:
        # Soft not-sharing is only judged when its subject (C1) is placed: it breaks
        # if the room is already occupied.  Entities placed later into that room are
        # not charged, so the greedy cost can under-count this penalty.
        subject_room = room if entity == c.c1 else placed.get(c.c1)
        return subject_room is None or not occupants[subject_room]
    partner = c.c2 if entity == c.c1 else c.c1
    if partner not in placed:
        return None
    other = placed[partner]
    if c.type is T.SAME_ROOM:
        return room == other
    if c.type is T.NOT_SAME_ROOM:
        return room != other
    if c.type is T.ADJACENCY:
        return rooms[room].is_adjacent_to(other)
    if c.type is T.NEARBY:
        return rooms[room].floor == rooms[other].floor
    if c.type is T.AWAY_FROM:
        return rooms[room].floor != rooms[other].floor
    return None
