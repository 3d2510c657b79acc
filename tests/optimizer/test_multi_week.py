"""Plans over several weeks: bands hold every week, and a team's day moves rather than being lost."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

import pytest

from zones.optimizer.planning import (
    Booking,
    Desk,
    Employee,
    Plan,
    PlanOptions,
    Scenario,
    Team,
    Zone,
    analyse_densification,
    check_plan,
    generate_scenario,
    plan_kpis,
    plan_office,
    plan_report,
    scenario_facts,
)
from zones.optimizer.planning.report import people_per_day_label, team_days_label
from zones.optimizer.planning.scenario import week_of, weekday_of

MONDAY = date(2026, 11, 30)
"""Monday of ISO week 2026-W49."""
QUICK = PlanOptions(time_limit=3.0, seed=0)


def working_days(weeks: int, closed: tuple[date, ...] = ()) -> tuple[date, ...]:
    """Monday to Friday of `weeks` weeks from `MONDAY`, without the `closed` days (holidays)."""
    every = (MONDAY + timedelta(weeks=w, days=d) for w in range(weeks) for d in range(5))
    return tuple(day for day in every if day not in closed)


def tuesday(week: int) -> date:
    """Tuesday of the horizon's `week` (0 = the first)."""
    return MONDAY + timedelta(weeks=week, days=1)


def office(
    desks: int,
    employees: tuple[Employee, ...],
    teams: tuple[Team, ...],
    days: tuple[date, ...],
    bookings: tuple[Booking, ...] = (),
) -> Scenario:
    zone = Zone(
        key="C",
        floor="1",
        activity="collaboration",
        area_m2=10.0 * desks,
        ceiling_height_m=2.8,
        desks=tuple(Desk(code=f"C{i:02d}") for i in range(desks)),
    )
    return Scenario(
        name="multi-week",
        days=days,
        zones=(zone,),
        teams=teams,
        employees=employees,
        bookings=bookings,
    )


def members(team: str, count: int, preferred: tuple[str, ...]) -> tuple[Employee, ...]:
    return tuple(
        Employee(key=f"{team}{i:02d}", teams=(team,), preferred_days=preferred)  # type: ignore[arg-type]
        for i in range(count)
    )


def others(count: int) -> tuple[Employee, ...]:
    """People in no team and with no preferred days: they fill whatever desks are left."""
    return tuple(Employee(key=f"X{i:02d}") for i in range(count))


def days_by_week(days: tuple[date, ...]) -> dict[str, list[date]]:
    weeks: dict[str, list[date]] = {}
    for day in days:
        weeks.setdefault(week_of(day), []).append(day)
    return weeks


def assert_bands_held_every_week(scenario: Scenario, plan: Plan) -> None:
    """Each person's office days in each week lie inside their (pro-rated) attendance band."""
    facts = scenario_facts(scenario)
    came = Counter((person, week_of(day)) for person, day in plan.seats)
    for person in facts.people:
        for week in facts.weeks:
            low, high = facts.band(person, week)
            assert low <= came[person, week] <= high, (person, week, came[person, week], (low, high))
    assert check_plan(scenario, plan) == ()


def assert_gathers_every_week(scenario: Scenario, plan: Plan, team: str) -> dict[str, list[date]]:
    """The team has an all-in day in every week of the horizon; returns them by week."""
    gathered = days_by_week(plan.team_days.get(team, ()))
    assert set(gathered) == {week_of(day) for day in scenario.days}, (team, plan.team_days.get(team))
    return gathered


@pytest.mark.parametrize("cluster_size", [0, 10], ids=["one model", "clusters"])
def test_a_team_whose_day_is_a_holiday_one_week_gathers_on_another_day_that_week(
    cluster_size: int,
) -> None:
    # Team A's day is Tuesday, but Tuesday of the second week is a public holiday (the office is
    # closed, so the day is not in the horizon): that week the team gathers another day.
    holiday = tuesday(1)
    scenario = office(
        14,
        members("A", 8, ("tue", "wed")) + others(12),
        (Team(key="A", overlap_days=1, team_day="tue"),),
        working_days(4, closed=(holiday,)),
    )
    plan = plan_office(scenario, PlanOptions(time_limit=3.0, seed=0, cluster_size=cluster_size))
    assert_bands_held_every_week(scenario, plan)
    gathered = assert_gathers_every_week(scenario, plan, "A")
    weekdays = {week: [weekday_of(d) for d in days] for week, days in gathered.items()}
    assert weekdays[week_of(holiday)] != ["tue"]
    assert all(days == ["tue"] for week, days in weekdays.items() if week != week_of(holiday))


def test_a_team_crowded_out_of_its_day_one_week_gathers_on_another_day_that_week() -> None:
    # Ten existing bookings fill all but four of the fourteen desks on Tuesday of the third week:
    # Team A (eight people) cannot all be in that day, so it gathers another day that week only.
    crowded = tuesday(2)
    outsiders = others(16)
    bookings = tuple(
        Booking(person=person.key, day=crowded, desk=f"C{i:02d}") for i, person in enumerate(outsiders[:10])
    )
    scenario = office(
        14,
        members("A", 8, ("tue", "wed")) + outsiders,
        (Team(key="A", overlap_days=1, team_day="tue"),),
        working_days(4),
        bookings,
    )
    plan = plan_office(scenario, QUICK)
    assert_bands_held_every_week(scenario, plan)
    gathered = assert_gathers_every_week(scenario, plan, "A")
    assert crowded not in gathered[week_of(crowded)]
    assert all(
        [weekday_of(d) for d in days] == ["tue"]
        for week, days in gathered.items()
        if week != week_of(crowded)
    )


def test_two_teams_that_cannot_both_have_tuesday_both_gather_every_week() -> None:
    # Both teams' day is Tuesday and both like it, but twenty desks cannot hold 2 × 12 people:
    # each week one team has Tuesday and the other gathers on another day, never losing its week.
    scenario = office(
        20,
        members("A", 12, ("tue", "thu")) + members("B", 12, ("tue", "wed")) + others(10),
        (Team(key="A", team_day="tue"), Team(key="B", team_day="tue")),
        working_days(4),
    )
    plan = plan_office(scenario, QUICK)
    assert_bands_held_every_week(scenario, plan)
    a = assert_gathers_every_week(scenario, plan, "A")
    b = assert_gathers_every_week(scenario, plan, "B")
    for week in a:
        weekdays = {weekday_of(d) for d in a[week]} | {weekday_of(d) for d in b[week]}
        assert "tue" in weekdays and len(weekdays) == 2, (week, a[week], b[week])
    assert max(plan.present().values()) <= 20


@pytest.mark.parametrize("weeks", [4, 8])
def test_a_generated_office_over_several_weeks_keeps_bands_and_gathers_every_team_each_week(
    weeks: int,
) -> None:
    scenario = generate_scenario(employees=60, desk_ratio=0.65, weeks=weeks, seed=3)
    limit = 4.0
    started = time.perf_counter()
    plan = plan_office(scenario, PlanOptions(time_limit=limit, seed=0))
    elapsed = time.perf_counter() - started
    assert elapsed <= limit + 1.0, elapsed
    assert_bands_held_every_week(scenario, plan)
    assert plan_kpis(scenario, plan).teams_with_an_all_in_day == 1.0
    standing = [team.key for team in scenario.teams if team.kind == "team"]
    for team in standing:
        assert_gathers_every_week(scenario, plan, team)


def test_team_days_read_week_by_week() -> None:
    days = (tuesday(0), date(2026, 12, 9), date(2026, 12, 10), date(2027, 1, 5))
    assert team_days_label(days) == "W49 Tue, W50 Wed+Thu, W01 Tue"
    assert team_days_label(()) == "none"


def test_the_report_shows_each_teams_days_and_the_people_per_day_week_by_week() -> None:
    holiday = tuesday(1)
    scenario = office(
        14,
        members("A", 8, ("tue", "wed")) + others(12),
        (Team(key="A", overlap_days=1, team_day="tue"),),
        working_days(2, closed=(holiday,)),
    )
    plan = plan_office(scenario, QUICK)
    report = plan_report(
        analyse_densification(scenario, plan),
        site="multi-week",
        days=scenario.days,
        run="now",
        team_days=plan.team_days,
    )
    [team_table] = [t for t in report.tables if t.title.startswith("Team days")]
    [(team, label)] = team_table.rows
    moved = plan.team_days["A"][1]
    assert team == "A" and label == f"W49 Tue, W50 {moved:%a}"
    [zone_row] = report.tables[0].rows
    assert zone_row[4].startswith("W49: Mon ") and "; W50: Mon " in zone_row[4]
    assert people_per_day_label([(MONDAY, 3), (tuesday(0), 4)]) == "Mon 3  Tue 4"
