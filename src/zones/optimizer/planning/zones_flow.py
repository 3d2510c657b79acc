"""Stage 2: which zone each person sits in on each office day (a min-cost flow per day).

People are not flow units one by one: they are grouped into seating groups (team, day activity,
needs), which flow through neighbourhood pools to zones. The flow is solved exactly; inside a pool,
zones are interchangeable at equal cost, so the groups are then packed into zones keeping each team
whole where the desks allow it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from zones.optimizer.planning.facts import ScenarioFacts
from zones.optimizer.planning.plan import DayActivity
from zones.optimizer.planning.scenario import Activity

Target = TypeVar("Target")

UNSEATED_COST = 1_000_000
"""Cost of leaving someone without a zone: only taken when no desk is left at all."""


@dataclass(frozen=True, order=True)
class SeatingGroup:
    """People seated alike on a day: same team, same day activity, same needs."""

    team: str
    home: str
    activity: DayActivity
    needs: tuple[str, ...] = ()


@dataclass
class ZoneDayCosts:
    """The stage-2 objective for one day, term by term (each a count of people)."""

    away_from_neighbourhood: int = 0
    activity_mismatch: int = 0
    unseated: int = 0


@dataclass
class ZoneAssignment:
    """Stage-2 result: (person, day) → zone, plus the exact cost terms."""

    zone_of: dict[tuple[str, date], str | None] = field(default_factory=dict)
    costs: ZoneDayCosts = field(default_factory=ZoneDayCosts)
    objective: int = 0


class _FlowNetwork:
    """A min-cost flow graph whose nodes are named by meaning rather than by number."""

    def __init__(self) -> None:
        self.flow = min_cost_flow.SimpleMinCostFlow()
        self.node: dict[tuple[object, ...], int] = {}
        self.arcs: list[tuple[tuple[object, ...], tuple[object, ...]]] = []

    def id(self, name: tuple[object, ...]) -> int:
        return self.node.setdefault(name, len(self.node))

    def add_arc(self, tail: tuple[object, ...], head: tuple[object, ...], capacity: int, cost: int) -> None:
        self.flow.add_arc_with_capacity_and_unit_cost(self.id(tail), self.id(head), capacity, cost)
        self.arcs.append((tail, head))

    def supply(self, name: tuple[object, ...], amount: int) -> None:
        self.flow.set_node_supply(self.id(name), amount)

    def solve(self) -> dict[tuple[tuple[object, ...], tuple[object, ...]], int]:
        status = self.flow.solve()
        if status != self.flow.OPTIMAL:
            raise RuntimeError(f"stage-2 flow ended with status {status}")
        return {arc: self.flow.flow(i) for i, arc in enumerate(self.arcs) if self.flow.flow(i) > 0}


def mismatch(activity: DayActivity, zone_activity: Activity) -> bool:
    """Whether a zone does not suit the day: focus wants quiet, team wants collaboration."""
    if zone_activity == "facilitation":
        return True
    if activity == "focus":
        return zone_activity != "quiet"
    if activity == "team":
        return zone_activity != "collaboration"
    return False


def assign_zones(
    facts: ScenarioFacts,
    attendance: Mapping[str, tuple[date, ...]],
    labels: Mapping[tuple[str, date], DayActivity],
) -> ZoneAssignment:
    """Seat everyone who comes in into a zone, day by day, at minimum weighted cost."""
    result = ZoneAssignment()
    by_day: dict[date, list[str]] = defaultdict(list)
    for person, days in attendance.items():
        for day in days:
            by_day[day].append(person)
    remembered: dict[str, str] = {}  # person → last zone, so people keep a zone (and desk) across days
    team_zones: dict[SeatingGroup, list[str]] = {}
    for day in sorted(by_day):
        _assign_day(facts, day, sorted(by_day[day]), labels, result, remembered, team_zones)
    return result


def _assign_day(
    facts: ScenarioFacts,
    day: date,
    present: list[str],
    labels: Mapping[tuple[str, date], DayActivity],
    result: ZoneAssignment,
    remembered: dict[str, str],
    team_zones: dict[SeatingGroup, list[str]],
) -> None:
    weights = facts.scenario.policy.weights
    seats = {key: zone.seats for key, zone in facts.zones.items() if zone.seats > 0}
    needs_desks: dict[tuple[str, tuple[str, ...]], int] = {}
    booked_today: list[str] = []
    for person in present:
        desk = facts.booked.get((person, day))
        if desk is not None and desk in facts.desk_zone:
            booked_zone = facts.desk_zone[desk]
            result.zone_of[person, day] = booked_zone
            remembered[person] = booked_zone
            if booked_zone in seats:
                seats[booked_zone] -= 1
            booked_today.append(desk)
    seats = {key: max(0, count) for key, count in seats.items()}
    groups: dict[SeatingGroup, list[str]] = defaultdict(list)
    for person in present:
        if (person, day) in result.zone_of:
            continue
        employee = facts.people[person]
        group = SeatingGroup(
            team=facts.primary_team(person) or "",
            home=facts.home_neighbourhood(person) or "",
            activity=labels.get((person, day), "flex"),
            needs=tuple(sorted(employee.needs)),
        )
        groups[group].append(person)
    for group in groups:
        if group.needs:
            for seat_zone in seats:
                fitting = [
                    d.code
                    for d in facts.zones[seat_zone].desks
                    if set(group.needs) <= set(d.attributes) and d.code not in booked_today
                ]
                if fitting:
                    needs_desks[seat_zone, group.needs] = len(fitting)

    def cost(group: SeatingGroup, zone_activity: Activity, neighbourhood: str | None) -> int:
        away = group.activity != "focus" and bool(group.home) and neighbourhood != group.home
        return weights.away_from_neighbourhood * away + weights.activity_mismatch * mismatch(
            group.activity, zone_activity
        )

    network = _FlowNetwork()
    sink = ("sink",)
    pools: dict[tuple[str, Activity], list[str]] = defaultdict(list)
    for zone_key in seats:
        zone = facts.zones[zone_key]
        pools[zone.neighbourhood or "", zone.activity].append(zone_key)
        network.add_arc(("zone", zone_key), sink, max(0, seats[zone_key]), 0)
    for (neighbourhood, activity), zone_keys in pools.items():
        network.add_arc(
            ("anywhere", activity), ("pool", neighbourhood, activity), sum(seats[z] for z in zone_keys), 0
        )
        for zone_key in zone_keys:
            network.add_arc(("pool", neighbourhood, activity), ("zone", zone_key), seats[zone_key], 0)
    for (zone_key, needs), count in needs_desks.items():
        network.add_arc(("needs", zone_key, needs), ("zone", zone_key), count, 0)
    activities = {activity for _, activity in pools}
    total = 0
    for group, people in groups.items():
        node = ("group", group)
        network.supply(node, len(people))
        total += len(people)
        network.add_arc(node, sink, len(people), UNSEATED_COST)
        if group.needs:
            for (zone_key, needs), _count in needs_desks.items():
                if needs == group.needs:
                    zone = facts.zones[zone_key]
                    network.add_arc(
                        node,
                        ("needs", zone_key, needs),
                        len(people),
                        cost(group, zone.activity, zone.neighbourhood),
                    )
            continue
        for activity in activities:
            if group.home and (group.home, activity) in pools:
                network.add_arc(
                    node, ("pool", group.home, activity), len(people), cost(group, activity, group.home)
                )
            network.add_arc(node, ("anywhere", activity), len(people), cost(group, activity, None))
    network.supply(sink, -total)
    if total == 0:
        return
    flows = network.solve()

    # Where each group's people went: zones directly (needs), or pools (directly or via "anywhere").
    to_zone: dict[SeatingGroup, dict[str, int]] = defaultdict(dict)
    pool_inflow: dict[tuple[object, ...], dict[SeatingGroup, int]] = defaultdict(dict)
    anywhere_inflow: dict[tuple[object, ...], dict[SeatingGroup, int]] = defaultdict(dict)
    unseated: dict[SeatingGroup, int] = {}
    for (tail, head), amount in flows.items():
        if tail[0] != "group" or not isinstance(tail[1], SeatingGroup):
            continue
        group = tail[1]
        if head[0] == "needs":
            to_zone[group][str(head[1])] = to_zone[group].get(str(head[1]), 0) + amount
        elif head[0] == "pool":
            pool_inflow[head][group] = amount
        elif head[0] == "anywhere":
            anywhere_inflow[head][group] = amount
        elif head == sink:
            unseated[group] = amount
    for anywhere_node, inflow in anywhere_inflow.items():
        outflow = {head: amount for (tail, head), amount in flows.items() if tail == anywhere_node}
        no_history: dict[SeatingGroup, list[tuple[object, ...]]] = {}
        for (group, pool_node), amount in _pack(inflow, outflow, no_history).items():
            pool_inflow[pool_node][group] = pool_inflow[pool_node].get(group, 0) + amount
    for pool, inflow in pool_inflow.items():
        zone_outflow = {str(head[1]): amount for (tail, head), amount in flows.items() if tail == pool}
        for (group, zone_key), amount in _pack(inflow, zone_outflow, team_zones).items():
            to_zone[group][zone_key] = to_zone[group].get(zone_key, 0) + amount
    for group, people in groups.items():
        quotas = dict(to_zone.get(group, {}))
        team_zones[group] = sorted(quotas, key=lambda z: -quotas[z])
        for zone_key, amount in quotas.items():
            zone = facts.zones[zone_key]
            result.costs.away_from_neighbourhood += amount * (
                group.activity != "focus" and bool(group.home) and zone.neighbourhood != group.home
            )
            result.costs.activity_mismatch += amount * mismatch(group.activity, zone.activity)
        for person, seated_in in _seat_people(people, quotas, remembered).items():
            result.zone_of[person, day] = seated_in
            if seated_in is not None:
                remembered[person] = seated_in
        result.costs.unseated += unseated.get(group, 0)
    result.objective = (
        weights.away_from_neighbourhood * result.costs.away_from_neighbourhood
        + weights.activity_mismatch * result.costs.activity_mismatch
        + UNSEATED_COST * result.costs.unseated
    )


def _pack(
    demand: Mapping[SeatingGroup, int],
    capacity: Mapping[Target, int],
    preferred: Mapping[SeatingGroup, list[Target]],
) -> dict[tuple[SeatingGroup, Target], int]:
    """Split groups over targets of equal cost, keeping each group whole where it fits.

    Groups go largest first to a target they used before, else the fullest one that still takes
    them whole (best fit), and are split over the emptiest targets only when none does.
    """
    left = dict(capacity)
    placed: dict[tuple[SeatingGroup, Target], int] = {}
    for group in sorted(demand, key=lambda g: (-demand[g], g)):
        need = demand[group]
        before = [t for t in preferred.get(group, []) if t in left]
        whole = [t for t in before if left[t] >= need] or sorted(
            (t for t in left if left[t] >= need), key=lambda t: (left[t], str(t))
        )
        order: Iterable[Target] = whole[:1] or sorted(left, key=lambda t: (-left[t], str(t)))
        for target in order:
            if need == 0:
                break
            take = min(need, left[target])
            if take > 0:
                placed[group, target] = placed.get((group, target), 0) + take
                left[target] -= take
                need -= take
    return placed


def _seat_people(
    people: list[str], quotas: Mapping[str, int], remembered: Mapping[str, str]
) -> dict[str, str | None]:
    """Give each person a zone from the group's quotas, keeping the zone they had before if it is there."""
    left = dict(quotas)
    seated: dict[str, str | None] = {}
    for person in people:
        zone = remembered.get(person)
        if zone is not None and left.get(zone, 0) > 0:
            seated[person] = zone
            left[zone] -= 1
    for person in people:
        if person in seated:
            continue
        zone = next((z for z in sorted(left) if left[z] > 0), None)
        seated[person] = zone
        if zone is not None:
            left[zone] -= 1
    return seated
