"""Solving the OSA CP-SAT model: solver settings, the greedy warm start, and a checked result."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ortools.sat.python import cp_model

from zones.optimizer.osa.baseline import greedy_allocation
from zones.optimizer.osa.evaluate import Evaluation, evaluate
from zones.optimizer.osa.instance import OsaInstance
from zones.optimizer.osa.model import ModelOptions, OsaModel, build_model
from zones.optimizer.solving import OnSolution, SolutionReporter, new_solver

__all__ = ["OsaSolution", "SolveParameters", "SolveProgress", "solve"]

SMALL_PORTFOLIO = 4  # up to this many workers CP-SAT's default portfolio has no max_lp worker


@dataclass(frozen=True, slots=True)
class SolveParameters:
    """How long and how hard CP-SAT searches."""

    time_limit: float = 120.0  # seconds
    relative_gap: float = 0.0  # stop once (objective - bound) / objective is below this
    num_workers: int = 0  # 0 = one worker per core
    seed: int = 0  # fixed so runs are reproducible (for a given worker count)
    linearization_level: int = 2  # full LP relaxation: the bound is what proves optimality here
    # Full-problem workers.  Empty: CP-SAT's portfolio, except on <= 4 workers,
    # where that portfolio has no max_lp worker and the bound stalls (nott1d:
    # gap never closes with default_lp, proven in seconds with max_lp).
    subsolvers: tuple[str, ...] = ()
    use_greedy_hint: bool = True
    log_search: bool = False


@dataclass(frozen=True, slots=True)
class SolveProgress:
    """One improving solution, as reported to a progress callable."""

    objective: float
    bound: float
    gap: float
    elapsed: float
    solutions: int


@dataclass(frozen=True, slots=True)
class OsaSolution:
    """Outcome of a solve, with KPIs; ``objective`` and ``bound`` are exact."""

    instance: str
    status: str  # OPTIMAL, FEASIBLE, INFEASIBLE, MODEL_INVALID or UNKNOWN
    allocation: Mapping[int, int]  # entity id -> room id; empty without a solution
    objective: Fraction | None
    best_bound: Fraction
    wall_time: float
    first_solution_time: float | None
    solutions: int
    evaluation: Evaluation | None = None
    greedy_cost: Fraction | None = None  # cost of the warm start, when one was used
    stats: Mapping[str, float] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        """True when CP-SAT proved the objective optimal."""
        return self.status == "OPTIMAL"

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound, or None without a solution."""
        if self.objective is None:
            return None
        return float((self.objective - self.best_bound) / max(abs(self.objective), Fraction(1)))


def solve(
    instance: OsaInstance,
    parameters: SolveParameters = SolveParameters(),
    *,
    options: ModelOptions = ModelOptions(),  # noqa: B008 - frozen dataclass, a shared default is safe
    progress: Callable[[SolveProgress], None] | None = None,
) -> OsaSolution:
    """Build, warm-start and solve the model, then check the answer independently.

    Raises ``AssertionError`` if the independent evaluator disagrees with
    CP-SAT about feasibility or cost: that would be a modelling bug.
    """
    start = time.perf_counter()
    osa = build_model(instance, options)
    greedy = greedy_allocation(instance) if parameters.use_greedy_hint else None
    if greedy is not None:
        add_allocation_hint(osa, greedy)

    # The time limit covers the whole call, model building and warm start included.
    solver = configured_solver(parameters, max(0.1, parameters.time_limit - (time.perf_counter() - start)))
    reporter = SolutionReporter(start, _progress_to(progress, osa.scale))
    status = solver.solve(osa.model, reporter)
    wall_time = time.perf_counter() - start

    solution = extract_solution(osa, solver, status, reporter, wall_time)
    if greedy is not None:
        solution = replace(solution, greedy_cost=evaluate(instance, greedy).total)
    return check_solution(instance, solution)


def configured_solver(parameters: SolveParameters, time_limit: float | None = None) -> cp_model.CpSolver:
    """A CP-SAT solver set up from :class:`SolveParameters`, for ``time_limit`` seconds if given."""
    solver = new_solver(
        parameters.time_limit if time_limit is None else time_limit,
        num_workers=parameters.num_workers,
        relative_gap=parameters.relative_gap,
        seed=parameters.seed,
        log_search=parameters.log_search,
    )
    solver.parameters.linearization_level = parameters.linearization_level
    subsolvers = parameters.subsolvers
    workers = parameters.num_workers or os.cpu_count() or 1
    if not subsolvers and 1 < workers <= SMALL_PORTFOLIO:
        subsolvers = ("max_lp", "core", "default_lp")[: workers - 1]  # the rest go to LNS
    solver.parameters.subsolvers.extend(subsolvers)
    return solver


def _progress_to(progress: Callable[[SolveProgress], None] | None, scale: int) -> OnSolution | None:
    """Pass improving solutions on to the caller's progress callable, in unscaled units."""
    if progress is None:
        return None

    def report(objective: float, bound: float, elapsed: float, solutions: int) -> None:
        progress(
            SolveProgress(
                objective=objective / scale,
                bound=bound / scale,
                gap=(objective - bound) / max(abs(objective), scale),
                elapsed=elapsed,
                solutions=solutions,
            )
        )

    return report


def add_allocation_hint(osa: OsaModel, allocation: Mapping[int, int], completion_time: float = 10.0) -> None:
    """Hint a known allocation (e.g. the greedy one), auxiliary variables included.

    CP-SAT only uses a hint as a ready solution when it is complete, so the
    auxiliary literals are filled in by solving a copy of the model with the
    ``in_room`` literals fixed - cheap, since propagation alone decides them.
    Falls back to hinting just ``in_room`` if the allocation is infeasible.
    """
    allocation = osa.canonical(allocation)  # respect the symmetry-breaking order
    placement = {var.index: int(allocation.get(e) == r) for (e, r), var in osa.in_room.items()}
    completion = osa.model.clone()
    completion.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools leaves it unannotated
    for index, value in placement.items():
        var = completion.get_bool_var_from_proto_index(index)
        completion.add(var == value)
    solver = new_solver(completion_time, num_workers=1)
    status = solver.solve(completion)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = {
            i: solver.value(completion.get_int_var_from_proto_index(i))
            for i in range(len(completion.proto.variables))
        }
    else:
        values = placement
    osa.model.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools leaves it unannotated
    for index, value in values.items():
        osa.model.add_hint(osa.model.get_int_var_from_proto_index(index), value)


def extract_solution(
    osa: OsaModel,
    solver: cp_model.CpSolver,
    status: cp_model.CpSolverStatus,
    reporter: SolutionReporter,
    wall_time: float,
) -> OsaSolution:
    """Read the allocation and KPIs out of a finished solver."""
    has_solution = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    allocation: dict[int, int] = {}
    objective: Fraction | None = None
    if has_solution:
        allocation = {e: r for (e, r), var in osa.in_room.items() if solver.boolean_value(var)}
        objective = Fraction(round(solver.objective_value), osa.scale)
    # The scaled objective is integral, so a fractional bound can be rounded up.
    raw_bound = solver.best_objective_bound
    bound = Fraction(math.ceil(raw_bound - 1e-6), osa.scale) if math.isfinite(raw_bound) else Fraction(0)
    if objective is not None:
        bound = min(bound, objective)
    return OsaSolution(
        instance=osa.instance.name,
        status=solver.status_name(status),
        allocation=allocation,
        objective=objective,
        best_bound=bound,
        wall_time=wall_time,
        first_solution_time=reporter.first_solution_time,
        solutions=reporter.solutions,
        stats={
            "conflicts": solver.num_conflicts,
            "branches": solver.num_branches,
            "solver_wall_time": solver.wall_time,
        },
    )


def check_solution(instance: OsaInstance, solution: OsaSolution) -> OsaSolution:
    """Re-score the allocation with the independent evaluator and insist it agrees."""
    if solution.objective is None:
        return solution
    evaluation = evaluate(instance, solution.allocation)
    if evaluation.hard_violations:
        raise AssertionError(
            f"{instance.name}: CP-SAT solution breaks hard constraints: {evaluation.hard_violations}"
        )
    if evaluation.total != solution.objective:
        raise AssertionError(
            f"{instance.name}: CP-SAT objective {solution.objective} != evaluator {evaluation.total}"
        )
    return replace(solution, evaluation=evaluation)
