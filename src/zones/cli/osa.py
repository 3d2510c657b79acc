"""`zones osa`: the Office Space Allocation benchmark (Nottingham / SVe150 instances)."""

from __future__ import annotations

from pathlib import Path

import click

from zones.cli.output import fail, out, solver_progress


@click.group()
def osa() -> None:
    """The Office Space Allocation benchmark (Nottingham / SVe150 instances)."""


@osa.command("solve")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--time-limit", type=float, default=120.0, show_default=True)
def osa_solve(file: Path, time_limit: float) -> None:
    """Solve an OSA instance FILE with CP-SAT and check the result with the independent evaluator."""
    from zones.optimizer import osa as office_space

    try:
        instance = office_space.read_instance(file)
    except office_space.OsaFormatError as error:
        fail(str(error), 2)
    with solver_progress() as progress:
        task = progress.add_task("osa", total=time_limit, stage=file.stem, detail="starting")

        def update(p: office_space.SolveProgress) -> None:
            progress.update(
                task,
                completed=min(p.elapsed, time_limit),
                detail=f"objective {p.objective:,.2f}  bound {p.bound:,.2f}  gap {p.gap:.1%}",
            )

        solution = office_space.solve(
            instance, office_space.SolveParameters(time_limit=time_limit), progress=update
        )
        progress.update(task, completed=time_limit)
    evaluation = solution.evaluation
    checked = "feasible" if evaluation is not None and evaluation.feasible else "NOT feasible"
    objective = "–" if solution.objective is None else f"{float(solution.objective):.2f}"
    out.print(
        f"{file.name}: {len(instance.entities)} entities, {len(instance.rooms)} rooms · {solution.status} · "
        f"objective {objective} · bound {float(solution.best_bound):.2f} · {solution.wall_time:.1f} s · "
        f"independent evaluator: {checked}",
        highlight=False,
    )
