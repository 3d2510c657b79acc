"""What a good plan is, defined once: the predicates the planner, the KPIs and the checker share.

Each definition is a statement about a finished plan (who is in on which day, in which zone, at
which desk), never a piece of a model. The CP-SAT model (`days_model`), the zone flow
(`zones_flow`) and the heuristics optimise against them; the KPIs (`kpis`) and the independent
checker (`checker`) judge any plan by the same words, so "a team's gathering day" or "an activity
mismatch" cannot drift apart between what is optimised and what is measured.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Container, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from zones.optimizer.planning.plan import DayActivity
from zones.optimizer.planning.scenario import (
    Activity,
    Desk,
    Employee,
    PlanningPolicy,
    Team,
    week_of,
    weekday_of,
)

if TYPE_CHECKING:
    from zones.optimizer.planning.facts import ScenarioFacts

InOffice = Container[tuple[str, date]]
"""The plan's office days, as (person, day) pairs."""

_EPSILON = 1e-9

# ---------------------------------------------------------------- attendance


def attendance_band(policy: PlanningPolicy, share: float, available_days: int) -> tuple[int, int]:
    """Office days a person owes in a week: the policy's band, pro-rated for part-time and leave.

    The band counts the person's available working days (leave is not a working day), scaled by
    their contracted share; the lower end rounds up, the upper end down, and never below the lower.
    """
    low = math.ceil(policy.attendance_min_share * share * available_days - _EPSILON)
    high = math.floor(policy.attendance_max_share * share * available_days + _EPSILON)
    low = min(low, available_days)
    return low, max(low, min(high, available_days))


def band_shortfall(facts: ScenarioFacts, person: str, week: str, in_office: InOffice) -> int:
    """Office days the person is short of their band's lower end in `week`."""
    low, _ = facts.band(person, week)
    return max(0, low - sum(1 for day in facts.weeks[week] if (person, day) in in_office))


def utilisation_target(facts: ScenarioFacts, day: date) -> int:
    """People the office may hold on `day` before it counts as over-utilised (its usable seats that
    day, so a closed zone lowers it)."""
    return math.floor(facts.scenario.policy.utilisation_target * facts.seats_on(day))


# ---------------------------------------------------------------- preferences


def prefers(employee: Employee, day: date) -> bool:
    """Whether `day` falls on one of the employee's preferred weekdays."""
    return weekday_of(day) in employee.preferred_days


def off_preference(employee: Employee, day: date) -> bool:
    """Whether `day` is off the preferred weekdays of someone who has preferences."""
    return bool(employee.preferred_days) and not prefers(employee, day)


def liked_days(facts: ScenarioFacts, person: str, week_days: Iterable[date]) -> list[date]:
    """The days of `week_days` on the person's preferred weekdays that they are available."""
    employee = facts.people[person]
    return [day for day in week_days if facts.is_available(person, day) and prefers(employee, day)]


def preferred_days_wanted(facts: ScenarioFacts, person: str, week: str) -> int:
    """Preferred days the person can ask for in `week`: their available ones, up to the band."""
    return min(len(liked_days(facts, person, facts.weeks[week])), facts.band(person, week)[1])


def asked_for(employee: Employee, day: date, gathering: Collection[tuple[str, date]]) -> bool:
    """Whether an office day is one the person asked for: a preferred weekday, or a day one of
    their teams gathers (`gathering` holds (team, day) as `gathering_days` returns them)."""
    return prefers(employee, day) or any((team, day) in gathering for team in employee.teams)


# ---------------------------------------------------------------- team gatherings


def is_fixed_team_day(team: Team, day: date) -> bool:
    """Whether `day` is the team's fixed team day."""
    return team.team_day == weekday_of(day)


def counted_team(facts: ScenarioFacts, team: str) -> bool:
    """Whether the team is held to its all-in days: it wants some and has two members or more."""
    return facts.teams[team].overlap_days > 0 and len(facts.members[team]) >= 2


def gathering_eligible_days(facts: ScenarioFacts, team: str, week_days: Iterable[date]) -> list[date]:
    """The days of `week_days` the team could gather: it still counts and has someone available."""
    return [day for day in week_days if facts.available_members(team, day)]


def gathering_days_wanted(team: Team, eligible: Sequence[date]) -> int:
    """All-in days the team wants in a week with `eligible` possible days."""
    return min(team.overlap_days, len(eligible))


def all_in(facts: ScenarioFacts, team: str, day: date, in_office: InOffice) -> bool:
    """Whether every available member of the team is in on `day` (and there is one)."""
    members = facts.available_members(team, day)
    return bool(members) and all((person, day) in in_office for person in members)


def gathering_days(
    facts: ScenarioFacts, in_office: InOffice, teams: Collection[str]
) -> set[tuple[str, date]]:
    """(team, day) for the days each team gathers, as the objective counts them: days with every
    available member in, up to the team's wanted days a week, fixed team days first."""
    weights = facts.scenario.policy.weights
    gathering: set[tuple[str, date]] = set()
    for team_key in teams:
        team = facts.teams[team_key]
        if team.overlap_days == 0:
            continue
        for week_days in facts.weeks.values():
            candidates = [day for day in week_days if all_in(facts, team_key, day, in_office)]
            # Fixed team days first: the objective pays more for them.
            candidates.sort(key=lambda d: (not is_fixed_team_day(team, d) or weights.fixed_team_day == 0, d))
            gathering.update((team_key, day) for day in candidates[: team.overlap_days])
    return gathering


def gathering_weeks(gathering: Iterable[tuple[str, date]]) -> set[tuple[str, str]]:
    """(team, week) for the weeks in which a team gathers at least once."""
    return {(team, week_of(day)) for team, day in gathering}


# ---------------------------------------------------------------- seating


def activity_mismatch(activity: DayActivity, zone_activity: Activity) -> bool:
    """Whether a zone does not suit the day: focus wants quiet, team wants collaboration."""
    if zone_activity == "facilitation":
        return True
    if activity == "focus":
        return zone_activity != "quiet"
    if activity == "team":
        return zone_activity != "collaboration"
    return False


def neighbourhood_matters(activity: DayActivity, home: str | None) -> bool:
    """Whether the day should be spent in the team's neighbourhood: team and flex days of people
    whose team has one (focus days belong in a quiet zone, wherever it is)."""
    return activity != "focus" and bool(home)


def away_from_neighbourhood(activity: DayActivity, home: str | None, neighbourhood: str | None) -> bool:
    """Whether someone who should sit in their `home` neighbourhood sits in `neighbourhood` instead."""
    return neighbourhood_matters(activity, home) and neighbourhood != home


def missing_needs(needs: Iterable[str], desk: Desk) -> set[str]:
    """The needed desk attributes `desk` lacks."""
    return set(needs) - set(desk.attributes)


def desk_fits(needs: Iterable[str], desk: Desk) -> bool:
    """Whether `desk` has every attribute in `needs`."""
    return not missing_needs(needs, desk)
