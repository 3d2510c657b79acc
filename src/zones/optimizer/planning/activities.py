"""Labelling office days as focus or team days, the same way for every planner and for the KPIs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from zones.optimizer.planning.facts import ScenarioFacts
from zones.optimizer.planning.plan import DayActivity
from zones.optimizer.planning.scenario import week_of


def teammates_present(
    facts: ScenarioFacts, attendance: Mapping[str, tuple[date, ...]]
) -> dict[tuple[str, date], int]:
    """(person, office day) → how many of the person's teammates are also in that day."""
    in_office = {(person, day) for person, days in attendance.items() for day in days}
    team_count: dict[tuple[str, date], int] = defaultdict(int)
    for team, members in facts.members.items():
        for person in members:
            for day in attendance.get(person, ()):
                if facts.teams[team].active_on(day):
                    team_count[team, day] += 1
    result: dict[tuple[str, date], int] = {}
    for person, day in in_office:
        result[person, day] = sum(team_count[team, day] - 1 for team in facts.active_teams(person, day))
    return result


def label_day_activities(
    facts: ScenarioFacts, attendance: Mapping[str, tuple[date, ...]]
) -> dict[tuple[str, date], DayActivity]:
    """Give each office day the activity the person's weekly mix asks for.

    In each week the person's `team_days` go to the days with most teammates in, the `focus_days`
    to the days with fewest; days beyond the mix are `flex` (any zone will do).
    """
    together = teammates_present(facts, attendance)
    labels: dict[tuple[str, date], DayActivity] = {}
    for person, days in attendance.items():
        employee = facts.people[person]
        by_week: dict[str, list[date]] = defaultdict(list)
        for day in days:
            by_week[week_of(day)].append(day)
        for week_days in by_week.values():
            ranked = sorted(week_days, key=lambda d: (-together.get((person, d), 0), d))
            team_part = ranked[: employee.team_days]
            rest = ranked[employee.team_days :]
            focus_part = rest[::-1][: employee.focus_days]
            for day in week_days:
                labels[person, day] = "team" if day in team_part else "focus" if day in focus_part else "flex"
    return labels
