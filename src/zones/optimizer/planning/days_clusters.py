"""Stage 1 for large offices: CP-SAT over clusters of whole teams in turn, everyone else fixed.

One CP-SAT model of a 20,000-person office needs gigabytes and improves slowly on the
constructed plan. Teams only interact through the desks (and through circles, which draw on several
teams), so the office is cut into clusters of whole standing teams of a few hundred people; each
cluster is re-planned exactly with everyone else's days fixed (as load, and as the days a circle's
outside members are in). Every step keeps the plan feasible and never lowers the office-wide
objective (a large-neighbourhood search); each pass cuts the office differently so people in
different clusters can trade days.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model

from zones.optimizer.planning.days_model import (
    FixedLoad,
    add_complete_hint,
    attendance_of,
    build_days_model,
    days_solver,
    values_from_attendance,
)
from zones.optimizer.planning.facts import ScenarioFacts
from zones.optimizer.planning.plan import PlanOptions
from zones.optimizer.planning.spec import (
    band_shortfall,
    gathering_days,
    gathering_days_wanted,
    gathering_eligible_days,
    gathering_weeks,
    is_fixed_team_day,
    liked_days,
    off_preference,
    prefers,
    utilisation_target,
)
from zones.optimizer.solving import Deadline, is_stopped, stop_on

Attendance = dict[str, tuple[date, ...]]


@dataclass(frozen=True)
class ClusterSearch:
    """How the cluster search ended: the plan, its office-wide objective and how it got there."""

    attendance: Attendance
    terms: dict[str, tuple[int, int]]
    """Objective term name → (signed weight, raw value), office-wide."""
    bound: float
    first_solution_time: float
    improvements: int
    clusters_solved: int
    stopped: bool = False
    """True when `PlanOptions.stop` ended the search (the plan is the best one found until then)."""

    @property
    def objective(self) -> int:
        return sum(weight * value for weight, value in self.terms.values())


def team_clusters(facts: ScenarioFacts) -> list[tuple[str, ...]]:
    """Groups of people that share no standing team with anyone outside the group.

    Circles are not followed: they link teams at random, and following them would join most of a
    large office into one group. A circle that straddles clusters still gathers, on days its outside
    members are in.
    """
    parent: dict[str, str] = {p: p for p in facts.people}

    def root(person: str) -> str:
        while parent[person] != person:
            parent[person] = parent[parent[person]]
            person = parent[person]
        return person

    for team_key, members in facts.members.items():
        if facts.teams[team_key].kind != "team":
            continue
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[str, list[str]] = {}
    for person in facts.people:
        groups.setdefault(root(person), []).append(person)
    return [tuple(group) for group in groups.values()]


def pack_clusters(groups: list[tuple[str, ...]], size: int, rng: random.Random) -> list[tuple[str, ...]]:
    """Shuffle the groups and pack them into clusters of about `size` people (a group is never split)."""
    order = list(groups)
    rng.shuffle(order)
    clusters: list[tuple[str, ...]] = []
    current: list[str] = []
    for group in order:
        if current and len(current) + len(group) > size:
            clusters.append(tuple(current))
            current = []
        current.extend(group)
    if current:
        clusters.append(tuple(current))
    return clusters


def attendance_terms(
    facts: ScenarioFacts, attendance: Mapping[str, tuple[date, ...]]
) -> dict[str, tuple[int, int]]:
    """The stage-1 objective of an attendance, term by term, exactly as the CP-SAT model scores it."""
    weights = facts.scenario.policy.weights
    in_office = {(p, d) for p, ds in attendance.items() for d in ds}
    gathering = gathering_days(facts, in_office, list(facts.teams))
    preferred = sum(1 for p, d in in_office if prefers(facts.people[p], d))
    off = sum(1 for p, d in in_office if off_preference(facts.people[p], d))
    shortfall = sum(
        band_shortfall(facts, person, week, in_office) for person in facts.people for week in facts.weeks
    )
    present = dict.fromkeys(facts.days, 0)
    for _, day in in_office:
        present[day] += 1
    return {
        "band_shortfall": (-weights.band_shortfall, shortfall),
        "team_gatherings": (weights.team_gathering, len(gathering_weeks(gathering))),
        "team_overlap_days": (weights.team_overlap_day, len(gathering)),
        "fixed_team_days": (
            weights.fixed_team_day,
            sum(1 for t, d in gathering if is_fixed_team_day(facts.teams[t], d)),
        ),
        "demand_peak": (
            -weights.demand_peak,
            sum(max(present[d] for d in ds) for ds in facts.weeks.values()),
        ),
        "over_utilisation": (
            -weights.over_utilisation,
            sum(max(0, n - utilisation_target(facts, d)) for d, n in present.items()),
        ),
        "preferred_days": (weights.preferred_day, preferred),
        "off_preference_days": (-weights.off_preference_day, off),
    }


def objective_upper_bound(facts: ScenarioFacts) -> float:
    """A valid upper bound on the stage-1 objective: every team gathers on all its wanted days,
    everyone gets every preferred day up to the band, and demand is as flat as the bands allow."""
    weights = facts.scenario.policy.weights
    bound = 0.0
    for team_key, team in facts.teams.items():
        if team.overlap_days == 0:
            continue
        for week_days in facts.weeks.values():
            eligible = gathering_eligible_days(facts, team_key, week_days)
            if eligible:
                bound += weights.team_gathering + weights.team_overlap_day * gathering_days_wanted(
                    team, eligible
                )
                fixed = sum(1 for d in eligible if is_fixed_team_day(team, d))
                bound += weights.fixed_team_day * min(team.overlap_days, fixed)
    for person in facts.people:
        for week, week_days in facts.weeks.items():
            liked = len(liked_days(facts, person, week_days))
            fixed = sum(1 for d in week_days if (person, d) in facts.required)
            bound += weights.preferred_day * min(liked, max(facts.band(person, week)[1], fixed))
    for week, week_days in facts.weeks.items():
        least = sum(max(facts.band(p, week)[0], 0) for p in facts.people)
        least = min(least, sum(facts.seats_on(d) for d in week_days))
        bound -= weights.demand_peak * math.ceil(least / len(week_days))
        bound -= weights.over_utilisation * max(
            0, least - sum(utilisation_target(facts, d) for d in week_days)
        )
    return bound


def improve_by_clusters(
    facts: ScenarioFacts,
    start: Attendance,
    options: PlanOptions,
    cluster_size: int,
    on_improvement: Callable[[int, float], None] | None = None,
    deadline: Deadline | None = None,
) -> ClusterSearch:
    """Re-plan clusters of whole teams with CP-SAT in turn until the time limit, from `start`.

    `options.time_limit` is the search's budget (deterministic seconds when seeded); `deadline`
    ends it on the wall clock whatever the budget says, and `options.stop` whenever it is set: the
    cluster being solved stops within about a second and keeps what it found, no new one starts.
    """
    started = time.perf_counter()
    deadline = deadline or Deadline(4 * options.time_limit, started)
    rng = random.Random(options.seed or 0)
    groups = team_clusters(facts)
    attendance = dict(start)
    terms = attendance_terms(facts, attendance)
    objective = sum(w * v for w, v in terms.values())
    bound = objective_upper_bound(facts)
    first = time.perf_counter() - started
    clusters_per_pass = max(1, math.ceil(len(facts.people) / cluster_size))
    # About two passes in the time limit, so each cluster is revisited from a different cut.
    per_cluster = max(0.2, options.time_limit / (2 * clusters_per_pass))
    spent = 0.0
    improvements = solved = 0
    idle_passes = 0  # passes in a row that found nothing better: the plan is a local optimum
    while spent < options.time_limit and idle_passes < 2 and not is_stopped(options.stop):
        improvements_before = improvements
        for cluster in pack_clusters(groups, cluster_size, rng):
            left = options.time_limit - spent
            if left <= 0.05 or deadline.left() <= 0.05 or is_stopped(options.stop):
                spent = options.time_limit  # the wall clock ends a seeded search too
                break
            others = {p: ds for p, ds in attendance.items() if p not in set(cluster)}
            days = build_days_model(facts, cluster, FixedLoad.of(facts, others))
            add_complete_hint(days, values_from_attendance(days, facts, attendance))
            solver = days_solver(options, min(per_cluster, left), wall_limit=deadline.left())
            with stop_on(options.stop, solver):
                status = solver.solve(days.model)
            # Deterministic time when seeded, so the same seed gives the same sequence of steps;
            # else the wall clock, model building and bookkeeping included.
            if options.seed is None:
                spent = time.perf_counter() - started
            else:
                spent += solver.deterministic_time
            solved += 1
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                continue
            candidate = {**others, **attendance_of(days, solver)}
            candidate_terms = attendance_terms(facts, candidate)
            value = sum(w * v for w, v in candidate_terms.values())
            if value > objective:
                attendance, terms, objective = candidate, candidate_terms, value
                improvements += 1
                if on_improvement is not None:
                    on_improvement(objective, bound)
        idle_passes = idle_passes + 1 if improvements == improvements_before else 0
    return ClusterSearch(
        attendance={p: ds for p, ds in attendance.items() if ds},
        terms=terms,
        bound=max(bound, objective),
        first_solution_time=first,
        improvements=improvements,
        clusters_solved=solved,
        stopped=is_stopped(options.stop),
    )
