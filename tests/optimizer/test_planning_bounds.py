"""The Lagrangian preference bound: never below what a plan achieves, and exact where it should be."""

from __future__ import annotations

import pytest
from ortools.sat.python import cp_model

from zones.optimizer.planning import (
    Plan,
    PlanOptions,
    analyse_densification,
    generate_scenario,
    greedy_plan,
    plan_kpis,
    plan_office,
)
from zones.optimizer.planning.bounds import _one_team_each, preference_bound
from zones.optimizer.planning.facts import ScenarioFacts, scenario_facts
from zones.optimizer.planning.scenario import Scenario
from zones.optimizer.planning.spec import prefers


def best_preferred_days(facts: ScenarioFacts, *, gather: bool) -> int:
    """The exact optimum the bound relaxes, by CP-SAT: preferred days granted (capped per person-
    week as the KPI caps them) under bands, leave, duties and seats, and, if `gather`, an all-in day
    a week for each team the bound enforces."""
    model = cp_model.CpModel()
    attends = {(p, d): model.new_bool_var("") for p in facts.people for d in facts.available[p]}
    granted = []
    for person, employee in facts.people.items():
        for week, week_days in facts.weeks.items():
            low, high = facts.band(person, week)
            present = [attends[person, d] for d in week_days if (person, d) in attends]
            duty = [
                attends[person, d]
                for d in week_days
                if (person, d) in facts.required and (person, d) in attends
            ]
            for var in duty:
                model.add(var == 1)
            model.add(sum(present) >= low)
            model.add(sum(present) <= max(high, len(duty)))
            liked = [attends[person, d] for d in week_days if (person, d) in attends and prefers(employee, d)]
            if employee.preferred_days and liked:
                got = model.new_int_var(0, min(len(liked), high), "")
                model.add(got <= sum(liked))
                granted.append(got)
    for day in facts.days:
        model.add(sum(attends[p, day] for p in facts.people if (p, day) in attends) <= facts.seats_per_day())
    if gather:
        for week_days in facts.weeks.values():
            teams = set(_one_team_each(facts, week_days).values())
            for team in teams:
                options = []
                for day in week_days:
                    members = facts.available_members(team, day)
                    if members:
                        together = model.new_bool_var("")
                        for person in members:
                            model.add_implication(together, attends[person, day])
                        options.append(together)
                model.add_bool_or(options)
    model.maximize(sum(granted))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 30
    solver.parameters.num_workers = 2
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_bound_is_exact_without_team_days_and_never_below_the_optimum_with_them(seed: int) -> None:
    # A crowded little office (0.5 desks per person), so desks, not wishes, decide.
    facts = scenario_facts(generate_scenario(employees=40, desk_ratio=0.5, seed=seed))
    bound = preference_bound(facts)
    free = best_preferred_days(facts, gather=False)
    gathered = best_preferred_days(facts, gather=True)
    assert gathered <= free
    # Without team days the problem is a flow: the Lagrangian dual closes the gap completely.
    assert bound.without_team_days == pytest.approx(free, abs=0.01)
    assert gathered - 1e-6 <= bound.with_team_days <= bound.without_team_days + 1e-6
    assert 0 < bound.share_with_team_days <= bound.share_without_team_days <= 1


@pytest.fixture(scope="module")
def office() -> Scenario:
    return generate_scenario(employees=300, desk_ratio=0.65, seed=5)


@pytest.fixture(scope="module")
def plan(office: Scenario) -> Plan:
    return plan_office(office, PlanOptions(time_limit=2.0, seed=0))


def test_no_plan_honours_more_preferences_than_the_bound(office: Scenario, plan: Plan) -> None:
    bound = plan.preference_bound
    assert bound is not None and bound.wanted > 0
    ours, first_come = plan_kpis(office, plan), plan_kpis(office, greedy_plan(office, seed=0))
    assert ours.teams_with_an_all_in_day == 1.0
    assert ours.preferences_honoured <= bound.share_with_team_days + 1e-9
    assert first_come.preferences_honoured <= bound.share_without_team_days + 1e-9
    # Every team gathered, and yet nobody lost two preferred days in a week; first-come does that.
    assert ours.preferences_lost_twice < first_come.preferences_lost_twice


def test_the_relaxed_plan_names_one_gathering_day_per_team_and_week(office: Scenario) -> None:
    facts = scenario_facts(office)
    bound = preference_bound(facts)
    enforced = set(_one_team_each(facts, facts.days).values())
    assert set(bound.team_days) == enforced
    for team, days in bound.team_days.items():
        assert len(days) == len(facts.weeks)
        assert all(facts.available_members(team, day) for day in days)


def test_the_densification_report_names_the_price_of_team_days(office: Scenario, plan: Plan) -> None:
    bound = plan.preference_bound
    assert bound is not None and bound.with_team_days < bound.without_team_days  # a crowded mid-week
    flags = [f for f in analyse_densification(office, plan).flags if f.metric == "team_days_price"]
    assert len(flags) == 1
    price = bound.without_team_days - bound.with_team_days
    assert flags[0].figure == pytest.approx(price / bound.wanted)
    assert f"{price:,} of {bound.wanted:,} preferred days" in flags[0].message
