"""A greedy baseline that imitates first-come desk booking, to compare the optimiser against."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import replace
from datetime import date

from zones.optimizer.planning.activities import label_day_activities
from zones.optimizer.planning.checker import check_plan
from zones.optimizer.planning.desks import assign_rooms
from zones.optimizer.planning.facts import scenario_facts
from zones.optimizer.planning.plan import Plan, Seat
from zones.optimizer.planning.scenario import Scenario, Zone
from zones.optimizer.planning.spec import desk_fits, prefers


def greedy_plan(scenario: Scenario, seed: int = 0) -> Plan:
    """People in random order book their preferred days up to the band's upper end (other days to
    reach its lower end); the first free desk in their home neighbourhood wins, else any free desk
    (closed zones left out), else they stay home. Existing bookings and session days are booked first.
    """
    started = time.perf_counter()
    facts = scenario_facts(scenario)
    rng = random.Random(seed)
    taken: dict[tuple[str, date], str] = {}  # (desk, day) → person
    zone_count: dict[tuple[str, date], int] = defaultdict(int)
    desk_of: dict[tuple[str, date], str] = {}
    for (person, day), desk in facts.booked.items():
        if desk in facts.desk_zone:
            taken[desk, day] = person
            desk_of[person, day] = desk
            zone_count[facts.desk_zone[desk], day] += 1

    zone_order: dict[str | None, list[Zone]] = {}

    def book(person: str, day: date) -> bool:
        if (person, day) in desk_of:
            return True
        needs = facts.people[person].needs
        home = facts.home_neighbourhood(person)
        if home not in zone_order:
            zone_order[home] = sorted(
                facts.zones.values(), key=lambda z: (z.neighbourhood != home or home is None, z.key)
            )
        for zone in zone_order[home]:
            if zone_count[zone.key, day] >= facts.zone_seats(zone.key, day):
                continue
            for desk in zone.desks:
                if (desk.code, day) not in taken and desk_fits(needs, desk):
                    taken[desk.code, day] = person
                    desk_of[person, day] = desk.code
                    zone_count[zone.key, day] += 1
                    return True
        return False

    people = sorted(facts.people)
    rng.shuffle(people)
    for person in people:
        employee = facts.people[person]
        for week, week_days in facts.weeks.items():
            low, high = facts.band(person, week)
            available = [d for d in week_days if facts.is_available(person, d)]
            required = [d for d in available if (person, d) in facts.required]
            preferred = [d for d in available if prefers(employee, d) and d not in required]
            others = [d for d in available if d not in preferred and d not in required]
            rng.shuffle(others)
            wanted = required + preferred[: max(0, high - len(required))]
            wanted += others[: max(0, low - len(wanted))]
            for day in wanted:
                book(person, day)

    attendance: dict[str, list[date]] = defaultdict(list)
    for person, day in desk_of:
        attendance[person].append(day)
    labels = label_day_activities(facts, {p: tuple(sorted(d)) for p, d in attendance.items()})
    seats = {
        key: Seat(zone=facts.desk_zone[desk], desk=desk, activity=labels.get(key, "flex"))
        for key, desk in desk_of.items()
    }
    plan = Plan(scenario=scenario.name, planner="greedy", seats=seats, rooms=assign_rooms(facts))
    return replace(plan, violations=check_plan(scenario, plan), wall_time=time.perf_counter() - started)
