"""Closed zones: on a day a zone is closed the planner seats nobody there, and the checker says so
when a plan does; every stage, the baseline, the KPIs, the densification figures and the scenario
file agree on it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import msgspec
import pytest

from zones.office.errors import ConfigError
from zones.optimizer.planning import (
    Booking,
    Desk,
    Employee,
    Plan,
    PlanOptions,
    Room,
    Scenario,
    Seat,
    Session,
    Team,
    Zone,
    analyse_densification,
    attendance_band,
    capacity_shortfalls,
    check_plan,
    greedy_plan,
    plan_kpis,
    plan_office,
    read_scenario,
    write_scenario,
)
from zones.optimizer.planning.scenario import Activity

MONDAY = date(2026, 3, 2)
WEEK = tuple(MONDAY + timedelta(days=n) for n in range(5))
MON, TUE, WED, THU, FRI = WEEK


def zone(key: str, activity: Activity, desks: int, *, closed: tuple[date, ...] = (), rooms: int = 0) -> Zone:
    return Zone(
        key=key,
        floor="1",
        activity=activity,
        area_m2=40.0,
        ceiling_height_m=2.8,
        desks=tuple(Desk(code=f"{key}{i}") for i in range(1, desks + 1)),
        rooms=tuple(Room(code=f"{key}-R{i}", capacity=6) for i in range(1, rooms + 1)),
        closed_days=closed,
    )


def office_with_closed_wednesday(**changes: object) -> Scenario:
    """Eight people who all want Wednesday and Thursday, two teams, and two zones of four desks;
    the collaboration zone is closed on Wednesday, so only four can come in that day."""
    people = tuple(
        Employee(key=f"E{i}", teams=("T1" if i < 4 else "T2",), preferred_days=("wed", "thu"))
        for i in range(8)
    )
    scenario = Scenario(
        name="closed wednesday",
        days=WEEK,
        zones=(zone("Q", "quiet", 4), zone("C", "collaboration", 4, closed=(WED,))),
        teams=(Team(key="T1"), Team(key="T2")),
        employees=people,
    )
    return msgspec.structs.replace(scenario, **changes)


def zones_on(plan: Plan, day: date) -> Counter[str | None]:
    return Counter(seat.zone for (_, d), seat in plan.seats.items() if d == day)


@pytest.mark.parametrize("cluster_size", [0, 4], ids=["one model", "clusters"])
def test_nobody_is_seated_in_a_zone_on_its_closed_day_and_the_others_move_to_other_days(
    cluster_size: int,
) -> None:
    scenario = office_with_closed_wednesday()
    plan = plan_office(scenario, PlanOptions(time_limit=5, seed=1, num_workers=1, cluster_size=cluster_size))
    assert check_plan(scenario, plan) == ()
    assert plan.violations == ()
    assert zones_on(plan, WED) == {"Q": 4}, "the open zone is full, the closed one empty"
    assert zones_on(plan, THU) == {"Q": 4, "C": 4}, "everyone still gets Thursday"
    for person in scenario.employees:
        low, high = attendance_band(scenario.policy, person.share, len(WEEK))
        came = sum(1 for p, _ in plan.seats if p == person.key)
        assert low <= came <= high, f"{person.key} is in {came} days, outside the band {low}–{high}"
    # Only four of the eight can have Wednesday: the bound and the KPI both know it.
    assert plan.preference_bound is not None
    assert plan.preference_bound.without_team_days == 12
    assert plan_kpis(scenario, plan).preferences_honoured == pytest.approx(12 / 16)


def test_the_first_come_baseline_leaves_a_closed_zone_empty_too() -> None:
    scenario = office_with_closed_wednesday()
    plan = greedy_plan(scenario, seed=3)
    assert "C" not in zones_on(plan, WED)
    assert not {v.constraint for v in plan.violations} & {"zone_closed", "zone_desks"}


def test_the_checker_flags_a_seat_in_a_zone_on_its_closed_day() -> None:
    scenario = office_with_closed_wednesday()
    plan = plan_office(scenario, PlanOptions(time_limit=3, seed=1, num_workers=1))
    moved = dict(plan.seats)
    person = next(p for (p, d), seat in plan.seats.items() if d == WED)
    moved[person, WED] = Seat("C", "C1")
    [violation] = check_plan(scenario, Plan(scenario=scenario.name, planner="hand", seats=moved))
    assert violation.constraint == "zone_closed"
    assert violation.where == f"{person} on {WED}"
    assert violation.message == f"{person} sits in zone C on {WED}, when it is closed"


def test_a_booking_in_a_zone_on_its_closed_day_is_ignored_not_kept() -> None:
    # Closing a zone cancels its bookings: one left in the scenario is no reason to sit there.
    scenario = office_with_closed_wednesday(bookings=(Booking(person="E0", day=WED, desk="C2"),))
    plan = plan_office(scenario, PlanOptions(time_limit=3, seed=1, num_workers=1))
    assert "C" not in zones_on(plan, WED)
    assert check_plan(scenario, plan) == ()


def test_a_workshop_gets_a_room_in_an_open_zone_and_the_checker_flags_a_closed_one() -> None:
    scenario = office_with_closed_wednesday(
        zones=(
            zone("Q", "quiet", 4),
            zone("C", "collaboration", 4),
            zone("F", "facilitation", 0, rooms=1, closed=(TUE,)),
            zone("G", "facilitation", 0, rooms=1),
        ),
        sessions=(Session(key="S1", day=TUE, size=4, participants=("E0", "E1")),),
    )
    plan = plan_office(scenario, PlanOptions(time_limit=3, seed=1, num_workers=1))
    assert plan.rooms == {"S1": "G-R1"}, "the room in the closed zone is not free that day"
    assert check_plan(scenario, plan) == ()
    in_closed_room = Plan(scenario=scenario.name, planner="hand", seats=plan.seats, rooms={"S1": "F-R1"})
    [violation] = check_plan(scenario, in_closed_room)
    assert violation.constraint == "room_closed"
    assert violation.message == f"room F-R1 is in zone F, which is closed on {TUE}"


def test_a_day_every_zone_is_closed_counts_like_leave_for_the_band() -> None:
    # Friday nobody can come in: the band asks 40–60 % of the four days left (2 days, not 2 of 5).
    scenario = office_with_closed_wednesday(
        zones=(zone("Q", "quiet", 4, closed=(FRI,)), zone("C", "collaboration", 4, closed=(WED, FRI)))
    )
    plan = plan_office(scenario, PlanOptions(time_limit=3, seed=1, num_workers=1))
    assert zones_on(plan, FRI) == {}
    assert check_plan(scenario, plan) == ()
    assert all(1 <= sum(1 for p, _ in plan.seats if p == e.key) <= 2 for e in scenario.employees)


def test_the_office_capacity_shortfall_counts_the_desks_a_closure_takes() -> None:
    # 8 people × 2 days = 16 desk-days; 6 desks × 5 days would give 30, but with the collaboration
    # zone closed all week only the 2 quiet desks are left: 10.
    scenario = office_with_closed_wednesday(
        zones=(zone("Q", "quiet", 2), zone("C", "collaboration", 4, closed=WEEK))
    )
    [shortfall] = capacity_shortfalls(scenario)
    assert (shortfall.constraint, shortfall.figure, shortfall.limit) == ("office_capacity", 10, 16)
    assert shortfall.message == (
        "the attendance band asks at least 16 office days in 2026-W10, but 6 usable desks over 5 day(s)"
        " give 10 (20 desk-days lost to closed zones): short by 6 desk-days (about 2 desks)"
    )


def test_densification_and_kpis_count_no_usable_desks_in_a_closed_zone() -> None:
    scenario = office_with_closed_wednesday()
    plan = plan_office(scenario, PlanOptions(time_limit=3, seed=1, num_workers=1))
    analysis = analyse_densification(scenario, plan)
    closed = next(f for f in analysis.zones if f.key == "C" and f.day == WED)
    assert (closed.closed, closed.seats, closed.present, closed.utilisation) == (True, 0, 0, 0.0)
    assert closed.basis() == "0 people ÷ 0 usable desks (4 desks, 4 of them closed that day)"
    floor = next(f for f in analysis.floors if f.day == WED)
    assert (floor.seats, floor.closed_desks, floor.closed) == (4, 4, False)
    # Wednesday: 4 people at the 4 usable desks is full, though half the office's desks are free.
    assert analysis.utilisation[WED] == 1.0
    assert analysis.peak_utilisation == 1.0
    assert analysis.day_basis(WED) == "4 people ÷ 4 usable desks (8 desks, 4 of them closed that day)"
    assert plan_kpis(scenario, plan).peak_utilisation == 1.0


def test_a_scenario_file_keeps_the_closed_days(tmp_path: Path) -> None:
    scenario = office_with_closed_wednesday()
    path = tmp_path / "closed.json"
    write_scenario(scenario, path)
    assert json.loads(path.read_text())["zones"][1]["closed_days"] == [WED.isoformat()]
    assert read_scenario(path) == scenario


def test_a_closed_day_outside_the_horizon_names_the_key_path(tmp_path: Path) -> None:
    path = tmp_path / "closed.json"
    write_scenario(office_with_closed_wednesday(), path)
    doc = json.loads(path.read_text())
    doc["zones"][1]["closed_days"] = ["2026-03-09"]
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError) as caught:
        read_scenario(path)
    assert caught.value.lines == [
        f"{path}: zones[1].closed_days[0] 2026-03-09 is not one of the scenario's days"
    ]
