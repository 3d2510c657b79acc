"""The planner: runs the three stages, reports progress, and returns a checked `Plan`."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

from ortools.sat.python import cp_model

from zones.optimizer.planning.activities import label_day_activities
from zones.optimizer.planning.bounds import preference_bound
from zones.optimizer.planning.checker import capacity_shortfalls, check_plan, plan_notes
from zones.optimizer.planning.days_clusters import improve_by_clusters
from zones.optimizer.planning.days_heuristic import constructive_attendance
from zones.optimizer.planning.days_model import (
    DaysModel,
    add_complete_hint,
    attendance_of,
    build_days_model,
    days_solver,
    team_days_of,
    values_from_attendance,
)
from zones.optimizer.planning.desks import assign_desks, assign_rooms
from zones.optimizer.planning.facts import ScenarioFacts, scenario_facts
from zones.optimizer.planning.plan import (
    ObjectiveTerm,
    Plan,
    PlanOptions,
    PlanProgress,
    ProgressCallback,
    Seat,
    StageReport,
    days_by_key,
    raise_if_stopped,
)
from zones.optimizer.planning.scenario import Scenario
from zones.optimizer.planning.spec import gathering_days
from zones.optimizer.planning.zones_flow import UNSEATED_COST, assign_zones
from zones.optimizer.solving import (
    Deadline,
    OnSolution,
    SolutionReporter,
    is_stopped,
    relative_gap,
    stop_on,
)

DAYS_STAGE = "days"
ZONES_STAGE = "zones"
DESKS_STAGE = "desks"

WHOLE_MODEL_PEOPLE = 500
"""Largest office planned as one stage-1 model; above it CP-SAT works on clusters of teams."""
CLUSTER_PEOPLE = 400
"""People per cluster: small enough that CP-SAT nearly proves each cluster optimal in seconds."""


def plan_office(
    scenario: Scenario,
    options: PlanOptions | None = None,
    *,
    progress: ProgressCallback | None = None,
    previous: Plan | None = None,
) -> Plan:
    """Plan who comes in when, in which zone and at which desk, and check the result.

    `previous` warm-starts the search from an earlier plan of the same scenario (a complete hint).
    Hard constraints that cannot all hold are relaxed as little as possible and reported in
    `Plan.violations` with their figures.

    `options.stop`, set from another thread, ends the run early: during stage 1 the search stops
    within about a second and its best complete plan goes through stages 2 and 3 as usual
    (`Plan.stopped` is then True); set before stage 1 starts, it raises `PlanStopped`; set after
    stage 1, it changes nothing (stages 2 and 3 are polynomial and quick).
    """
    options = options or PlanOptions()
    started = time.perf_counter()
    deadline = Deadline(options.time_limit, started)
    stop = options.stop
    raise_if_stopped(stop)
    facts = scenario_facts(scenario)

    # The Lagrangian bound says how many preferences any plan with weekly team days can honour; its
    # relaxed plan's team days seed the constructive plan that CP-SAT starts from.
    bound = preference_bound(facts, stop=stop)
    start_from = (
        previous.attendance()
        if previous is not None
        else constructive_attendance(facts, bound.team_days, stop)
    )
    cluster_size = options.cluster_size
    if cluster_size is None:
        cluster_size = CLUSTER_PEOPLE if len(facts.people) > WHOLE_MODEL_PEOPLE else 0
    # The stages after stage 1 pass over everyone's days about as often as the bound and the
    # constructive plan did: keep that time, with room to spare, out of stage 1's share.
    stage_one = Deadline(deadline.left() - after_stage_one(deadline.elapsed()))
    raise_if_stopped(stop)  # from here on, stage 1 always has a complete plan to fall back on
    if cluster_size > 0:
        attendance, team_days, terms, days_report = _plan_days_by_clusters(
            facts, start_from, options, cluster_size, progress, started, stage_one
        )
    else:
        attendance, team_days, terms, days_report = _plan_days_whole(
            facts, start_from, options, progress, started, stage_one
        )
    stopped = is_stopped(stop)
    _report_done(progress, days_report, started)

    zones_started = time.perf_counter()
    labels = label_day_activities(facts, attendance)
    zoning = assign_zones(facts, attendance, labels)
    # A min-cost flow per day is solved to optimality.
    zones_report = _one_step_report(ZONES_STAGE, "EXACT", zoning.objective, zoning.objective, zones_started)
    _report_done(progress, zones_report, started)
    weights = scenario.policy.weights
    terms += [
        _term(
            ZONES_STAGE,
            "away_from_neighbourhood",
            zoning.costs.away_from_neighbourhood,
            -weights.away_from_neighbourhood,
        ),
        _term(ZONES_STAGE, "activity_mismatch", zoning.costs.activity_mismatch, -weights.activity_mismatch),
        _term(ZONES_STAGE, "unseated", zoning.costs.unseated, -UNSEATED_COST),
    ]

    desks_started = time.perf_counter()
    seating = assign_desks(facts, zoning.zone_of)
    rooms = assign_rooms(facts)
    desks_report = _one_step_report(
        DESKS_STAGE,
        "OPTIMAL" if seating.desk_changes == seating.unavoidable_changes else "HEURISTIC",
        seating.desk_changes,
        seating.unavoidable_changes,
        desks_started,
    )
    _report_done(progress, desks_report, started)
    terms.append(_term(DESKS_STAGE, "desk_changes", seating.desk_changes, -1))

    seats = {
        key: Seat(
            zone=zoning.zone_of.get(key), desk=seating.desk_of.get(key), activity=labels.get(key, "flex")
        )
        for key in zoning.zone_of
    }
    plan = Plan(
        scenario=scenario.name,
        planner="cp-sat",
        seats=seats,
        team_days=team_days,
        rooms=rooms,
        stages=(days_report, zones_report, desks_report),
        objective_terms=tuple(terms),
        preference_bound=bound,
        stopped=stopped,
    )
    return _checked(scenario, plan, time.perf_counter() - started)


DaysResult = tuple[dict[str, tuple[date, ...]], dict[str, tuple[date, ...]], list[ObjectiveTerm], StageReport]
"""Stage 1's attendance, team gathering days, objective terms and report."""


def planner_time_limit(budget: Deadline, baseline_seconds: float, after: float = 0.0) -> float:
    """Seconds `plan_office` may take so a whole run ends within `budget`.

    A run plans, then analyses and stores the plan (or writes its files): passes over everyone's
    office days, like the first-come baseline it computed before planning, so it keeps four times
    the baseline's time plus half a second for them, and `after` seconds more for anything else.
    """
    return max(0.1, budget.left() - 4 * baseline_seconds - 0.5 - after)


def after_stage_one(before: float) -> float:
    """Seconds to keep for stages 2 and 3 and the check, given the seconds spent before stage 1."""
    return max(0.05, 3 * before)


def _plan_days_whole(
    facts: ScenarioFacts,
    start_from: dict[str, tuple[date, ...]],
    options: PlanOptions,
    progress: ProgressCallback | None,
    started: float,
    deadline: Deadline,
) -> DaysResult:
    """Stage 1 as one CP-SAT model of the whole office, warm-started from `start_from`."""
    days = build_days_model(facts)
    values = values_from_attendance(days, facts, start_from)
    add_complete_hint(days, values)
    left = max(0.01, deadline.left())
    solver = days_solver(options, min(options.time_limit, left), wall_limit=left)
    reporter = SolutionReporter(started, _progress_to(progress, DAYS_STAGE))
    with stop_on(options.stop, solver):
        status = solver.solve(days.model, reporter)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return (
            attendance_of(days, solver),
            team_days_of(days, solver),
            _days_terms(days, solver),
            StageReport(
                stage=DAYS_STAGE,
                status=solver.status_name(status),
                objective=solver.objective_value,
                bound=solver.best_objective_bound,
                sense="max",
                wall_time=solver.wall_time,
                first_solution_time=reporter.first_solution_time,
                solutions=reporter.solutions,
            ),
        )
    if status == cp_model.UNKNOWN:
        # Out of time (or stopped) before CP-SAT accepted the hint: the constructed plan stands,
        # with its bound.
        terms = [
            _term(DAYS_STAGE, name, sum(values.of(v) for v in variables), weight)
            for name, (weight, variables) in days.objective.terms.items()
        ]
        return (
            dict(start_from),
            days_by_key(key for key, on in values.gathers.items() if on),
            terms,
            StageReport(
                stage=DAYS_STAGE,
                status="HEURISTIC",
                objective=sum(t.contribution for t in terms),
                bound=solver.best_objective_bound,
                sense="max",
                wall_time=solver.wall_time,
                solutions=0,
            ),
        )
    raise RuntimeError(f"stage 1 model is {solver.status_name(status)}: this is a bug in the model")


def _plan_days_by_clusters(
    facts: ScenarioFacts,
    start_from: dict[str, tuple[date, ...]],
    options: PlanOptions,
    cluster_size: int,
    progress: ProgressCallback | None,
    started: float,
    deadline: Deadline,
) -> DaysResult:
    """Stage 1 as CP-SAT over clusters of teams in turn (see `days_clusters`), from `start_from`."""
    days_started = time.perf_counter()
    solutions = 0
    on_solution = _progress_to(progress, DAYS_STAGE)

    def report(objective: float, bound: float) -> None:
        nonlocal solutions
        solutions += 1
        if on_solution is not None:
            on_solution(objective, bound, time.perf_counter() - started, solutions)

    budget = replace(options, time_limit=min(options.time_limit, deadline.left()))
    search = improve_by_clusters(facts, start_from, budget, cluster_size, report, deadline)
    in_office = {(p, d) for p, ds in search.attendance.items() for d in ds}
    team_days = days_by_key(sorted(gathering_days(facts, in_office, list(facts.teams))))
    terms = [
        _term(DAYS_STAGE, name, value, weight)
        for name, (weight, value) in search.terms.items()
        if weight != 0
    ]
    return (
        search.attendance,
        team_days,
        terms,
        StageReport(
            stage=DAYS_STAGE,
            status="FEASIBLE",  # each cluster is a CP-SAT solve; the bound is an office-wide one
            objective=float(search.objective),
            bound=search.bound,
            sense="max",
            wall_time=time.perf_counter() - days_started,
            first_solution_time=search.first_solution_time + (days_started - started),
            solutions=solutions + 1,
        ),
    )


def _checked(scenario: Scenario, plan: Plan, wall_time: float) -> Plan:
    """The plan with the independent checker's violations (and the office's shortfall, if any)."""
    violations = check_plan(scenario, plan)
    if any(v.constraint.startswith("attendance_band_min") for v in violations):
        violations = capacity_shortfalls(scenario) + violations
    return replace(plan, violations=violations, notes=plan_notes(scenario), wall_time=wall_time)


def _one_step_report(stage: str, status: str, objective: float, bound: float, started: float) -> StageReport:
    """The report of a stage solved in one step (no search), minimising from `started` on."""
    return StageReport(
        stage=stage,
        status=status,
        objective=objective,
        bound=bound,
        sense="min",
        wall_time=time.perf_counter() - started,
        solutions=1,
    )


def _days_terms(days: DaysModel, solver: cp_model.CpSolver) -> list[ObjectiveTerm]:
    return [
        _term(DAYS_STAGE, name, sum(solver.value(v) for v in variables), weight)
        for name, (weight, variables) in days.objective.terms.items()
    ]


def _term(stage: str, name: str, value: float, weight: float) -> ObjectiveTerm:
    return ObjectiveTerm(stage=stage, name=name, value=value, weight=weight, contribution=value * weight)


def _progress_to(progress: ProgressCallback | None, stage: str) -> OnSolution | None:
    """Pass a stage's improving solutions on to the caller's progress callable."""
    if progress is None:
        return None

    def report(objective: float, bound: float, elapsed: float, solutions: int) -> None:
        progress(
            PlanProgress(
                stage=stage,
                objective=objective,
                bound=bound,
                gap=relative_gap(objective, bound),
                elapsed=elapsed,
                solutions=solutions,
            )
        )

    return report


def _report_done(progress: ProgressCallback | None, report: StageReport, started: float) -> None:
    if progress is not None:
        progress(
            PlanProgress(
                stage=report.stage,
                objective=report.objective,
                bound=report.bound,
                gap=report.gap,
                elapsed=time.perf_counter() - started,
                solutions=report.solutions,
                done=True,
            )
        )


def attendance_objective(plan: Plan) -> float:
    """The stage-1 objective a plan reached (sum of the days-stage terms)."""
    return sum(t.contribution for t in plan.objective_terms if t.stage == DAYS_STAGE)
