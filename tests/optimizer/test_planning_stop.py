"""Stopping a planning run: within seconds, with the best complete plan found, or no plan at all."""

from __future__ import annotations

import threading
import time

import pytest
from ortools.sat.python import cp_model

from zones.optimizer.planning import (
    PlanOptions,
    PlanStopped,
    check_plan,
    generate_scenario,
    plan_office,
    scenario_facts,
)
from zones.optimizer.planning.bounds import preference_bound
from zones.optimizer.planning.days_heuristic import constructive_attendance
from zones.optimizer.solving import new_solver, stop_on

STOP_AFTER = 2.0
"""Seconds into a 60-second run at which the tests stop it."""
STOP_LATENCY = 5.0
"""Most seconds from setting the stop event to `plan_office` returning."""


class StopLater:
    """Sets a stop event from another thread after `delay` seconds and notes when it did."""

    def __init__(self, delay: float) -> None:
        self.event = threading.Event()
        self.set_at: float | None = None
        self._timer = threading.Timer(delay, self._set)

    def _set(self) -> None:
        self.set_at = time.perf_counter()
        self.event.set()

    def __enter__(self) -> StopLater:
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()


@pytest.mark.parametrize(
    ("employees", "cluster_size"),
    [(1_000, None), (3_000, None), (1_000, 0)],
    ids=["1000 people in clusters", "3000 people in clusters", "1000 people in one model"],
)
def test_a_stopped_run_returns_a_complete_checked_plan_within_seconds(
    employees: int, cluster_size: int | None
) -> None:
    office = generate_scenario(employees=employees, desk_ratio=0.6, seed=11)
    with StopLater(STOP_AFTER) as stop:
        plan = plan_office(office, PlanOptions(time_limit=60.0, cluster_size=cluster_size, stop=stop.event))
        returned = time.perf_counter()
    assert stop.set_at is not None, "the run ended before it was stopped"
    assert returned - stop.set_at <= STOP_LATENCY, returned - stop.set_at
    assert plan.stopped
    assert [s.stage for s in plan.stages] == ["days", "zones", "desks"]
    assert plan.feasible and check_plan(office, plan) == ()
    assert {person for person, _ in plan.seats} == {e.key for e in office.employees}


def test_a_run_stopped_before_it_starts_raises_plan_stopped() -> None:
    office = generate_scenario(employees=60, seed=1)
    stop = threading.Event()
    stop.set()
    with pytest.raises(PlanStopped):
        plan_office(office, PlanOptions(time_limit=5.0, stop=stop))


def test_the_bound_and_the_constructive_plan_give_up_once_stopped() -> None:
    facts = scenario_facts(generate_scenario(employees=60, seed=1))
    stop = threading.Event()
    stop.set()
    with pytest.raises(PlanStopped):
        preference_bound(facts, stop=stop)
    with pytest.raises(PlanStopped):
        constructive_attendance(facts, stop=stop)


def test_a_run_nobody_stops_is_not_marked_stopped() -> None:
    office = generate_scenario(employees=40, seed=2)
    plan = plan_office(office, PlanOptions(time_limit=1.0, seed=0, stop=threading.Event()))
    assert not plan.stopped and plan.feasible


def test_the_stop_event_leaves_options_equality_and_repr_alone() -> None:
    stop = threading.Event()
    assert PlanOptions(time_limit=3.0, stop=stop) == PlanOptions(time_limit=3.0)
    assert "stop" not in repr(PlanOptions(stop=stop))


def test_stop_on_ends_a_cp_sat_search_soon_after_the_event_is_set() -> None:
    # Pigeonhole: 12 pigeons, 11 holes. CP-SAT takes far longer than the test to prove it.
    model = cp_model.CpModel()
    pigeons, holes = 12, 11
    sits = {(p, h): model.new_bool_var(f"sits[{p},{h}]") for p in range(pigeons) for h in range(holes)}
    for p in range(pigeons):
        model.add_exactly_one(sits[p, h] for h in range(holes))
    for h in range(holes):
        model.add_at_most_one(sits[p, h] for p in range(pigeons))
    solver = new_solver(60.0, num_workers=1)
    solver.parameters.symmetry_level = 0
    solver.parameters.cp_model_presolve = False
    with StopLater(0.5) as stop, stop_on(stop.event, solver):
        status = solver.solve(model)
    returned = time.perf_counter()
    assert status == cp_model.UNKNOWN
    assert stop.set_at is not None and returned - stop.set_at <= 1.0


def test_stop_on_without_an_event_changes_nothing() -> None:
    model = cp_model.CpModel()
    x = model.new_int_var(0, 10, "x")
    model.maximize(x)
    solver = new_solver(5.0)
    with stop_on(None, solver):
        assert solver.solve(model) == cp_model.OPTIMAL
    assert solver.value(x) == 10
