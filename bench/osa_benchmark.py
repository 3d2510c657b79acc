"""Benchmark the CP-SAT OSA model on the public Nottingham / SVe150 instances.

Run from the repo root:  PYTHONPATH=src python bench/osa_benchmark.py [--quick]
Each row is one instance: CP-SAT result, its bound, timings, the published or
reference value, an independent re-evaluation, and a greedy baseline for scale.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

from rich.console import Console
from rich.table import Table

from zones.optimizer.osa import (
    SolveParameters,
    SolveProgress,
    evaluate,
    greedy_allocation,
    read_instance,
    solve,
)

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "osa_data"
DEFAULT_INSTANCES = ["nott1b", "nott1c", "nott1d", "nott1e", "s000_v000", "s100_v100"]

# Reference values: a plain CP-SAT model, 120 s on 2 cores.  "optimal" ones are
# proven optima (a lower value would mean our semantics differ); the others are
# upper bounds to beat.
REFERENCES: dict[str, tuple[Fraction, bool]] = {
    "nott1b": (Fraction("368.50"), False),
    "nott1c": (Fraction("378.80"), False),
    "nott1d": (Fraction("201.55"), True),
    "nott1e": (Fraction("177.70"), True),
    "s000_v000": (Fraction("554.50"), False),
    "s100_v100": (Fraction("978.50"), False),
}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every instance in turn and print the table."""
    args = _parser().parse_args(argv)
    time_limit = 10.0 if args.quick else args.time_limit
    console = Console(width=200)
    table = _table(time_limit, args.workers)
    failures = 0
    for name in args.instances or DEFAULT_INSTANCES:
        path = _locate(args.data, name)
        instance = read_instance(path)
        console.print(
            f"[bold]{instance.name}[/]: {len(instance.entities)} entities, "
            f"{len(instance.rooms)} rooms, {time_limit:g} s"
        )
        started = time.perf_counter()
        greedy = greedy_allocation(instance)
        greedy_cost = evaluate(instance, greedy).total if greedy is not None else None
        greedy_time = time.perf_counter() - started
        parameters = SolveParameters(time_limit=time_limit, num_workers=args.workers, seed=args.seed)
        progress = _printer(console) if args.verbose else None
        solution = solve(instance, parameters, progress=progress)
        verdict, ok = _versus_reference(instance.name, solution.objective, solution.optimal)
        failures += not ok
        evaluation = solution.evaluation
        check = evaluation is not None and evaluation.feasible and evaluation.total == solution.objective
        table.add_row(
            instance.name,
            str(len(instance.entities)),
            str(len(instance.rooms)),
            solution.status,
            _num(solution.objective),
            _num(solution.best_bound),
            f"{solution.gap:.1%}" if solution.gap is not None else "-",
            f"{solution.first_solution_time:.2f}" if solution.first_solution_time is not None else "-",
            f"{solution.wall_time:.1f}",
            _reference_text(instance.name),
            verdict,
            "ok" if check else "MISMATCH",
            f"{_num(greedy_cost)} ({greedy_time:.2f}s)",
            f"{float(greedy_cost / solution.objective):.2f}" if greedy_cost and solution.objective else "-",
        )
    console.print(table)
    return 1 if failures else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "instances", nargs="*", help=f"instance names or paths (default: {' '.join(DEFAULT_INSTANCES)})"
    )
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per instance (default 120)")
    parser.add_argument("--quick", action="store_true", help="10-second smoke run")
    parser.add_argument("--workers", type=int, default=0, help="CP-SAT workers (0 = one per core)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"benchmark folder (default {DEFAULT_DATA})"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print every improving solution")
    return parser


def _table(time_limit: float, workers: int) -> Table:
    table = Table(title=f"OSA benchmark - CP-SAT, {time_limit:g} s, workers={workers or 'all cores'}")
    columns = (
        "instance",
        "entities",
        "rooms",
        "status",
        "objective",
        "bound",
        "gap",
        "first sol (s)",
        "total (s)",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("instance", "status") else "right")
    table.add_column("reference", justify="right")
    table.add_column("vs reference")
    table.add_column("evaluator")
    table.add_column("greedy (time)", justify="right")
    table.add_column("greedy/CP-SAT", justify="right")
    return table


def _locate(data: Path, name: str) -> Path:
    """Accept a path, or a bare instance name looked up under the data folder."""
    path = Path(name)
    if path.is_file():
        return path
    matches = sorted(data.glob(f"*/{path.stem}.txt"))
    if not matches:
        sys.exit(f"instance {name!r} not found under {data}")
    return matches[0]


def _versus_reference(name: str, objective: Fraction | None, optimal: bool) -> tuple[str, bool]:
    """Verdict text against :data:`REFERENCES`, and whether it counts as a pass."""
    if name not in REFERENCES:
        return "-", True
    if objective is None:
        return "no solution", False
    reference, proven = REFERENCES[name]
    if objective == reference:
        return "matches", True
    if objective < reference:
        # Below a proven optimum means we are not solving the same problem.
        return ("BELOW OPTIMUM?", False) if proven else (f"beats by {float(reference - objective):.2f}", True)
    return f"worse by {float(objective - reference):.2f}", False


def _reference_text(name: str) -> str:
    if name not in REFERENCES:
        return "-"
    value, proven = REFERENCES[name]
    return f"{float(value):.2f}" + (" (opt)" if proven else "")


def _num(value: Fraction | None) -> str:
    return "-" if value is None else f"{float(value):.2f}"


def _printer(console: Console) -> Callable[[SolveProgress], None]:
    """A progress callable that prints one line per improving solution."""

    def report(progress: SolveProgress) -> None:
        console.print(
            f"  {progress.elapsed:7.2f}s  #{progress.solutions:<3d} objective {progress.objective:9.2f}"
            f"  bound {progress.bound:9.2f}  gap {progress.gap:6.1%}"
        )

    return report


if __name__ == "__main__":
    raise SystemExit(main())
