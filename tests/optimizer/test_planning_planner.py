"""The planner: hard constraints hold, it beats first-come booking, and it degrades gracefully."""

from __future__ import annotations

import itertools
import time

import msgspec
import pytest

from zones.optimizer.planning import (
    Booking,
    Plan,
    PlanOptions,
    PlanProgress,
    Scenario,
    check_plan,
    generate_scenario,
    greedy_plan,
    plan_kpis,
    plan_office,
    remove_desks,
)
from zones.optimizer.planning.planner import attendance_objective

QUICK = PlanOptions(time_limit=5.0, seed=0)
"""The time limit bounds the wall clock of the whole plan: 2 deterministic seconds, which this
office needs to reach its optimum, took about 8 s here before; 5 s of wall clock reach it."""


@pytest.fixture(scope="module")
def office() -> Scenario:
    """A small office with contention: 80 people, 0.6 desks each, Tuesday–Thursday favourites."""
    return generate_scenario(employees=80, desk_ratio=0.6, weeks=1, seed=1)


@pytest.fixture(scope="module")
def planned(office: Scenario) -> tuple[Plan, list[PlanProgress]]:
    reports: list[PlanProgress] = []
    return plan_office(office, QUICK, progress=reports.append), reports


def test_the_plan_satisfies_every_hard_constraint(
    office: Scenario, planned: tuple[Plan, list[PlanProgress]]
) -> None:
    plan, _ = planned
    assert plan.seats, "the plan brings nobody in"
    assert check_plan(office, plan) == ()
    assert plan.feasible


def test_every_person_stays_inside_the_attendance_band(
    office: Scenario, planned: tuple[Plan, list[PlanProgress]]
) -> None:
    plan, _ = planned
    kpis = plan_kpis(office, plan)
    assert kpis.band_shortfall_days == 0
    assert kpis.unseated == 0


def test_the_plan_beats_first_come_booking_on_teammate_overlap_and_preferences(
    office: Scenario, planned: tuple[Plan, list[PlanProgress]]
) -> None:
    plan, _ = planned
    ours = plan_kpis(office, plan)
    first_come = plan_kpis(office, greedy_plan(office, seed=0))
    assert ours.teammate_overlap > first_come.teammate_overlap + 0.05
    assert ours.preferences_honoured > first_come.preferences_honoured
    assert ours.teams_with_an_all_in_day == 1.0
    assert ours.band_shortfall_days < first_come.band_shortfall_days


def test_every_stage_reports_its_objective_bound_and_gap(planned: tuple[Plan, list[PlanProgress]]) -> None:
    plan, _ = planned
    assert [s.stage for s in plan.stages] == ["days", "zones", "desks"]
    days = plan.stage("days")
    assert days is not None
    assert days.bound >= days.objective  # maximising: the bound is an upper bound
    assert 0.0 <= days.gap <= 1.0
    assert days.first_solution_time is not None
    desks = plan.stage("desks")
    assert desks is not None and desks.bound <= desks.objective  # minimising desk changes


def test_each_objective_term_is_reported_separately(planned: tuple[Plan, list[PlanProgress]]) -> None:
    plan, _ = planned
    names = {t.name for t in plan.objective_terms}
    assert {"team_gatherings", "preferred_days", "demand_peak", "activity_mismatch", "desk_changes"} <= names
    days = plan.stage("days")
    assert days is not None
    assert attendance_objective(plan) == pytest.approx(days.objective)


def test_progress_reports_arrive_for_each_stage_in_time_order(
    planned: tuple[Plan, list[PlanProgress]],
) -> None:
    _, reports = planned
    assert [r.stage for r in reports if r.done] == ["days", "zones", "desks"]
    searching = [r for r in reports if r.stage == "days" and not r.done]
    assert searching, "no solution callback reached the progress callable"
    assert all(a.elapsed <= b.elapsed for a, b in itertools.pairwise(reports))


def test_the_same_seed_gives_the_same_plan(
    office: Scenario, planned: tuple[Plan, list[PlanProgress]]
) -> None:
    plan, _ = planned
    again = plan_office(office, QUICK)
    assert again.seats == plan.seats
    assert again.team_days == plan.team_days


def test_a_warm_start_from_a_previous_plan_reaches_at_least_its_objective() -> None:
    office = generate_scenario(employees=150, desk_ratio=0.65, seed=5)
    rushed = plan_office(office, PlanOptions(time_limit=0.2, seed=0))
    warm = plan_office(office, PlanOptions(time_limit=1.0, seed=0), previous=rushed)
    assert attendance_objective(warm) >= attendance_objective(rushed)
    assert warm.feasible


def test_existing_bookings_are_kept_exactly(office: Scenario) -> None:
    desks = [d.code for z in office.zones if z.activity == "collaboration" for d in z.desks[-3:]]
    people = [e.key for e in office.employees if not e.needs and not e.unavailable][:3]
    monday = office.days[0]
    bookings = tuple(Booking(person=p, day=monday, desk=d) for p, d in zip(people, desks, strict=False))
    booked = msgspec.structs.replace(office, bookings=bookings)
    plan = plan_office(booked, QUICK)
    for booking in bookings:
        seat = plan.seats[booking.person, booking.day]
        assert seat.desk == booking.desk
    assert check_plan(booked, plan) == ()


def test_too_few_desks_return_a_plan_with_violations_naming_the_constraint_and_shortfall() -> None:
    office = generate_scenario(employees=40, desk_ratio=0.6, seed=2)
    cramped = remove_desks(office, sum(len(z.desks) for z in office.zones) - 10)
    plan = plan_office(cramped, PlanOptions(time_limit=1.0, seed=0))
    assert plan.seats, "a plan is still returned"
    kinds = {v.constraint for v in plan.violations}
    assert {"office_capacity", "attendance_band_min"} <= kinds
    # Only the band gives way: desks, zones and bookings still hold.
    assert kinds <= {"office_capacity", "attendance_band_min", "needs_capacity"}
    [capacity] = [v for v in plan.violations if v.constraint == "office_capacity"]
    assert capacity.limit > capacity.figure == 10 * 5
    assert f"short by {int(capacity.shortfall)} desk-days" in capacity.message
    # Every free desk-day is used before anyone is left short.
    assert len(plan.seats) == 10 * 5


@pytest.mark.parametrize("cluster_size", [0, 100], ids=["one model", "clusters"])
def test_the_time_limit_bounds_the_whole_plan_even_when_seeded(cluster_size: int) -> None:
    # A seeded search counts deterministic time, which ran about three times the wall-clock limit
    # here; the bound, the constructive plan, stages 2 and 3 and the check come out of it too.
    office = generate_scenario(employees=300, desk_ratio=0.6, seed=4)
    started = time.perf_counter()
    plan = plan_office(office, PlanOptions(time_limit=2.0, seed=0, cluster_size=cluster_size))
    elapsed = time.perf_counter() - started
    assert elapsed <= 2.0 + 1.0, elapsed
    assert plan.wall_time <= elapsed and plan.feasible
