"""Plan KPIs, computed from the scenario and the plan's seats alone, for any planner."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import date

from zones.optimizer.planning.activities import label_day_activities, teammates_present
from zones.optimizer.planning.days_model import gathering_days
from zones.optimizer.planning.facts import prefers, scenario_facts
from zones.optimizer.planning.plan import Plan
from zones.optimizer.planning.scenario import Employee, Scenario
from zones.optimizer.planning.zones_flow import mismatch


@dataclass(frozen=True, slots=True)
class PlanKpis:
    """How good a plan is for people and for the office; shares are between 0 and 1."""

    teammate_overlap: float
    """Per office day, the share of the person's available teammates who are in too (mean)."""
    team_overlap_days_met: float
    """Share of team-weeks that got all their wanted days with every available member in."""
    teams_with_an_all_in_day: float
    """Share of team-weeks with at least one day where every available member is in."""
    preferences_honoured: float
    """Preferred days granted over preferred days wanted (per person-week, at most the band's upper
    end): staying home on a preferred day because desks ran out counts against it."""
    preferences_lost_twice: float
    """Share of person-weeks (with preferred days) that lost two or more of them: first-come
    booking piles the shortage on whoever books last; a fair plan spreads it."""
    office_days_wanted: float
    """Share of office days (of people with preferences) on a preferred weekday or on a day one of
    the person's teams gathers with every available member in: days the person asked for."""
    activity_match: float
    """Share of focus and team days seated in a quiet and a collaboration zone respectively."""
    neighbourhood_seating: float
    """Share of team and flex days (of people with a home) seated in their team's neighbourhood."""
    peak_utilisation: float
    """People in on the busiest day over the office's usable desks."""
    peak_to_average: float
    """Busiest day over the average day: 1.0 is a perfectly even week."""
    desk_stability: float
    """Share of office days at the desk the person uses most in that zone."""
    office_days: int
    band_shortfall_days: int
    """Office days missing from attendance bands' lower ends, summed over people and weeks."""
    unseated: int

    def as_dict(self) -> dict[str, float]:
        return {key: float(value) for key, value in asdict(self).items()}


HIGHER_IS_BETTER = {
    "teammate_overlap": True,
    "team_overlap_days_met": True,
    "teams_with_an_all_in_day": True,
    "preferences_honoured": True,
    "preferences_lost_twice": False,
    "office_days_wanted": True,
    "activity_match": True,
    "neighbourhood_seating": True,
    "peak_utilisation": False,
    "peak_to_average": False,
    "desk_stability": True,
    "office_days": True,
    "band_shortfall_days": False,
    "unseated": False,
}


def plan_kpis(scenario: Scenario, plan: Plan) -> PlanKpis:
    """The KPIs of `plan` (the CP-SAT plan and the greedy baseline are measured by this alone)."""
    facts = scenario_facts(scenario)
    attendance = plan.attendance()
    in_office = set(plan.seats)
    together = teammates_present(facts, attendance)

    overlap_shares = []
    for person, day in in_office:
        if person not in facts.people:
            continue
        mates = sum(len(facts.available_members(t, day)) - 1 for t in facts.active_teams(person, day))
        if mates > 0:
            overlap_shares.append(together.get((person, day), 0) / mates)

    met = all_in = team_weeks = 0
    for team_key, team in facts.teams.items():
        for week_days in facts.weeks.values():
            eligible = [d for d in week_days if facts.available_members(team_key, d)]
            if not eligible or team.overlap_days == 0 or len(facts.members[team_key]) < 2:
                continue
            team_weeks += 1
            full = sum(
                1 for d in eligible if all((p, d) in in_office for p in facts.available_members(team_key, d))
            )
            met += full >= min(team.overlap_days, len(eligible))
            all_in += full >= 1

    gathering = gathering_days(facts, in_office, list(facts.teams))
    wanted_days = with_preferences = 0
    for person, day in in_office:
        employee = facts.people.get(person)
        if employee is not None and employee.preferred_days:
            with_preferences += 1
            wanted_days += asked_for(employee, day, gathering)
    granted = wanted = lost_twice = person_weeks = 0
    for person, employee in facts.people.items():
        if not employee.preferred_days:
            continue
        for week, week_days in facts.weeks.items():
            liked = [d for d in week_days if facts.is_available(person, d) and prefers(employee, d)]
            want = min(len(liked), facts.band(person, week)[1])
            got = min(want, sum(1 for d in liked if (person, d) in in_office))
            wanted += want
            granted += got
            person_weeks += want > 0
            lost_twice += want - got >= 2

    labels = label_day_activities(facts, attendance)
    matched = labelled = home = homed = 0
    for key, seat in plan.seats.items():
        if seat.zone is None or seat.zone not in facts.zones:
            continue
        zone = facts.zones[seat.zone]
        activity = labels.get(key, "flex")
        if activity != "flex":
            labelled += 1
            matched += not mismatch(activity, zone.activity)
        neighbourhood = facts.home_neighbourhood(key[0]) if key[0] in facts.people else None
        if activity != "focus" and neighbourhood:
            homed += 1
            home += zone.neighbourhood == neighbourhood

    present = Counter(day for _, day in in_office)
    seats = max(1, facts.seats_per_day())
    daily = [present.get(day, 0) for day in facts.days]
    average = sum(daily) / max(1, len(daily))

    at_desk: dict[tuple[str, str | None], Counter[str]] = defaultdict(Counter)
    for (person, _), seat in plan.seats.items():
        if seat.desk is not None:
            at_desk[person, seat.zone][seat.desk] += 1
    usual = sum(max(c.values()) for c in at_desk.values())
    seated = sum(sum(c.values()) for c in at_desk.values())

    shortfall = 0
    for person in facts.people:
        for week, week_days in facts.weeks.items():
            low, _ = facts.band(person, week)
            shortfall += max(0, low - sum(1 for d in week_days if (person, d) in in_office))

    return PlanKpis(
        teammate_overlap=_mean(overlap_shares),
        team_overlap_days_met=met / team_weeks if team_weeks else 1.0,
        teams_with_an_all_in_day=all_in / team_weeks if team_weeks else 1.0,
        preferences_honoured=granted / wanted if wanted else 1.0,
        preferences_lost_twice=lost_twice / person_weeks if person_weeks else 0.0,
        office_days_wanted=wanted_days / with_preferences if with_preferences else 1.0,
        activity_match=matched / labelled if labelled else 1.0,
        neighbourhood_seating=home / homed if homed else 1.0,
        peak_utilisation=max(daily, default=0) / seats,
        peak_to_average=max(daily, default=0) / average if average else 1.0,
        desk_stability=usual / seated if seated else 1.0,
        office_days=len(in_office),
        band_shortfall_days=shortfall,
        unseated=sum(1 for seat in plan.seats.values() if seat.desk is None),
    )


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def asked_for(employee: Employee, day: date, gathering: Collection[tuple[str, date]]) -> bool:
    """Whether an office day is one the person asked for: a preferred weekday, or a day one of
    their teams gathers (`gathering` holds (team, day) as `gathering_days` returns them)."""
    return prefers(employee, day) or any((team, day) in gathering for team in employee.teams)


def days_outside_preferences(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Person → office days they did not ask for: neither on a preferred weekday nor a day one of
    their teams gathers (people with preferences only)."""
    facts = scenario_facts(scenario)
    in_office = set(plan.seats)
    gathering = gathering_days(facts, in_office, list(facts.teams))
    result: dict[str, int] = defaultdict(int)
    for person, day in in_office:
        employee = facts.people.get(person)
        if employee is not None and employee.preferred_days and not asked_for(employee, day, gathering):
            result[person] += 1
    return dict(result)


def team_days_lost(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Person → days their teams wanted all members in but did not get, summed over teams and weeks."""
    facts = scenario_facts(scenario)
    in_office = set(plan.seats)
    lost: dict[str, int] = defaultdict(int)
    for team_key, team in facts.teams.items():
        for week_days in facts.weeks.values():
            eligible: list[date] = [d for d in week_days if facts.available_members(team_key, d)]
            if not eligible or len(facts.members[team_key]) < 2:
                continue
            full = sum(
                1 for d in eligible if all((p, d) in in_office for p in facts.available_members(team_key, d))
            )
            missing = max(0, min(team.overlap_days, len(eligible)) - full)
            if missing:
                for person in facts.members[team_key]:
                    lost[person] += missing
    return dict(lost)
