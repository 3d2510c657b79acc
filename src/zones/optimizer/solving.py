"""CP-SAT set-up and progress reporting, shared by the office planner and the OSA engine."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ortools.sat.python import cp_model

OnSolution = Callable[[float, float, float, int], None]
"""Told (objective, bound, seconds since the start, solutions so far) on each improving solution."""

STOP_POLL_SECONDS = 0.1
"""How often a stop watcher looks at its event: the most a stop waits before CP-SAT hears of it."""


def new_solver(
    time_limit: float,
    *,
    num_workers: int = 0,
    relative_gap: float = 0.0,
    seed: int | None = None,
    deterministic: bool = False,
    log_search: bool = False,
    wall_limit: float | None = None,
) -> cp_model.CpSolver:
    """A CP-SAT solver with its limits set: time, gap stop, workers (0 = one per core) and seed.

    `deterministic` bounds the search by CP-SAT's deterministic time instead of the wall clock, with
    interleaved workers: a wall-clock limit cuts the search at a different point on every run, so
    only this makes the same seed give the same answer. The wall clock is then a safety net: at
    `wall_limit` seconds when given (what is left of a run's budget), else four times the limit.
    """
    solver = cp_model.CpSolver()
    parameters = solver.parameters
    parameters.num_workers = num_workers
    parameters.relative_gap_limit = relative_gap
    parameters.log_search_progress = log_search
    if seed is not None:
        parameters.random_seed = seed
    if deterministic:
        parameters.interleave_search = True
        parameters.max_deterministic_time = time_limit
        parameters.max_time_in_seconds = 4 * time_limit if wall_limit is None else wall_limit
    else:
        parameters.max_time_in_seconds = time_limit if wall_limit is None else min(time_limit, wall_limit)
    return solver


class Deadline:
    """A wall-clock budget that every step of one run draws on (`time.perf_counter` seconds)."""

    def __init__(self, seconds: float, started: float | None = None) -> None:
        self.started = time.perf_counter() if started is None else started
        self.at = self.started + seconds

    def left(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.at - time.perf_counter())

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def relative_gap(objective: float, bound: float) -> float:
    """How far the objective may still be from the optimum, relative to the objective (0 = proven)."""
    return abs(bound - objective) / max(1.0, abs(objective))


class SolutionReporter(cp_model.CpSolverSolutionCallback):
    """Counts and timestamps improving solutions and passes each on to `on_solution`.

    It runs inside the search, so it only reads the objective and bound and calls back.
    """

    def __init__(self, started: float, on_solution: OnSolution | None = None) -> None:
        super().__init__()
        self.started = started
        """The clock origin (`time.perf_counter()`) that elapsed times count from."""
        self.on_solution = on_solution
        self.solutions = 0
        self.first_solution_time: float | None = None

    def on_solution_callback(self) -> None:
        self.solutions += 1
        elapsed = time.perf_counter() - self.started
        if self.first_solution_time is None:
            self.first_solution_time = elapsed
        if self.on_solution is not None:
            self.on_solution(self.objective_value, self.best_objective_bound, elapsed, self.solutions)


def is_stopped(stop: threading.Event | None) -> bool:
    """Whether a run's stop event (if it has one) has been set."""
    return stop is not None and stop.is_set()


@contextmanager
def stop_on(stop: threading.Event | None, solver: cp_model.CpSolver) -> Iterator[None]:
    """Stop `solver`'s search soon after `stop` is set by another thread, while the block runs.

    A daemon thread looks at the event every `STOP_POLL_SECONDS` and asks CP-SAT to stop; CP-SAT
    then ends with its best solution so far (FEASIBLE) or none (UNKNOWN). It keeps asking until
    the block ends, because a request that comes before `solve` has started is ignored. Without an
    event this does nothing.
    """
    if stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(STOP_POLL_SECONDS):
            if stop.is_set():
                solver.stop_search()

    watcher = threading.Thread(target=watch, name="cp-sat-stop", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
