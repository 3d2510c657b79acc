"""A constructive stage-1 plan: gathering days per team, then everyone's band by a min-cost flow.

CP-SAT starts from this plan (as a complete hint) and improves it. On large offices the LP of the
gathering model is weak and a cold start finds its first solution late; a plan built the way a
thoughtful facilities planner would gives the search a good incumbent at once.

1. Required days (bookings, sessions) are fixed.
2. Teams gather first where the relaxed plan of the Lagrangian preference bound puts them (it
   weighs every team's day against the desks all others need, at the best day prices); the rest
   (circles, further overlap days) go where their members want to be anyway: a day costs the preferred
   days it takes from members who have no spare office day, and, on a day that is already wanted
   by more people than there are desks, the desk each non-preferring member takes from someone
   else's preferred day.
3. The rest of everyone's band is one min-cost flow per week (people → days → desks), which is
   exact for that part: the band's lower end first, then as many preferred days as the desks
   allow, then the utilisation target, then an even spread.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from zones.optimizer.planning.facts import ScenarioFacts
from zones.optimizer.planning.plan import raise_if_stopped
from zones.optimizer.planning.scenario import week_of
from zones.optimizer.planning.spec import (
    all_in,
    gathering_eligible_days,
    is_fixed_team_day,
    liked_days,
    off_preference,
    prefers,
    utilisation_target,
)

SPREAD_TIERS = 10
"""Load tiers per day in the fill flow; each costs a little more, so ties spread over the week."""
COST_SCALE = 100
"""Objective weights are scaled by this in the flow so the spreading tie-break stays below 1 unit."""


@dataclass
class _Attendance:
    """The plan being built: who is in on which day, and the day and needs loads that follow."""

    facts: ScenarioFacts
    chosen: dict[str, set[date]] = field(default_factory=dict)
    load: dict[date, int] = field(default_factory=lambda: defaultdict(int))
    needs_load: dict[tuple[frozenset[str], date], int] = field(default_factory=lambda: defaultdict(int))
    needs_room: dict[frozenset[str], dict[date, int]] = field(default_factory=dict)
    """Needs → day → open desks that meet them."""

    @classmethod
    def empty(cls, facts: ScenarioFacts) -> _Attendance:
        return cls(
            facts=facts,
            chosen={person: set() for person in facts.people},
            needs_room={
                needs: {day: facts.needs_desks_on(needs, day) for day in facts.days}
                for needs in facts.need_sets()
            },
        )

    def __contains__(self, key: object) -> bool:
        """Whether a (person, day) pair is an office day of the plan so far."""
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        person, day = key
        return day in self.chosen.get(person, ())

    def in_week(self, person: str, week: str) -> int:
        return sum(1 for d in self.chosen[person] if week_of(d) == week)

    def upper(self, person: str, week: str) -> int:
        """The band's upper end, lifted by days the person must be in anyway."""
        fixed = sum(1 for d in self.facts.weeks[week] if (person, d) in self.facts.required)
        return max(self.facts.band(person, week)[1], fixed)

    def fits(self, person: str, day: date) -> bool:
        """Whether `person` can come in on `day` without breaking capacity, needs or the band."""
        facts = self.facts
        if day in self.chosen[person] or not facts.is_available(person, day):
            return False
        week = week_of(day)
        if self.load[day] >= facts.seats_on(day) or self.in_week(person, week) >= self.upper(person, week):
            return False
        mine = frozenset(facts.people[person].needs)
        return all(
            self.needs_load[needs, day] < room[day]
            for needs, room in self.needs_room.items()
            if needs <= mine
        )

    def come_in(self, person: str, day: date) -> None:
        self.chosen[person].add(day)
        self.load[day] += 1
        mine = frozenset(self.facts.people[person].needs)
        for needs in self.needs_room:
            if needs <= mine:
                self.needs_load[needs, day] += 1

    def result(self) -> dict[str, tuple[date, ...]]:
        return {person: tuple(sorted(days)) for person, days in self.chosen.items() if days}


def constructive_attendance(
    facts: ScenarioFacts,
    team_days: Mapping[str, tuple[date, ...]] | None = None,
    stop: threading.Event | None = None,
) -> dict[str, tuple[date, ...]]:
    """Person → office days, respecting capacity, needs, leave, bookings and the band's upper end.

    `team_days` (e.g. the relaxed plan's of `preference_bound`) gathers those teams first.
    Raises `PlanStopped` soon after `stop` is set.
    """
    plan = _Attendance.empty(facts)
    add_required_days(plan)
    add_team_days(plan, team_days or {})
    raise_if_stopped(stop)
    add_gathering_days(plan, stop)
    raise_if_stopped(stop)
    add_needs_people_days(plan)
    fill_bands_by_flow(plan)
    return plan.result()


def add_required_days(plan: _Attendance) -> None:
    """Bookings and session days come first: they are not negotiable."""
    for person, day in sorted(plan.facts.required):
        if person in plan.chosen and plan.facts.is_available(person, day) and day not in plan.chosen[person]:
            plan.come_in(person, day)


def add_team_days(plan: _Attendance, team_days: Mapping[str, tuple[date, ...]]) -> None:
    """Gather each team on its given days, where every available member still fits."""
    facts = plan.facts
    for team, days in sorted(team_days.items()):
        for day in days:
            newcomers = [p for p in facts.available_members(team, day) if day not in plan.chosen[p]]
            if plan.load[day] + len(newcomers) <= facts.seats_on(day) and all(
                plan.fits(p, day) for p in newcomers
            ):
                for person in newcomers:
                    plan.come_in(person, day)


class _PendingWishes:
    """Per day, the preferred days still expected to be claimed by people not yet in on them.

    A person's wishes count as a fraction: the preferred days they can still get (their band's
    upper end minus the non-preferred days already committed) spread over the preferred days left.
    With the day's load this projects demand, so a gathering that brings non-preferring members
    onto a day that will fill up is charged for the preferred days it crowds out.
    """

    def __init__(self, plan: _Attendance) -> None:
        self.plan = plan
        self.on: dict[date, float] = defaultdict(float)
        self.share: dict[tuple[str, str], float] = {}
        for person in plan.facts.people:
            for week in plan.facts.weeks:
                self._count(person, week, +1)

    def _open_liked(self, person: str, week: str) -> list[date]:
        facts, employee = self.plan.facts, self.plan.facts.people[person]
        return [
            d
            for d in facts.weeks[week]
            if prefers(employee, d) and facts.is_available(person, d) and d not in self.plan.chosen[person]
        ]

    def _count(self, person: str, week: str, sign: int) -> None:
        open_liked = self._open_liked(person, week)
        if not open_liked:
            return
        if sign > 0:
            room = self.plan.upper(person, week) - self.plan.in_week(person, week)
            self.share[person, week] = max(0, min(room, len(open_liked))) / len(open_liked)
        for day in open_liked:
            self.on[day] += sign * self.share[person, week]

    def come_in(self, person: str, day: date) -> None:
        """Bring `person` in on `day`, keeping the projection up to date."""
        week = week_of(day)
        self._count(person, week, -1)
        self.plan.come_in(person, day)
        self._count(person, week, +1)

    def crowded_out(self, day: date, newcomers: int) -> float:
        """Preferred days lost to others if `newcomers` people who do not prefer `day` come in."""
        projected = self.plan.load[day] + self.on[day]
        overflow = projected + newcomers - self.plan.facts.seats_on(day)
        return max(0.0, min(float(newcomers), overflow))


def add_gathering_days(plan: _Attendance, stop: threading.Event | None = None) -> None:
    """Pick each team's gathering days where they cost its members (and others) the fewest
    preferred days, while they earn more than they cost and the desks allow."""
    facts = plan.facts
    weights = facts.scenario.policy.weights
    wishes = _PendingWishes(plan)
    liked: dict[tuple[str, str], int] = {
        (person, week): len(liked_days(facts, person, week_days))
        for person in facts.people
        for week, week_days in facts.weeks.items()
    }

    def loses_own(person: str, day: date) -> bool:
        """Whether a non-preferred `day` takes one of the person's own preferred days."""
        week = week_of(day)
        employee = facts.people[person]
        others = sum(1 for d in plan.chosen[person] if week_of(d) == week and not prefers(employee, d))
        return liked[person, week] + others >= plan.upper(person, week)

    # Large teams first: they are the hardest to gather and their members' wishes weigh most.
    for team_key in sorted(facts.teams, key=lambda t: (-len(facts.members[t]), t)):
        raise_if_stopped(stop)
        team = facts.teams[team_key]
        if team.overlap_days == 0:
            continue
        for week_days in facts.weeks.values():
            left = gathering_eligible_days(facts, team_key, week_days)
            gathered = [d for d in left if all_in(facts, team_key, d, plan)]
            picked = min(len(gathered), team.overlap_days)
            left = [d for d in left if d not in gathered]
            while picked < team.overlap_days and left:
                # The first gathering of the week earns the most; later ones only the per-day reward.
                reward = weights.team_overlap_day + weights.team_gathering * (picked == 0)
                scored = []
                for day in left:
                    members = facts.available_members(team_key, day)
                    newcomers = [p for p in members if day not in plan.chosen[p]]
                    if plan.load[day] + len(newcomers) > facts.seats_on(day) or not all(
                        plan.fits(p, day) for p in newcomers
                    ):
                        continue
                    strangers = [p for p in newcomers if not prefers(facts.people[p], day)]
                    lost = sum(loses_own(p, day) for p in strangers) + wishes.crowded_out(day, len(strangers))
                    value = (
                        reward
                        + weights.fixed_team_day * is_fixed_team_day(team, day)
                        - weights.preferred_day * lost
                    )
                    scored.append((-value, day, newcomers))
                if not scored or -min(scored)[0] <= 0:
                    break
                _, day, newcomers = min(scored)
                for person in newcomers:
                    wishes.come_in(person, day)
                left.remove(day)
                picked += 1


def add_needs_people_days(plan: _Attendance) -> None:
    """People who need special desks pick theirs first (preferred, least crowded), up to the band."""
    facts = plan.facts
    for person in sorted((p for p, e in facts.people.items() if e.needs), key=hash_key):
        employee = facts.people[person]
        for week, week_days in facts.weeks.items():
            low, _ = facts.band(person, week)
            upper = plan.upper(person, week)
            ranked = sorted(week_days, key=lambda d: (not prefers(employee, d), plan.load[d], d))
            for day in ranked:
                have = plan.in_week(person, week)
                if have >= upper or (have >= low and not prefers(employee, day)):
                    break
                if plan.fits(person, day):
                    plan.come_in(person, day)


def fill_bands_by_flow(plan: _Attendance) -> None:
    """Everyone else's remaining office days, one exact min-cost flow per week.

    Flow runs source → person → day → sink. The band's lower end is worth the shortfall penalty,
    each preferred day its reward, days above the utilisation target cost their penalty, and a tiny
    rising cost per load tier spreads the rest. People with needs were placed already.
    """
    facts = plan.facts
    weights = facts.scenario.policy.weights
    flexible = sorted(p for p, e in facts.people.items() if not e.needs)
    for week, week_days in facts.weeks.items():
        flow = min_cost_flow.SimpleMinCostFlow()
        source, sink = 0, 1
        day_node = {day: 2 + i for i, day in enumerate(week_days)}
        next_node = 2 + len(week_days)
        arcs: list[tuple[str, date, int]] = []
        total = 0
        for person in flexible:
            have = plan.in_week(person, week)
            low, _ = facts.band(person, week)
            room = plan.upper(person, week) - have
            open_days = [
                d for d in week_days if facts.is_available(person, d) and d not in plan.chosen[person]
            ]
            room = min(room, len(open_days))
            if room <= 0:
                continue
            node = next_node
            next_node += 1
            owed = max(0, min(room, low - have))
            if owed:
                flow.add_arc_with_capacity_and_unit_cost(
                    source, node, owed, -weights.band_shortfall * COST_SCALE
                )
            if room > owed:
                flow.add_arc_with_capacity_and_unit_cost(source, node, room - owed, 0)
            total += room
            employee = facts.people[person]
            for day in open_days:
                if prefers(employee, day):
                    cost = -weights.preferred_day * COST_SCALE
                else:
                    cost = weights.off_preference_day * COST_SCALE * off_preference(employee, day)
                arc = flow.add_arc_with_capacity_and_unit_cost(node, day_node[day], 1, cost)
                arcs.append((person, day, arc))
        if total == 0:
            continue
        for day, node in day_node.items():
            seats = facts.seats_on(day)
            free = max(0, seats - plan.load[day])
            below_target = max(0, min(free, utilisation_target(facts, day) - plan.load[day]))
            tier = max(1, math.ceil(seats / SPREAD_TIERS))
            filled = plan.load[day]
            for capacity, penalty in ((below_target, 0), (free - below_target, weights.over_utilisation)):
                while capacity > 0:
                    step = min(capacity, tier - filled % tier)
                    spread = filled // tier + 1
                    flow.add_arc_with_capacity_and_unit_cost(node, sink, step, penalty * COST_SCALE + spread)
                    capacity -= step
                    filled += step
        flow.add_arc_with_capacity_and_unit_cost(source, sink, total, 0)  # staying home is free
        flow.set_node_supply(source, total)
        flow.set_node_supply(sink, -total)
        if flow.solve() != flow.OPTIMAL:
            raise RuntimeError("the stage-1 fill flow has no optimum: this is a bug in the heuristic")
        for person, day, arc in arcs:
            if flow.flow(arc):
                plan.come_in(person, day)


def hash_key(person: str) -> int:
    """A fixed pseudo-random order, so no one is always first (or last) to pick their days."""
    value = 0
    for char in person:
        value = (value * 131 + ord(char)) % 1_000_003
    return value
