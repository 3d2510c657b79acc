"""Office Space Allocation benchmark: reader, independent evaluator and CP-SAT model."""

from __future__ import annotations

import itertools
import os
import random
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

from zones.optimizer.osa import (
    ConstraintType,
    Entity,
    OsaConstraint,
    OsaFormatError,
    OsaInstance,
    Room,
    SolveParameters,
    build_model,
    evaluate,
    greedy_allocation,
    read_instance,
    solve,
)

T = ConstraintType
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "osa_data"
NOTT1D_OPTIMUM = Fraction("201.55")


@pytest.fixture(scope="module")
def osa_data() -> Path:
    """The shared benchmark folder; only a local checkout without it may skip."""
    if not DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"OSA benchmark data missing at {DATA} (CI must provide shared/osa_data)")
        pytest.skip(f"OSA benchmark data not found at {DATA}; clone shared/ next to the repo to run these")
    return DATA


def shipped_instances() -> list[Path]:
    """Every instance file under the data folder (collected at import, hence no fixture)."""
    return sorted(p for p in DATA.glob("*/*.txt") if p.name != "readme.txt") if DATA.is_dir() else []


# ---------------------------------------------------------------- tiny instances


def tiny(
    spaces: list[str],
    rooms: list[tuple[int, str, set[int]]],
    constraints: Sequence[tuple[T, bool, int, int]] = (),
) -> OsaInstance:
    """Build an instance in code: rooms are (floor, capacity, adjacent ids)."""
    return OsaInstance(
        name="tiny",
        entities=tuple(Entity(i, 0, Fraction(s)) for i, s in enumerate(spaces)),
        rooms=tuple(Room(i, f, Fraction(c), frozenset(a)) for i, (f, c, a) in enumerate(rooms)),
        floors=1 + max(f for f, _, _ in rooms),
        constraints=tuple(OsaConstraint(i, t, h, c1, c2) for i, (t, h, c1, c2) in enumerate(constraints)),
    )


# Two rooms side by side on floor 0, a third upstairs; all 10 m2.
THREE_ROOMS = [(0, "10", {1}), (0, "10", {0}), (1, "10", set())]


# ---------------------------------------------------------------- reader


@pytest.mark.parametrize("path", shipped_instances(), ids=lambda p: p.stem)
def test_reader_parses_every_shipped_instance_with_counts_matching_its_header(
    osa_data: Path, path: Path
) -> None:
    header = dict(re.findall(r"^(\w+):\s*(\d+)", path.read_text(), flags=re.MULTILINE))
    instance = read_instance(path)
    assert len(instance.entities) == int(header["NoOfEntities"])
    assert len(instance.rooms) == int(header["NoOfRooms"])
    assert instance.floors == int(header["NoOfFloors"])
    assert len(instance.constraints) == int(header["NoOfConstraints"])
    assert len(instance.hard_constraints) == int(header["NoOfHardConstraints"])
    assert len(instance.soft_constraints) == int(header["NoOfSoftConstraints"])
    assert instance.space_scale in (1, 2, 4, 5, 10, 20, 25, 50, 100)  # at most two decimals


def test_reader_keeps_decimal_spaces_exact(osa_data: Path) -> None:
    instance = read_instance(osa_data / "nott" / "nott1d.txt")
    assert instance.entity_by_id[8].space == Fraction("20.25")
    assert instance.room_by_id[1].space == Fraction("18.3")  # not 18.299999...
    assert instance.room_by_id[0].adjacent == {1, 2, 3}


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "broken.txt"
    path.write_text(body)
    return path


GOOD = """NoOfEntities: 2
NoOfRooms: 2
NoOfFloors: 1
NoOfConstraints: 1
NoOfHardConstraints: 1
NoOfSoftConstraints: 0

ENTITIES
0 0 10
1 0 12.5

ROOMS
0 0 10 1 1
1 0 13.5 1 0

CONSTRAINTS
0 6 1 0 -1
"""


def test_reader_accepts_a_minimal_well_formed_file(tmp_path: Path) -> None:
    instance = read_instance(_write(tmp_path, GOOD))
    assert [e.space for e in instance.entities] == [10, Fraction("12.5")]
    assert instance.constraints[0].type is T.NOT_SHARING and instance.constraints[0].hard


def test_malformed_row_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("1 0 12.5", "1 0 twelve"))
    with pytest.raises(OsaFormatError) as raised:
        read_instance(path)
    assert raised.value.line == 10
    assert str(raised.value).startswith(f"{path}:10:")
    assert "twelve" in str(raised.value)


def test_adjacency_list_shorter_than_announced_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("0 0 10 1 1", "0 0 10 2 1"))
    with pytest.raises(OsaFormatError, match=r"broken\.txt:13: room 0 announces 2 adjacent rooms"):
        read_instance(path)


def test_constraint_naming_an_unknown_entity_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("0 6 1 0 -1", "0 6 1 7 -1"))
    with pytest.raises(OsaFormatError, match=r"broken\.txt:17: .*C1=7 is not a known entity"):
        read_instance(path)


def test_header_count_that_disagrees_with_the_rows_is_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD.replace("NoOfEntities: 2", "NoOfEntities: 3"))
    with pytest.raises(OsaFormatError, match="announces 3 entities but the file has 2"):
        read_instance(path)


def test_missing_file_is_reported_as_a_format_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(OsaFormatError, match=r"nowhere\.txt"):
        read_instance(tmp_path / "nowhere.txt")


# ---------------------------------------------------------------- evaluator


def test_empty_room_counts_its_whole_capacity_as_under_use() -> None:
    instance = tiny(["10"], THREE_ROOMS)
    result = evaluate(instance, {0: 0})
    assert result.under_use == 20 and result.over_use == 0
    assert result.total == 20


def test_over_use_costs_twice_per_unit_and_decimals_stay_exact() -> None:
    instance = tiny(["13.5", "18.3"], [(0, "20.25", set()), (0, "18.3", set())])
    result = evaluate(instance, {0: 0, 1: 0})  # 31.8 in 20.25, second room empty
    assert result.over_use == Fraction("11.55")
    assert result.under_use == Fraction("18.3")
    assert result.total == Fraction("41.4")  # 18.3 + 2 * 11.55, exactly


@pytest.mark.parametrize(
    ("constraint", "good", "bad", "penalty"),
    [
        ((T.ALLOCATION, False, 0, 2), {0: 2, 1: 0}, {0: 0, 1: 1}, 20),
        ((T.NON_ALLOCATION, False, 0, 0), {0: 1, 1: 0}, {0: 0, 1: 1}, 10),
        ((T.CAPACITY, False, 0, -1), {0: 0, 1: 1}, {0: 0, 1: 0}, 10),
        ((T.SAME_ROOM, False, 0, 1), {0: 0, 1: 0}, {0: 0, 1: 1}, 10),
        ((T.NOT_SAME_ROOM, False, 0, 1), {0: 0, 1: 1}, {0: 0, 1: 0}, 10),
        ((T.NOT_SHARING, False, 0, -1), {0: 0, 1: 1}, {0: 1, 1: 1}, 50),
        ((T.ADJACENCY, False, 0, 1), {0: 0, 1: 1}, {0: 0, 1: 2}, 10),
        ((T.NEARBY, False, 0, 1), {0: 0, 1: 1}, {0: 0, 1: 2}, 10),
        ((T.AWAY_FROM, False, 0, 1), {0: 0, 1: 2}, {0: 0, 1: 1}, 10),
    ],
    ids=lambda v: v[0].name.lower() if isinstance(v, tuple) and isinstance(v[0], T) else None,
)
def test_each_soft_constraint_type_costs_its_penalty_only_when_violated(
    constraint: tuple[T, bool, int, int], good: Mapping[int, int], bad: Mapping[int, int], penalty: int
) -> None:
    instance = tiny(["6", "6"], THREE_ROOMS, [constraint])
    kept, broken = evaluate(instance, good), evaluate(instance, bad)
    assert kept.soft_penalty == 0 and kept.violated_soft == ()
    assert broken.soft_penalty_by_type == {constraint[0]: penalty}
    assert broken.violated_soft == (0,)
    assert broken.total - broken.space_misuse == penalty
    assert kept.feasible and broken.feasible


def test_entities_in_the_same_room_count_as_adjacent() -> None:
    instance = tiny(["6", "6"], THREE_ROOMS, [(T.ADJACENCY, True, 0, 1)])
    assert evaluate(instance, {0: 2, 1: 2}).feasible  # room 2 has no neighbours but itself


def test_capacity_at_exactly_full_is_not_a_violation() -> None:
    instance = tiny(["4", "6"], THREE_ROOMS, [(T.CAPACITY, True, 0, -1)])
    assert evaluate(instance, {0: 0, 1: 0}).feasible


@pytest.mark.parametrize(
    ("constraint", "allocation", "message"),
    [
        ((T.ALLOCATION, True, 0, 2), {0: 0, 1: 1}, "entity 0 is not in room 2"),
        ((T.NOT_SHARING, True, 1, -1), {0: 1, 1: 1}, "entity 1 shares its room"),
        ((T.AWAY_FROM, True, 0, 1), {0: 0, 1: 1}, "entities 0 and 1 are on the same floor"),
        ((T.CAPACITY, True, 2, -1), {0: 2, 1: 2}, "room 2 is over capacity"),
    ],
)
def test_hard_violations_are_reported_readably_and_make_the_allocation_infeasible(
    constraint: tuple[T, bool, int, int], allocation: Mapping[int, int], message: str
) -> None:
    instance = tiny(["6", "6"], THREE_ROOMS, [constraint])
    result = evaluate(instance, allocation)
    assert not result.feasible
    assert any(message in v for v in result.hard_violations), result.hard_violations
    assert result.soft_penalty == 0  # hard constraints never add soft penalty


def test_an_unallocated_entity_is_a_hard_violation() -> None:
    instance = tiny(["6", "6"], THREE_ROOMS)
    result = evaluate(instance, {0: 0})
    assert result.hard_violations == ("entity 1 is not allocated to any room",)


# ---------------------------------------------------------------- CP-SAT model


def random_tiny(seed: int) -> OsaInstance:
    """A 5-entity, 4-room instance with every constraint type, soft and hard."""
    rng = random.Random(seed)
    spaces = [rng.choice(["6", "9", "10.5", "13.5"]) for _ in range(5)]
    rooms = [(0, "12", {1}), (0, "10.5", {0, 2}), (0, "18.3", {1}), (1, "13.5", set())]
    constraints: list[tuple[T, bool, int, int]] = [(T.NOT_SHARING, True, rng.randrange(5), -1)]
    for kind in (T.SAME_ROOM, T.NOT_SAME_ROOM, T.ADJACENCY, T.NEARBY, T.AWAY_FROM):
        a, b = rng.sample(range(5), 2)
        constraints.append((kind, False, a, b))
    constraints += [
        (T.ALLOCATION, False, rng.randrange(5), rng.randrange(4)),
        (T.NON_ALLOCATION, False, rng.randrange(5), rng.randrange(4)),
        (T.CAPACITY, False, rng.randrange(4), -1),
        (T.NOT_SHARING, False, rng.randrange(5), -1),
    ]
    return tiny(spaces, rooms, constraints)


def brute_force_optimum(instance: OsaInstance) -> Fraction:
    """The cheapest feasible allocation's cost, by trying every one."""
    entities = [e.id for e in instance.entities]
    costs = []
    for rooms in itertools.product([r.id for r in instance.rooms], repeat=len(entities)):
        result = evaluate(instance, dict(zip(entities, rooms, strict=True)))
        if result.feasible:
            costs.append(result.total)
    return min(costs)


@pytest.mark.parametrize("seed", range(6))
def test_cp_sat_proves_the_optimum_that_brute_force_finds(seed: int) -> None:
    instance = random_tiny(seed)
    solution = solve(instance, SolveParameters(time_limit=20, num_workers=1))
    assert solution.optimal
    assert solution.objective == solution.best_bound == brute_force_optimum(instance)
    assert solution.evaluation is not None and solution.evaluation.total == solution.objective


@pytest.mark.parametrize("seed", range(3))
def test_model_prices_any_fixed_allocation_exactly_like_the_evaluator(seed: int) -> None:
    # Catches one-sided reifications: with the placement fixed there is no
    # optimisation pressure to set an auxiliary literal right.
    instance = random_tiny(seed)
    rng = random.Random(seed)
    for _ in range(10):
        allocation = {e.id: rng.randrange(len(instance.rooms)) for e in instance.entities}
        if not evaluate(instance, allocation).feasible:
            continue
        osa = build_model(instance)
        osa.model.clear_objective()  # type: ignore[no-untyped-call]  # OR-Tools leaves it unannotated
        for (e, r), var in osa.in_room.items():
            osa.model.add(var == int(allocation[e] == r))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(osa.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        assert Fraction(solver.value(osa.objective), osa.scale) == evaluate(instance, allocation).total


def test_greedy_baseline_finds_a_feasible_allocation_on_nott1d(osa_data: Path) -> None:
    instance = read_instance(osa_data / "nott" / "nott1d.txt")
    allocation = greedy_allocation(instance)
    assert allocation is not None
    result = evaluate(instance, allocation)
    assert result.feasible
    assert result.total > NOTT1D_OPTIMUM


@pytest.mark.slow
def test_cp_sat_solution_on_nott1d_is_feasible_and_priced_like_the_evaluator(osa_data: Path) -> None:
    instance = read_instance(osa_data / "nott" / "nott1d.txt")
    solution = solve(instance, SolveParameters(time_limit=20))
    assert solution.evaluation is not None and solution.evaluation.feasible
    assert solution.objective == solution.evaluation.total
    assert solution.best_bound <= NOTT1D_OPTIMUM <= solution.objective  # 201.55 is the proven optimum
    if solution.optimal:
        assert solution.objective == NOTT1D_OPTIMUM
    assert solution.greedy_cost is not None and solution.objective <= solution.greedy_cost


@pytest.mark.parametrize("name", ["nott/nott1b", "nott/nott1e", "SVe150/s100_v100"])
def test_model_prices_the_greedy_allocation_of_a_real_instance_like_the_evaluator(
    osa_data: Path, name: str
) -> None:
    instance = read_instance(osa_data / f"{name}.txt")
    allocation = greedy_allocation(instance)
    assert allocation is not None
    osa = build_model(instance)
    allocation = osa.canonical(allocation)  # same cost, respects the symmetry-breaking order
    osa.model.clear_objective()  # type: ignore[no-untyped-call]  # OR-Tools leaves it unannotated
    for (e, r), var in osa.in_room.items():
        osa.model.add(var == int(allocation[e] == r))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(osa.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    assert Fraction(solver.value(osa.objective), osa.scale) == evaluate(instance, allocation).total
