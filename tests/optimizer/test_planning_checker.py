"""The independent plan checker catches every kind of hard-constraint violation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from zones.optimizer.planning import (
    Booking,
    Desk,
    Employee,
    Plan,
    Room,
    Scenario,
    Seat,
    Session,
    Zone,
    attendance_band,
    capacity_shortfalls,
    check_plan,
)
from zones.optimizer.planning.scenario import PlanningPolicy

MONDAY = date(2026, 3, 2)
WEEK = tuple(MONDAY + timedelta(days=n) for n in range(5))
MON, TUE, WED, THU, FRI = WEEK


def tiny_office() -> Scenario:
    """Two desk zones (one capped), a workshop room, three people, a booking and a session."""
    return Scenario(
        name="tiny",
        days=WEEK,
        zones=(
            Zone(
                key="Q",
                floor="1",
                activity="quiet",
                area_m2=30,
                ceiling_height_m=2.7,
                desks=(Desk(code="Q1", attributes=("accessible",)), Desk(code="Q2")),
            ),
            Zone(
                key="C",
                floor="1",
                activity="collaboration",
                area_m2=30,
                ceiling_height_m=2.7,
                desks=(Desk(code="C1"), Desk(code="C2")),
                occupancy_cap=1,
            ),
            Zone(
                key="F",
                floor="1",
                activity="facilitation",
                area_m2=20,
                ceiling_height_m=3,
                rooms=(Room(code="R1", capacity=6),),
            ),
        ),
        employees=(
            Employee(key="a", needs=("accessible",)),
            Employee(key="b", unavailable=(FRI,)),
            Employee(key="c"),
        ),
        bookings=(Booking(person="c", day=MON, desk="C1"),),
        sessions=(Session(key="S1", day=TUE, size=4, participants=("a",)),),
    )


def valid_plan() -> Plan:
    seats = {
        ("a", MON): Seat("Q", "Q1"),
        ("a", TUE): Seat("Q", "Q1"),
        ("b", MON): Seat("Q", "Q2"),
        ("b", TUE): Seat("Q", "Q2"),
        ("c", MON): Seat("C", "C1"),
        ("c", WED): Seat("C", "C1"),
    }
    return Plan(scenario="tiny", planner="hand", seats=seats, rooms={"S1": "R1"})


def with_seats(plan: Plan, **changes: Seat | None) -> Plan:
    """The plan with seats changed: keyword `a_thu=Seat(...)` sets, `=None` removes."""
    seats = dict(plan.seats)
    for key, seat in changes.items():
        person, day_name = key.split("_")
        day = {"mon": MON, "tue": TUE, "wed": WED, "thu": THU, "fri": FRI}[day_name]
        if seat is None:
            seats.pop((person, day), None)
        else:
            seats[person, day] = seat
    return replace(plan, seats=seats)


def constraints(plan: Plan, scenario: Scenario | None = None) -> set[str]:
    return {v.constraint for v in check_plan(scenario or tiny_office(), plan)}


def test_a_plan_that_keeps_every_rule_has_no_violations() -> None:
    assert check_plan(tiny_office(), valid_plan()) == ()


def test_too_few_office_days_break_the_band_lower_end_with_the_shortfall() -> None:
    plan = with_seats(valid_plan(), b_tue=None)
    [violation] = check_plan(tiny_office(), plan)
    assert violation.constraint == "attendance_band_min"
    assert (violation.figure, violation.limit, violation.shortfall) == (1, 2, 1)
    assert "b" in violation.where


def test_too_many_office_days_break_the_band_upper_end() -> None:
    plan = with_seats(valid_plan(), a_wed=Seat("Q", "Q1"), a_thu=Seat("Q", "Q1"))
    [violation] = check_plan(tiny_office(), plan)
    assert violation.constraint == "attendance_band_max"
    assert (violation.figure, violation.limit) == (4, 3)


def test_leave_shrinks_the_band_so_a_person_on_leave_owes_fewer_days() -> None:
    # b is away on Friday: 4 working days → 40–60 % is 1.6–2.4 days → exactly 2.
    plan = with_seats(valid_plan(), b_wed=Seat("Q", "Q2"))
    [violation] = check_plan(tiny_office(), plan)
    assert (violation.constraint, violation.figure, violation.limit) == ("attendance_band_max", 3, 2)


def test_an_office_day_on_an_unavailable_day_is_caught() -> None:
    plan = with_seats(valid_plan(), b_tue=None, b_fri=Seat("Q", "Q2"))
    assert "unavailable_day" in constraints(plan)


def test_two_people_at_one_desk_on_one_day_is_caught() -> None:
    plan = with_seats(valid_plan(), b_mon=Seat("Q", "Q1"))
    [violation] = [v for v in check_plan(tiny_office(), plan) if v.constraint == "desk_double_booked"]
    assert violation.figure == 2
    assert "Q1" in violation.where


def test_more_people_in_a_zone_than_desks_is_caught() -> None:
    plan = with_seats(valid_plan(), c_mon=Seat("Q", "C1"))
    found = constraints(plan)
    assert "zone_desks" in found
    assert "desk_not_in_zone" in found


def test_more_people_in_a_zone_than_its_occupancy_cap_is_caught() -> None:
    plan = with_seats(valid_plan(), b_wed=Seat("C", "C2"))
    [violation] = [v for v in check_plan(tiny_office(), plan) if v.constraint == "zone_occupancy_cap"]
    assert (violation.figure, violation.limit) == (2, 1)


def test_a_person_who_needs_an_accessible_desk_at_a_plain_desk_is_caught() -> None:
    plan = with_seats(valid_plan(), a_mon=Seat("Q", "Q2"), b_mon=Seat("Q", "Q1"))
    [violation] = [v for v in check_plan(tiny_office(), plan) if v.constraint == "needs"]
    assert "accessible" in violation.message


def test_an_existing_booking_moved_to_another_desk_is_caught() -> None:
    plan = with_seats(valid_plan(), c_mon=Seat("C", "C2"))
    assert constraints(plan) == {"existing_booking"}


def test_an_office_day_without_a_desk_is_caught() -> None:
    plan = with_seats(valid_plan(), b_tue=Seat("Q", None))
    assert constraints(plan) == {"no_desk"}


def test_a_session_in_a_room_too_small_or_without_its_participant_is_caught() -> None:
    scenario = tiny_office()
    too_big = replace(valid_plan(), rooms={"S1": None})
    assert "session_room" in constraints(too_big, scenario)
    absent = with_seats(valid_plan(), a_tue=None, a_wed=Seat("Q", "Q1"))
    assert "session_participant" in constraints(absent, scenario)


def test_the_band_is_pro_rated_for_part_time_and_leave() -> None:
    policy = PlanningPolicy()
    assert attendance_band(policy, 1.0, 5) == (2, 3)
    assert attendance_band(policy, 0.8, 5) == (2, 2)
    assert attendance_band(policy, 1.0, 2) == (1, 1)
    assert attendance_band(policy, 1.0, 0) == (0, 0)


def test_too_few_desks_for_the_band_are_named_with_the_shortfall_before_planning() -> None:
    crowded = replace_employees(tiny_office(), 12)
    [shortfall] = [v for v in capacity_shortfalls(crowded) if v.constraint == "office_capacity"]
    # 12 people × 2 days = 24 desk-days wanted; 3 usable desks (C is capped at 1) × 5 days = 15.
    assert (shortfall.limit, shortfall.figure, shortfall.shortfall) == (24, 15, 9)
    assert "short by 9 desk-days" in shortfall.message


def replace_employees(scenario: Scenario, count: int) -> Scenario:
    import msgspec

    people = tuple(Employee(key=f"p{n}") for n in range(count))
    return msgspec.structs.replace(scenario, employees=people, bookings=(), sessions=())
