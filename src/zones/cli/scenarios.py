"""`zones plan scenario` and `zones plan generate`: plan scenario files, without a database."""

from __future__ import annotations

from pathlib import Path

import click

from zones.cli.output import fail_config, follow_planner, out, solver_progress
from zones.cli.plans import print_plan
from zones.office.errors import ConfigError


@click.command("scenario")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--time-limit", type=float, default=60.0, show_default=True)
@click.option("--seed", type=int, default=None)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for charts and plan.json (default: next to FILE).",
)
def plan_scenario(file: Path, time_limit: float, seed: int | None, out_dir: Path | None) -> None:
    """Plan a standalone scenario FILE (JSON) and report KPIs, densification and charts.

    `--time-limit` bounds the whole command: reading, planning, the report, charts and plan.json.
    """
    from zones.optimizer import planning
    from zones.plans.document import plan_document, write_plan_json

    budget = planning.Deadline(time_limit)
    try:
        scenario = planning.read_scenario(file)
    except ConfigError as error:
        fail_config(error)
    baseline = planning.greedy_plan(scenario, seed or 0)
    limit = planning.planner_time_limit(budget, budget.elapsed(), after=CHARTS_SECONDS)
    with solver_progress() as progress:
        task = progress.add_task("plan", total=limit, stage="days", detail="starting")
        result = planning.plan_office(
            scenario,
            planning.PlanOptions(time_limit=limit, seed=seed),
            progress=follow_planner(progress, task, limit),
        )
        progress.update(task, completed=limit)
    analysis = planning.analyse_densification(scenario, result)
    document = plan_document(scenario, result, baseline, analysis)
    report = planning.plan_report(
        analysis,
        site=scenario.name,
        days=scenario.days,
        run=f"{file.name}, planned in {result.wall_time:.1f} s (time limit {time_limit:g} s)",
        notes=result.notes,
    )
    print_plan(result, document.kpis, document.baseline_kpis, report)
    folder = out_dir or file.with_suffix("")
    files = [*planning.render_charts(analysis, folder), write_plan_json(document, folder)]
    out.print(f"written: {', '.join(str(f) for f in files)}", highlight=False)


CHARTS_SECONDS = 2.0
"""Kept from the planner's time for drawing the charts (matplotlib loads and renders in about 1 s)."""


@click.command("generate")
@click.option("--employees", type=click.IntRange(1, 100_000), required=True)
@click.option("--desk-ratio", type=click.FloatRange(0.1, 2.0), default=0.65, show_default=True)
@click.option("--weeks", type=click.IntRange(1, 8), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Scenario file to write (default: scenario-<N>.json).",
)
def plan_generate(employees: int, desk_ratio: float, weeks: int, seed: int, out_file: Path | None) -> None:
    """Write a synthetic scenario: realistic teams, preferences and an office of the given desk ratio."""
    from zones.optimizer import planning

    scenario = planning.generate_scenario(employees=employees, desk_ratio=desk_ratio, weeks=weeks, seed=seed)
    path = out_file or Path(f"scenario-{employees}.json")
    planning.write_scenario(scenario, path)
    desks = sum(len(z.desks) for z in scenario.zones)
    out.print(
        f"{path}: {len(scenario.employees)} employees in {len(scenario.teams)} teams, {desks} desks, "
        f"{len(scenario.days)} days",
        highlight=False,
    )
