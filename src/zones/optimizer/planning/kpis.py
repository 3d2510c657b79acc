"""Plan KPIs, computed from the scenario and the plan's seats alone, for any planner.

One function per KPI, each named after its `PlanKpis` field; `plan_kpis` composes them. They judge a
plan by the definitions in `spec`, the ones the planner optimises.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from functools import cached_property

from zones.optimizer.planning.activities import label_day_activities, teammates_present
from zones.optimizer.planning.facts import ScenarioFacts, scenario_facts
from zones.optimizer.planning.plan import DayActivity, Plan
from zones.optimizer.planning.scenario import Scenario, Zone
from zones.optimizer.planning.spec import (
    activity_mismatch,
    all_in,
    asked_for,
    away_from_neighbourhood,
    band_shortfall,
    counted_team,
    gathering_days,
    gathering_days_wanted,
    gathering_eligible_days,
    liked_days,
    neighbourhood_matters,
    preferred_days_wanted,
)


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
    """People in over the office's usable desks that day (closed zones left out), on the day where
    that share is highest."""
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


@dataclass(frozen=True)
class PlanView:
    """A plan as the KPIs read it: the scenario's facts and the plan's office days, derived once."""

    facts: ScenarioFacts
    plan: Plan
    in_office: set[tuple[str, date]]

    @classmethod
    def of(cls, scenario: Scenario, plan: Plan) -> PlanView:
        return cls(facts=scenario_facts(scenario), plan=plan, in_office=set(plan.seats))

    @cached_property
    def attendance(self) -> dict[str, tuple[date, ...]]:
        return self.plan.attendance()

    @cached_property
    def labels(self) -> dict[tuple[str, date], DayActivity]:
        """Each office day's activity, labelled as the planners label it."""
        return label_day_activities(self.facts, self.attendance)

    @cached_property
    def gathering(self) -> set[tuple[str, date]]:
        """(team, day) for the days each team gathers, as the objective counts them."""
        return gathering_days(self.facts, self.in_office, list(self.facts.teams))

    @cached_property
    def daily(self) -> list[int]:
        """People in on each day of the horizon."""
        present = Counter(day for _, day in self.in_office)
        return [present.get(day, 0) for day in self.facts.days]


def plan_kpis(scenario: Scenario, plan: Plan) -> PlanKpis:
    """The KPIs of `plan` (the CP-SAT plan and the greedy baseline are measured by this alone)."""
    view = PlanView.of(scenario, plan)
    return PlanKpis(
        teammate_overlap=teammate_overlap(view),
        team_overlap_days_met=team_overlap_days_met(view),
        teams_with_an_all_in_day=teams_with_an_all_in_day(view),
        preferences_honoured=preferences_honoured(view),
        preferences_lost_twice=preferences_lost_twice(view),
        office_days_wanted=office_days_wanted(view),
        activity_match=activity_match(view),
        neighbourhood_seating=neighbourhood_seating(view),
        peak_utilisation=peak_utilisation(view),
        peak_to_average=peak_to_average(view),
        desk_stability=desk_stability(view),
        office_days=len(view.in_office),
        band_shortfall_days=band_shortfall_days(view),
        unseated=sum(1 for seat in plan.seats.values() if seat.desk is None),
    )


def teammate_overlap(view: PlanView) -> float:
    facts = view.facts
    together = teammates_present(facts, view.attendance)
    shares = []
    for person, day in view.in_office:
        if person not in facts.people:
            continue
        mates = sum(len(facts.available_members(t, day)) - 1 for t in facts.active_teams(person, day))
        if mates > 0:
            shares.append(together.get((person, day), 0) / mates)
    return sum(shares) / len(shares) if shares else 0.0


def _team_weeks(view: PlanView) -> Iterator[tuple[str, int, int]]:
    """(team, all-in days wanted, all-in days got) for each team-week the KPIs count."""
    facts = view.facts
    for team_key, team in facts.teams.items():
        for week_days in facts.weeks.values():
            eligible = gathering_eligible_days(facts, team_key, week_days)
            if not eligible or not counted_team(facts, team_key):
                continue
            full = sum(1 for d in eligible if all_in(facts, team_key, d, view.in_office))
            yield team_key, gathering_days_wanted(team, eligible), full


def team_overlap_days_met(view: PlanView) -> float:
    weeks = [wanted <= full for _, wanted, full in _team_weeks(view)]
    return sum(weeks) / len(weeks) if weeks else 1.0


def teams_with_an_all_in_day(view: PlanView) -> float:
    weeks = [full >= 1 for _, _, full in _team_weeks(view)]
    return sum(weeks) / len(weeks) if weeks else 1.0


def _preference_weeks(view: PlanView) -> Iterator[tuple[int, int]]:
    """(preferred days wanted, granted) for each person-week of someone with preferences."""
    facts = view.facts
    for person, employee in facts.people.items():
        if not employee.preferred_days:
            continue
        for week, week_days in facts.weeks.items():
            want = preferred_days_wanted(facts, person, week)
            came = sum(1 for d in liked_days(facts, person, week_days) if (person, d) in view.in_office)
            yield want, min(want, came)


def preferences_honoured(view: PlanView) -> float:
    weeks = list(_preference_weeks(view))
    wanted = sum(want for want, _ in weeks)
    return sum(got for _, got in weeks) / wanted if wanted else 1.0


def preferences_lost_twice(view: PlanView) -> float:
    weeks = [want - got >= 2 for want, got in _preference_weeks(view) if want > 0]
    return sum(weeks) / len(weeks) if weeks else 0.0


def office_days_wanted(view: PlanView) -> float:
    asked = []
    for person, day in view.in_office:
        employee = view.facts.people.get(person)
        if employee is not None and employee.preferred_days:
            asked.append(asked_for(employee, day, view.gathering))
    return sum(asked) / len(asked) if asked else 1.0


def _seated_days(view: PlanView) -> Iterator[tuple[DayActivity, str | None, Zone]]:
    """(day activity, home neighbourhood, zone) for each office day seated in a known zone."""
    facts = view.facts
    for key, seat in view.plan.seats.items():
        if seat.zone is None or seat.zone not in facts.zones:
            continue
        person = key[0]
        home = facts.home_neighbourhood(person) if person in facts.people else None
        yield view.labels.get(key, "flex"), home, facts.zones[seat.zone]


def activity_match(view: PlanView) -> float:
    matched = [
        not activity_mismatch(activity, zone.activity)
        for activity, _, zone in _seated_days(view)
        if activity != "flex"
    ]
    return sum(matched) / len(matched) if matched else 1.0


def neighbourhood_seating(view: PlanView) -> float:
    at_home = [
        not away_from_neighbourhood(activity, home, zone.neighbourhood)
        for activity, home, zone in _seated_days(view)
        if neighbourhood_matters(activity, home)
    ]
    return sum(at_home) / len(at_home) if at_home else 1.0


def peak_utilisation(view: PlanView) -> float:
    facts = view.facts
    return max(
        (present / max(1, facts.seats_on(day)) for day, present in zip(facts.days, view.daily, strict=True)),
        default=0.0,
    )


def peak_to_average(view: PlanView) -> float:
    average = sum(view.daily) / max(1, len(view.daily))
    return max(view.daily, default=0) / average if average else 1.0


def desk_stability(view: PlanView) -> float:
    at_desk: dict[tuple[str, str | None], Counter[str]] = defaultdict(Counter)
    for (person, _), seat in view.plan.seats.items():
        if seat.desk is not None:
            at_desk[person, seat.zone][seat.desk] += 1
    usual = sum(max(c.values()) for c in at_desk.values())
    seated = sum(sum(c.values()) for c in at_desk.values())
    return usual / seated if seated else 1.0


def band_shortfall_days(view: PlanView) -> int:
    facts = view.facts
    return sum(
        band_shortfall(facts, person, week, view.in_office) for person in facts.people for week in facts.weeks
    )


def days_outside_preferences(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Person → office days they did not ask for: neither on a preferred weekday nor a day one of
    their teams gathers (people with preferences only)."""
    view = PlanView.of(scenario, plan)
    result: dict[str, int] = defaultdict(int)
    for person, day in view.in_office:
        employee = view.facts.people.get(person)
        if employee is not None and employee.preferred_days and not asked_for(employee, day, view.gathering):
            result[person] += 1
    return dict(result)


def team_days_lost(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Person → days their teams wanted all members in but did not get, summed over teams and weeks."""
    view = PlanView.of(scenario, plan)
    lost: dict[str, int] = defaultdict(int)
    for team, wanted, full in _team_weeks(view):
        if wanted > full:
            for person in view.facts.members[team]:
                lost[person] += wanted - full
    return dict(lost)
