"""CP-SAT model of Office Space Allocation, one function per family of constraints.

Spaces are scaled to integers with :attr:`OsaInstance.space_scale`, so the
objective is exact; divide by ``scale`` to get square metres / penalty points.

Two reformulations make the bound strong enough to prove optimality quickly:

* Per room, ``under - over = capacity - used``, so total misuse
  ``sum(under) + 2 * sum(over)`` equals the constant ``sum(capacity) - sum(space)``
  plus ``3 * sum(over)``.  Under-use needs no variables at all.
* An entity that must not share (hard type 6) is alone in its room, so its
  over-use is known per room and enters the objective as a linear cost on
  ``in_room[entity, room]`` - an assignment-problem term the LP handles well.
  Only rooms shared by several entities need an ``over`` variable, and its
  available capacity is ``capacity * (1 - lonely_here[room])``.

Both only pay off in the full LP relaxation (``linearization_level=2`` /
CP-SAT's ``max_lp`` worker): with these, nott1d and nott1e are proven optimal
in seconds, while the level-1 LP of this model is empty and the bound stalls.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypeAlias

from ortools.sat.python import cp_model

from zones.optimizer.osa.instance import ConstraintType, OsaConstraint, OsaInstance

__all__ = ["ModelOptions", "OsaModel", "build_model", "candidate_rooms"]

T = ConstraintType
# A linear expression over model variables, or a constant.  Narrower than CP-SAT's
# LinearExprT, which also admits numpy integers whose operator stubs reject LinearExpr
# operands; everything here is built from plain ints, so this keeps the arithmetic checkable.
Expr: TypeAlias = cp_model.LinearExpr | int
OVER_USE_WEIGHT = 3  # 2 per unit over-use plus the 1 per unit folded into the constant (see module doc)


@dataclass(frozen=True, slots=True)
class ModelOptions:
    """Switches for the optional strengthening parts of the model."""

    break_symmetry: bool = True  # order interchangeable entities by room
    strengthen_adjacency: bool = True  # add the mirrored adjacency cut for hard pairs


@dataclass(slots=True)
class OsaModel:
    """A built CP-SAT model plus the variables needed to read a solution back."""

    model: cp_model.CpModel
    instance: OsaInstance
    scale: int
    in_room: dict[tuple[int, int], cp_model.IntVar]  # (entity id, room id) -> bool
    on_floor: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # room id -> a lonely (hard not-sharing) entity sits here; only rooms that may have other occupants
    lonely_here: dict[int, cp_model.IntVar] = field(default_factory=dict)
    soft_violated: dict[int, Expr] = field(default_factory=dict)  # soft constraint id -> 0/1
    space_misuse: Expr = 0  # scaled; includes the constant part
    interchangeable: list[list[int]] = field(default_factory=list)  # entity classes ordered by room position
    objective: Expr = 0  # scaled; what the model minimises

    def canonical(self, allocation: Mapping[int, int]) -> dict[int, int]:
        """The same-cost allocation that satisfies the symmetry-breaking order."""
        position = {r.id: i for i, r in enumerate(self.instance.rooms)}
        result = dict(allocation)
        for members in self.interchangeable:
            rooms = sorted((allocation[e] for e in members), key=position.__getitem__)
            result.update(zip(members, rooms, strict=True))
        return result


def candidate_rooms(instance: OsaInstance) -> dict[int, list[int]]:
    """Rooms each entity may use, after hard (non-)allocation and capacity filtering."""
    room_ids = [r.id for r in instance.rooms]
    rooms = instance.room_by_id
    allowed = {e.id: set(room_ids) for e in instance.entities}
    space = {e.id: e.space for e in instance.entities}
    full_rooms = {c.c1 for c in instance.hard_constraints if c.type is T.CAPACITY}
    for c in instance.hard_constraints:
        if c.type is T.ALLOCATION:
            allowed[c.c1] &= {c.c2}
        elif c.type is T.NON_ALLOCATION:
            allowed[c.c1].discard(c.c2)
    for eid, rids in allowed.items():
        # An entity bigger than a room that must not be over-used can never go there.
        rids -= {r for r in full_rooms if space[eid] > rooms[r].space}
    return {eid: [r for r in room_ids if r in allowed[eid]] for eid in allowed}


def build_model(instance: OsaInstance, options: ModelOptions = ModelOptions()) -> OsaModel:
    """Build the full OSA model: placement, hard constraints and the objective."""
    model = cp_model.CpModel()
    scale = instance.space_scale
    candidates = candidate_rooms(instance)
    in_room = add_in_room_vars(model, candidates)
    osa = OsaModel(model=model, instance=instance, scale=scale, in_room=in_room)

    add_each_entity_in_one_room(osa, candidates)
    osa.on_floor = add_on_floor_vars(osa, _entities_needing_floors(instance))
    add_not_sharing(osa, _lonely_entities(instance))
    add_hard_constraints(osa, options)
    if options.break_symmetry:
        add_symmetry_breaking(osa, candidates)

    osa.space_misuse = sum(space_misuse_terms(osa))
    osa.objective = osa.space_misuse + sum(soft_penalty_terms(osa))
    model.minimize(osa.objective)
    return osa


def add_in_room_vars(
    model: cp_model.CpModel, candidates: Mapping[int, list[int]]
) -> dict[tuple[int, int], cp_model.IntVar]:
    """One boolean per (entity, allowed room): ``in_room[e, r]`` is true iff e sits in r."""
    return {(e, r): model.new_bool_var(f"in_room[{e},{r}]") for e, rooms in candidates.items() for r in rooms}


def add_each_entity_in_one_room(osa: OsaModel, candidates: Mapping[int, list[int]]) -> None:
    """Every entity goes into exactly one room."""
    for e, rooms in candidates.items():
        osa.model.add_exactly_one(osa.in_room[e, r] for r in rooms)


def add_on_floor_vars(osa: OsaModel, entities: Iterable[int]) -> dict[tuple[int, int], cp_model.IntVar]:
    """``on_floor[e, f]`` booleans for entities in nearby/away-from constraints.

    Floor-level literals let those constraints be stated with ``floors``
    literals instead of one per room pair, which keeps the LP small and tight.
    """
    floor_rooms: dict[int, list[int]] = defaultdict(list)
    for room in osa.instance.rooms:
        floor_rooms[room.floor].append(room.id)
    on_floor: dict[tuple[int, int], cp_model.IntVar] = {}
    for e in entities:
        for f in range(osa.instance.floors):
            here = [osa.in_room[e, r] for r in floor_rooms[f] if (e, r) in osa.in_room]
            var = osa.model.new_bool_var(f"on_floor[{e},{f}]")
            osa.model.add(var == sum(here))
            on_floor[e, f] = var
    return on_floor


def add_not_sharing(osa: OsaModel, lonely: set[int]) -> None:
    """Hard not-sharing: a lonely entity's room holds nobody else.

    ``lonely_here[r]`` (at most one lonely entity per room) excludes every other
    occupant with one binary clause each, which is as tight as the pairwise
    formulation but linear in size.
    """
    model, in_room = osa.model, osa.in_room
    for room in osa.instance.rooms:
        lonely_vars = [in_room[e, room.id] for e in lonely if (e, room.id) in in_room]
        if not lonely_vars:
            continue
        others = [
            in_room[e.id, room.id]
            for e in osa.instance.entities
            if e.id not in lonely and (e.id, room.id) in in_room
        ]
        if not others:
            model.add_at_most_one(lonely_vars)
            continue
        lonely_here = model.new_bool_var(f"lonely_here[{room.id}]")
        model.add(lonely_here == sum(lonely_vars))
        for other in others:
            model.add_at_most_one([other, lonely_here])
        osa.lonely_here[room.id] = lonely_here


def add_hard_constraints(osa: OsaModel, options: ModelOptions) -> None:
    """Hard capacity, same/not-same room, adjacency, nearby and away-from constraints.

    Allocation and non-allocation are already enforced by the variable domains
    (:func:`candidate_rooms`) and not-sharing by :func:`add_not_sharing`.
    """
    for c in osa.instance.hard_constraints:
        if c.type is T.CAPACITY:
            osa.model.add(_used_space(osa, c.c1) <= _scaled(osa, osa.instance.room_by_id[c.c1].space))
        elif c.type is T.SAME_ROOM:
            for r in osa.instance.rooms:
                _add_unless_constant(osa.model, _in_room(osa, c.c1, r.id) == _in_room(osa, c.c2, r.id))
        elif c.type is T.NOT_SAME_ROOM:
            for r in osa.instance.rooms:
                _add_unless_constant(osa.model, _in_room(osa, c.c1, r.id) + _in_room(osa, c.c2, r.id) <= 1)
        elif c.type is T.ADJACENCY:
            _add_hard_adjacency(osa, c.c1, c.c2)
            if options.strengthen_adjacency:
                _add_hard_adjacency(osa, c.c2, c.c1)  # adjacency is symmetric; the mirror cut tightens the LP
        elif c.type is T.NEARBY:
            for f in range(osa.instance.floors):
                osa.model.add(osa.on_floor[c.c1, f] == osa.on_floor[c.c2, f])
        elif c.type is T.AWAY_FROM:
            for f in range(osa.instance.floors):
                osa.model.add_at_most_one([osa.on_floor[c.c1, f], osa.on_floor[c.c2, f]])


def _add_hard_adjacency(osa: OsaModel, e1: int, e2: int) -> None:
    rooms = osa.instance.room_by_id
    for r in rooms.values():
        if (e1, r.id) not in osa.in_room:
            continue
        near = [osa.in_room[e2, a] for a in sorted(r.adjacent | {r.id}) if (e2, a) in osa.in_room]
        osa.model.add_bool_or([osa.in_room[e1, r.id].Not(), *near])


def add_symmetry_breaking(osa: OsaModel, candidates: Mapping[int, list[int]]) -> None:
    """Order interchangeable entities by room position.

    Entities with the same space, the same candidate rooms, the same
    not-sharing status and no other constraint are indistinguishable; any
    permutation of their rooms gives the same cost.
    """
    constrained: set[int] = set()
    for c in osa.instance.constraints:
        if c.type is T.CAPACITY:
            continue
        if c.type is T.NOT_SHARING and c.hard:
            continue
        constrained.add(c.c1)
        if c.type not in (T.ALLOCATION, T.NON_ALLOCATION, T.NOT_SHARING):
            constrained.add(c.c2)
    lonely = _lonely_entities(osa.instance)
    # (space, lonely, candidate rooms) -> entities that are interchangeable
    classes: dict[tuple[Fraction, bool, tuple[int, ...]], list[int]] = defaultdict(list)
    for e in osa.instance.entities:
        if e.id not in constrained:
            classes[e.space, e.id in lonely, tuple(candidates[e.id])].append(e.id)
    position = {r.id: i for i, r in enumerate(osa.instance.rooms)}
    for (_, is_lonely, rooms), members in classes.items():
        if len(members) < 2:
            continue
        osa.interchangeable.append(members)
        index = {e: sum(position[r] * osa.in_room[e, r] for r in rooms) for e in members}
        for a, b in itertools.pairwise(members):
            if is_lonely:
                osa.model.add(index[a] < index[b])  # lonely entities never share, so strictly increasing
            else:
                osa.model.add(index[a] <= index[b])


def space_misuse_terms(osa: OsaModel) -> list[Expr]:
    """Objective terms for space misuse, in scaled units (see the module docstring)."""
    instance, model = osa.instance, osa.model
    lonely = _lonely_entities(instance)
    constant = sum(r.space for r in instance.rooms) - sum(e.space for e in instance.entities)
    terms: list[Expr] = [_scaled(osa, constant)]
    space = {e.id: _scaled(osa, e.space) for e in instance.entities}
    for room in instance.rooms:
        cap = _scaled(osa, room.space)
        for e in lonely:
            if (e, room.id) in osa.in_room and space[e] > cap:
                terms.append(OVER_USE_WEIGHT * (space[e] - cap) * osa.in_room[e, room.id])
        sharers = [e.id for e in instance.entities if e.id not in lonely and (e.id, room.id) in osa.in_room]
        worst = sum(space[e] for e in sharers) - cap
        if worst <= 0:
            continue  # even everyone who may share cannot over-fill this room
        over = model.new_int_var(0, worst, f"over[{room.id}]")
        # A lonely occupant takes the whole room, so sharers only get the
        # capacity left by (1 - lonely_here); without this the LP lets a
        # half-lonely room also host half a group at no cost.
        available = cap * (1 - osa.lonely_here[room.id]) if room.id in osa.lonely_here else cap
        # max_equality (not just >=) keeps every reported solution priced exactly.
        model.add_max_equality(
            over, [0, sum(space[e] * osa.in_room[e, room.id] for e in sharers) - available]
        )
        terms.append(OVER_USE_WEIGHT * over)
    return terms


def soft_penalty_terms(osa: OsaModel) -> list[Expr]:
    """Objective terms for violated soft constraints, each ``scale * penalty * violated``."""
    terms: list[Expr] = []
    for c in osa.instance.soft_constraints:
        violated = _soft_violation(osa, c)
        osa.soft_violated[c.id] = violated
        terms.append(osa.scale * c.penalty * violated)
    return terms


def _soft_violation(osa: OsaModel, c: OsaConstraint) -> Expr:
    """A 0/1 expression equal to 1 exactly when soft constraint ``c`` is violated.

    Every auxiliary literal is fully reified (both directions), so any
    solution CP-SAT reports - not just the optimum - is priced exactly like
    the independent evaluator prices it.
    """
    model, instance = osa.model, osa.instance
    name = f"{c.type.name.lower()}[{c.id}]"
    if c.type is T.ALLOCATION:
        return 1 - _in_room(osa, c.c1, c.c2)
    if c.type is T.NON_ALLOCATION:
        return _in_room(osa, c.c1, c.c2)
    if c.type is T.CAPACITY:
        room = instance.room_by_id[c.c1]
        used, cap = _used_space(osa, room.id), _scaled(osa, room.space)
        worst = sum(_scaled(osa, e.space) for e in instance.entities if (e.id, room.id) in osa.in_room)
        if worst <= cap:
            return 0
        violated = model.new_bool_var(name)
        model.add(used <= cap).only_enforce_if(violated.Not())
        model.add(used >= cap + 1).only_enforce_if(violated)
        return violated
    if c.type is T.SAME_ROOM:
        # 1 - sum(both in r): its LP value is half the L1 distance of the two
        # assignment vectors, tighter than max_r |x1r - x2r|.
        return 1 - sum(_together_in_rooms(osa, c.c1, c.c2, name))
    if c.type is T.NOT_SAME_ROOM:
        return sum(_together_in_rooms(osa, c.c1, c.c2, name))
    if c.type is T.NOT_SHARING:
        return _soft_not_sharing(osa, c.c1, name)
    if c.type is T.ADJACENCY:
        # at[r]: c1 is in r and c2 is in a room adjacent to r (or r itself).
        satisfied = []
        for r in instance.rooms:
            if (c.c1, r.id) not in osa.in_room:
                continue
            near = [osa.in_room[c.c2, a] for a in sorted(r.adjacent | {r.id}) if (c.c2, a) in osa.in_room]
            if not near:
                continue
            here = osa.in_room[c.c1, r.id]
            at = model.new_bool_var(f"{name}.at[{r.id}]")
            model.add_implication(at, here)
            model.add_bool_or([at.Not(), *near])
            for neighbour in near:
                model.add_bool_or([here.Not(), neighbour.Not(), at])
            satisfied.append(at)
        model.add_at_most_one(satisfied)  # implied by the exactly-one rows; stated so propagation sees it
        return 1 - sum(satisfied)
    if c.type is T.NEARBY:
        return 1 - sum(_together_on_floors(osa, c.c1, c.c2, name))
    if c.type is T.AWAY_FROM:
        return sum(_together_on_floors(osa, c.c1, c.c2, name))
    raise ValueError(f"unsupported soft constraint type {c.type.label}")


def _together_in_rooms(osa: OsaModel, e1: int, e2: int, name: str) -> list[cp_model.IntVar]:
    """``both[r] == in_room[e1, r] and in_room[e2, r]``; at most one is true."""
    both = [
        _and(osa.model, osa.in_room[e1, r.id], osa.in_room[e2, r.id], f"{name}.both[{r.id}]")
        for r in osa.instance.rooms
        if (e1, r.id) in osa.in_room and (e2, r.id) in osa.in_room
    ]
    osa.model.add_at_most_one(both)  # implied by the exactly-one rows; stated so propagation sees it
    return both


def _together_on_floors(osa: OsaModel, e1: int, e2: int, name: str) -> list[cp_model.IntVar]:
    """``both[f] == on_floor[e1, f] and on_floor[e2, f]``; at most one is true."""
    both = [
        _and(osa.model, osa.on_floor[e1, f], osa.on_floor[e2, f], f"{name}.floor[{f}]")
        for f in range(osa.instance.floors)
    ]
    osa.model.add_at_most_one(both)
    return both


def _soft_not_sharing(osa: OsaModel, entity: int, name: str) -> Expr:
    """Violated iff someone else is in ``entity``'s room (``shared[r]`` per room)."""
    model, instance = osa.model, osa.instance
    shared = []
    for r in instance.rooms:
        if (entity, r.id) not in osa.in_room:
            continue
        here = osa.in_room[entity, r.id]
        others = sum(
            osa.in_room[e.id, r.id]
            for e in instance.entities
            if e.id != entity and (e.id, r.id) in osa.in_room
        )
        flag = model.new_bool_var(f"{name}.shared[{r.id}]")
        model.add_implication(flag, here)
        model.add(others >= 1).only_enforce_if(flag)
        model.add(others == 0).only_enforce_if([here, flag.Not()])
        shared.append(flag)
    return sum(shared)


def _and(model: cp_model.CpModel, a: cp_model.IntVar, b: cp_model.IntVar, name: str) -> cp_model.IntVar:
    """A new literal equal to ``a and b``."""
    both = model.new_bool_var(name)
    model.add_implication(both, a)
    model.add_implication(both, b)
    model.add_bool_or([a.Not(), b.Not(), both])
    return both


def _lonely_entities(instance: OsaInstance) -> set[int]:
    """Entities under a hard not-sharing constraint."""
    return {c.c1 for c in instance.hard_constraints if c.type is T.NOT_SHARING}


def _entities_needing_floors(instance: OsaInstance) -> list[int]:
    wanted = {x for c in instance.constraints if c.type in (T.NEARBY, T.AWAY_FROM) for x in (c.c1, c.c2)}
    return sorted(wanted)


def _in_room(osa: OsaModel, e: int, r: int) -> Expr:
    """``in_room[e, r]``, or the constant 0 when the room was filtered out."""
    return osa.in_room.get((e, r), 0)


def _add_unless_constant(
    model: cp_model.CpModel, constraint: cp_model.BoundedLinearExpression | bool
) -> None:
    """Add ``constraint`` unless both sides were filtered out (then it is a plain bool)."""
    if isinstance(constraint, bool):
        if not constraint:
            model.add_bool_or([])  # statically infeasible: keep it visible as infeasibility
        return
    model.add(constraint)


def _used_space(osa: OsaModel, room: int) -> Expr:
    """Scaled space taken by the entities in ``room``."""
    return sum(
        _scaled(osa, e.space) * osa.in_room[e.id, room]
        for e in osa.instance.entities
        if (e.id, room) in osa.in_room
    )


def _scaled(osa: OsaModel, value: Fraction | int) -> int:
    """``value`` in model units; raises if it is finer than the instance's scale."""
    scaled = value * osa.scale
    if scaled.denominator != 1:
        raise ValueError(f"{value} is not a multiple of 1/{osa.scale}")
    return int(scaled)
