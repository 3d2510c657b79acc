"""Stage 1: the constructive plan honours wishes, and the cluster search only ever improves it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from zones.optimizer.planning import (
    Desk,
    Employee,
    PlanOptions,
    Scenario,
    Team,
    Zone,
    check_plan,
    generate_scenario,
    greedy_plan,
    plan_kpis,
    plan_office,
)
from zones.optimizer.planning.days_clusters import (
    attendance_terms,
    improve_by_clusters,
    objective_upper_bound,
    team_clusters,
)
from zones.optimizer.planning.days_heuristic import constructive_attendance
from zones.optimizer.planning.facts import scenario_facts
from zones.optimizer.planning.planner import attendance_objective

MONDAY = date(2026, 3, 2)
WEEK = tuple(MONDAY + timedelta(days=n) for n in range(5))
MON, TUE, WED, THU, FRI = WEEK


def office(desks: int, employees: tuple[Employee, ...], teams: tuple[Team, ...] = ()) -> Scenario:
    zone = Zone(
        key="C",
        floor="1",
        activity="collaboration",
        area_m2=10.0 * desks,
        ceiling_height_m=2.8,
        desks=tuple(Desk(code=f"C{i}") for i in range(desks)),
    )
    return Scenario(name="small", days=WEEK, zones=(zone,), teams=teams, employees=employees)


def test_a_team_gathers_on_the_day_its_members_prefer_and_nobody_loses_a_preferred_day() -> None:
    # Three members want Tue+Wed+Thu and have no spare day (band 2–3): a Monday gathering would
    # cost each of them a preferred day, so the gathering must fall on one of their days.
    members = tuple(
        Employee(key=f"E{i}", teams=("T",), preferred_days=("tue", "wed", "thu")) for i in range(3)
    )
    scenario = office(10, members, (Team(key="T", overlap_days=1),))
    attendance = constructive_attendance(scenario_facts(scenario))
    gathered = set.intersection(*(set(attendance[m.key]) for m in members))
    assert gathered and gathered <= {TUE, WED, THU}
    assert all(set(attendance[m.key]) == {TUE, WED, THU} for m in members)


def test_the_band_is_filled_on_preferred_days_first_when_desks_allow() -> None:
    # One desk on Tuesday's worth of people: whoever cannot have Tuesday still gets their other
    # preferred day, and the band's lower end is reached on non-preferred days only after that.
    people = (
        Employee(key="A", preferred_days=("tue", "wed")),
        Employee(key="B", preferred_days=("tue", "thu")),
        Employee(key="C", preferred_days=("fri",)),
    )
    attendance = constructive_attendance(scenario_facts(office(2, people)))
    assert {WED} <= set(attendance["A"]) and {THU} <= set(attendance["B"]) and FRI in attendance["C"]
    assert sum(TUE in attendance[p] for p in ("A", "B")) == 2  # two desks: both get Tuesday
    assert all(2 <= len(days) <= 3 for days in attendance.values())


@pytest.fixture(scope="module")
def mid_office() -> Scenario:
    return generate_scenario(employees=300, desk_ratio=0.65, seed=3)


def test_the_constructed_plan_honours_more_preferences_than_first_come_booking(mid_office: Scenario) -> None:
    facts = scenario_facts(mid_office)
    attendance = constructive_attendance(facts)
    plan = plan_office(mid_office, PlanOptions(time_limit=0.0, seed=0, cluster_size=0), previous=None)
    assert plan.feasible
    built = attendance_terms(facts, attendance)
    assert built["band_shortfall"][1] == 0
    first_come = plan_kpis(mid_office, greedy_plan(mid_office, seed=0))
    ours = plan_kpis(mid_office, plan)
    assert ours.preferences_honoured > first_come.preferences_honoured
    assert ours.teams_with_an_all_in_day > 0.9 > first_come.teams_with_an_all_in_day


def test_standing_teams_are_never_split_between_clusters(mid_office: Scenario) -> None:
    facts = scenario_facts(mid_office)
    groups = team_clusters(facts)
    group_of = {person: i for i, group in enumerate(groups) for person in group}
    assert sorted(group_of) == sorted(facts.people)
    for team_key, members in facts.members.items():
        if facts.teams[team_key].kind == "team":
            assert len({group_of[m] for m in members}) == 1


def test_attendance_terms_score_a_plan_exactly_as_the_whole_model_does(mid_office: Scenario) -> None:
    plan = plan_office(mid_office, PlanOptions(time_limit=1.0, seed=0, cluster_size=0))
    terms = attendance_terms(scenario_facts(mid_office), plan.attendance())
    assert sum(w * v for w, v in terms.values()) == pytest.approx(attendance_objective(plan))


def test_the_cluster_search_never_loses_ground_and_stays_under_its_bound(mid_office: Scenario) -> None:
    facts = scenario_facts(mid_office)
    start = constructive_attendance(facts)
    before = sum(w * v for w, v in attendance_terms(facts, start).values())
    search = improve_by_clusters(facts, start, PlanOptions(time_limit=3.0, seed=0), cluster_size=80)
    assert search.clusters_solved >= 4
    assert before <= search.objective <= objective_upper_bound(facts)


def test_a_plan_made_cluster_by_cluster_holds_every_hard_constraint(mid_office: Scenario) -> None:
    plan = plan_office(mid_office, PlanOptions(time_limit=2.0, seed=0, cluster_size=80))
    assert check_plan(mid_office, plan) == ()
    days = plan.stage("days")
    assert days is not None and days.first_solution_time is not None
    assert days.objective <= days.bound
    assert attendance_objective(plan) == pytest.approx(days.objective)
    assert plan_kpis(mid_office, plan).band_shortfall_days == 0
