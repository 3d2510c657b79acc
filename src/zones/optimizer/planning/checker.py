"""An independent check of a plan against every hard constraint, trusting no solver.

Works from the scenario and the plan's seats alone, so it judges the CP-SAT plan, the greedy
baseline and hand-made plans alike.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from zones.optimizer.planning.facts import scenario_facts
from zones.optimizer.planning.plan import Plan, PlanNote, Violation
from zones.optimizer.planning.scenario import Scenario, office_closed_days, week_of
from zones.optimizer.planning.spec import attendance_band, missing_needs


def check_plan(scenario: Scenario, plan: Plan) -> tuple[Violation, ...]:
    """Every hard constraint the plan breaks, each with where, the figure and the limit."""
    facts = scenario_facts(scenario)
    horizon = set(scenario.days)
    found: list[Violation] = []
    office_days: dict[str, list[date]] = defaultdict(list)
    for (person, day), seat in sorted(plan.seats.items()):
        where = f"{person} on {day}"
        if person not in facts.people:
            found.append(Violation("unknown_person", where, 1, 0, f"{person} is not in the scenario"))
            continue
        if day not in horizon:
            found.append(
                Violation("outside_horizon", where, 1, 0, f"{day} is not a working day of the horizon")
            )
            continue
        office_days[person].append(day)
        if not facts.is_available(person, day):
            found.append(Violation("unavailable_day", where, 1, 0, f"{person} is unavailable on {day}"))
        # The desk says where the person sits; without one, the zone the plan gives.
        zone = facts.desk_zone.get(seat.desk, seat.zone) if seat.desk is not None else seat.zone
        if zone in facts.zones and not facts.zone_open(zone, day):
            found.append(
                Violation(
                    "zone_closed", where, 1, 0, f"{person} sits in zone {zone} on {day}, when it is closed"
                )
            )
        if seat.desk is None:
            found.append(Violation("no_desk", where, 0, 1, f"{person} comes in on {day} but has no desk"))
            continue
        if seat.desk not in facts.desks:
            found.append(Violation("unknown_desk", where, 1, 0, f"desk {seat.desk} does not exist"))
            continue
        if facts.desk_zone[seat.desk] != seat.zone:
            found.append(
                Violation(
                    "desk_not_in_zone",
                    where,
                    1,
                    0,
                    f"desk {seat.desk} is in zone {facts.desk_zone[seat.desk]}, not {seat.zone}",
                )
            )
        missing = missing_needs(facts.people[person].needs, facts.desks[seat.desk])
        if missing:
            found.append(
                Violation(
                    "needs",
                    where,
                    len(missing),
                    0,
                    f"desk {seat.desk} lacks {', '.join(sorted(missing))}, which {person} needs",
                )
            )
    found += _band_violations(scenario, office_days, office_closed_days(scenario))
    found += _desk_and_zone_violations(scenario, plan)
    found += _booking_violations(scenario, plan)
    found += _session_violations(scenario, plan)
    return tuple(found)


def _band_violations(
    scenario: Scenario, office_days: dict[str, list[date]], office_closed: frozenset[date]
) -> list[Violation]:
    """Office days per person and week against the band; days the whole office is closed count
    like leave."""
    found: list[Violation] = []
    weeks: dict[str, list[date]] = defaultdict(list)
    for day in scenario.days:
        weeks[week_of(day)].append(day)
    for employee in scenario.employees:
        leave = set(employee.unavailable) | office_closed
        mine = Counter(week_of(d) for d in office_days.get(employee.key, ()))
        for week, days in sorted(weeks.items()):
            available = sum(1 for d in days if d not in leave)
            low, high = attendance_band(scenario.policy, employee.share, available)
            came = mine.get(week, 0)
            where = f"{employee.key} in {week}"
            if came < low:
                found.append(
                    Violation(
                        "attendance_band_min",
                        where,
                        came,
                        low,
                        f"{employee.key} is in {came} day(s) in {week}; the band asks at least {low}"
                        f" (short by {low - came})",
                    )
                )
            if came > high:
                found.append(
                    Violation(
                        "attendance_band_max",
                        where,
                        came,
                        high,
                        f"{employee.key} is in {came} day(s) in {week}; the band allows at most {high}"
                        f" (over by {came - high})",
                    )
                )
    return found


def _desk_and_zone_violations(scenario: Scenario, plan: Plan) -> list[Violation]:
    found: list[Violation] = []
    zones = {z.key: z for z in scenario.zones}
    per_desk: dict[tuple[str, date], list[str]] = defaultdict(list)
    per_zone: Counter[tuple[str, date]] = Counter()
    for (person, day), seat in plan.seats.items():
        if seat.desk is not None:
            per_desk[seat.desk, day].append(person)
        if seat.zone is not None:
            per_zone[seat.zone, day] += 1
    for (desk, day), people in sorted(per_desk.items()):
        if len(people) > 1:
            found.append(
                Violation(
                    "desk_double_booked",
                    f"desk {desk} on {day}",
                    len(people),
                    1,
                    f"desk {desk} has {len(people)} people on {day}: {', '.join(sorted(people))}",
                )
            )
    for (zone_key, day), count in sorted(per_zone.items()):
        zone = zones.get(zone_key)
        if zone is None:
            found.append(
                Violation(
                    "unknown_zone", f"zone {zone_key} on {day}", count, 0, f"zone {zone_key} does not exist"
                )
            )
            continue
        if count > len(zone.desks):
            found.append(
                Violation(
                    "zone_desks",
                    f"zone {zone_key} on {day}",
                    count,
                    len(zone.desks),
                    f"{count} people in zone {zone_key} on {day}, which has {len(zone.desks)} desks"
                    f" (over by {count - len(zone.desks)})",
                )
            )
        if zone.occupancy_cap is not None and count > zone.occupancy_cap:
            found.append(
                Violation(
                    "zone_occupancy_cap",
                    f"zone {zone_key} on {day}",
                    count,
                    zone.occupancy_cap,
                    f"{count} people in zone {zone_key} on {day}; its occupancy cap is {zone.occupancy_cap}"
                    f" (over by {count - zone.occupancy_cap})",
                )
            )
    return found


def _booking_violations(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Existing bookings the plan does not keep (those in a zone closed that day are not kept:
    closing the zone cancels them)."""
    found: list[Violation] = []
    closed = {(desk.code, day) for zone in scenario.zones for desk in zone.desks for day in zone.closed_days}
    for booking in scenario.bookings:
        if (booking.desk, booking.day) in closed:
            continue
        seat = plan.seats.get((booking.person, booking.day))
        if seat is None or seat.desk != booking.desk:
            got = "stays home" if seat is None else f"sits at {seat.desk}"
            found.append(
                Violation(
                    "existing_booking",
                    f"{booking.person} on {booking.day}",
                    0,
                    1,
                    f"{booking.person} booked desk {booking.desk} on {booking.day} but {got} in the plan",
                )
            )
    return found


def _session_violations(scenario: Scenario, plan: Plan) -> list[Violation]:
    found: list[Violation] = []
    office_closed = office_closed_days(scenario)
    leave = {e.key: set(e.unavailable) | office_closed for e in scenario.employees}
    capacity = {room.code: room.capacity for zone in scenario.zones for room in zone.rooms}
    room_zone = {room.code: zone for zone in scenario.zones for room in zone.rooms}
    used: dict[tuple[str, date], str] = {}
    for session in scenario.sessions:
        where = f"session {session.key} on {session.day}"
        room = plan.rooms.get(session.key)
        if room is None or room not in capacity:
            found.append(
                Violation(
                    "session_room", where, 0, session.size, f"no room for {session.size} people is planned"
                )
            )
        else:
            if capacity[room] < session.size:
                found.append(
                    Violation(
                        "session_room",
                        where,
                        capacity[room],
                        session.size,
                        f"room {room} holds {capacity[room]}, the session needs {session.size}",
                    )
                )
            if not room_zone[room].is_open(session.day):
                found.append(
                    Violation(
                        "room_closed",
                        where,
                        1,
                        0,
                        f"room {room} is in zone {room_zone[room].key}, which is closed on {session.day}",
                    )
                )
            if (room, session.day) in used:
                found.append(
                    Violation(
                        "room_double_booked",
                        where,
                        2,
                        1,
                        f"room {room} is also planned for session {used[room, session.day]} that day",
                    )
                )
            used[room, session.day] = session.key
        for person in session.participants:
            # A participant on leave (or on a day the whole office is closed) is excused; anyone
            # else must be in that day.
            excused = session.day in leave.get(person, {session.day})
            if (person, session.day) not in plan.seats and not excused:
                found.append(
                    Violation(
                        "session_participant",
                        where,
                        0,
                        1,
                        f"{person} takes part in session {session.key} but is not in that day",
                    )
                )
    return found


def capacity_shortfalls(scenario: Scenario) -> tuple[Violation, ...]:
    """Why the office cannot meet the policy, before any planning: seats against the band's demand.

    Compares, per week, the office days the attendance band asks at least with the seats available
    in that week, and, per day, the people who need a desk attribute with the desks that have it.
    Closed zones give no seats on their closed days.
    """
    facts = scenario_facts(scenario)
    found: list[Violation] = []
    seats = facts.seats_per_day()
    for week, days in sorted(facts.weeks.items()):
        demand = sum(facts.band(person, week)[0] for person in facts.people)
        supply = sum(facts.seats_on(day) for day in days)
        if demand > supply:
            lost = seats * len(days) - supply
            closed = f" ({lost} desk-days lost to closed zones)" if lost else ""
            found.append(
                Violation(
                    "office_capacity",
                    f"week {week}",
                    supply,
                    demand,
                    f"the attendance band asks at least {demand} office days in {week}, but {seats} usable"
                    f" desks over {len(days)} day(s) give {supply}{closed}: short by {demand - supply}"
                    f" desk-days (about {-(-(demand - supply) // len(days))} desks)",
                )
            )
    for needs in sorted(facts.need_sets(), key=sorted):
        fitting = len(facts.desks_with(needs))
        needing = [p for p, e in facts.people.items() if needs <= set(e.needs)]
        for week in sorted(facts.weeks):
            demand = sum(facts.band(p, week)[0] for p in needing)
            supply = sum(facts.needs_desks_on(needs, day) for day in facts.weeks[week])
            if demand > supply:
                lost = fitting * len(facts.weeks[week]) - supply
                closed = f" ({lost} desk-days lost to closed zones)" if lost else ""
                found.append(
                    Violation(
                        "needs_capacity",
                        f"desks with {', '.join(sorted(needs))} in {week}",
                        supply,
                        demand,
                        f"{len(needing)} people need {', '.join(sorted(needs))} desks for at least {demand}"
                        f" days in {week}; {fitting} such desks give {supply}{closed}: short by"
                        f" {demand - supply}",
                    )
                )
    return tuple(found)


def plan_notes(scenario: Scenario) -> tuple[PlanNote, ...]:
    """What no plan can change but people should hear about: workshop participants on leave that day.

    The planner and the checker excuse them (leave comes first), so without a note nobody would
    learn that the workshop goes ahead without them.
    """
    people = {e.key: e for e in scenario.employees}
    notes = []
    for session in sorted(scenario.sessions, key=lambda s: (s.day, s.key)):
        for person in session.participants:
            employee = people.get(person)
            if employee is not None and session.day in employee.unavailable:
                notes.append(
                    PlanNote(
                        kind="leave_on_workshop_day",
                        person=person,
                        day=session.day,
                        message=f"{employee.name or person} is on leave on {session.day:%a %d %b %Y},"
                        f' the day of workshop "{session.name or session.key}"',
                    )
                )
    return tuple(notes)
