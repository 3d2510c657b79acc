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
from zones.optimizer.planning.spec import activity_mismatch, away_from_neighbourhood, desk_fits

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


@dataclass(frozen=True)
class SinkNode:
    """Where every person's unit of flow ends: a seat, or staying unseated at a high cost."""


@dataclass(frozen=True)
class GroupNode:
    """A seating group's supply: one unit per person in it."""

    group: SeatingGroup


@dataclass(frozen=True)
class AnywhereNode:
    """Seats of one activity in any neighbourhood (for people away from their own)."""

    activity: Activity


@dataclass(frozen=True)
class PoolNode:
    """Seats of one activity in one neighbourhood; its zones are interchangeable at equal cost."""

    neighbourhood: str
    activity: Activity


@dataclass(frozen=True)
class NeedsNode:
    """Desks in a zone that meet a set of needs, reached only by the groups with those needs."""

    zone: str
    needs: tuple[str, ...]


@dataclass(frozen=True)
class ZoneNode:
    """A zone's seats for the day."""

    zone: str


Node = SinkNode | GroupNode | AnywhereNode | PoolNode | NeedsNode | ZoneNode
Arc = tuple[Node, Node]
SINK = SinkNode()


class _FlowNetwork:
    """A min-cost flow graph whose nodes are named by meaning rather than by number."""

    def __init__(self) -> None:
        self.flow = min_cost_flow.SimpleMinCostFlow()
        self.node: dict[Node, int] = {}
        self.arcs: list[Arc] = []

    def id(self, name: Node) -> int:
        return self.node.setdefault(name, len(self.node))

    def add_arc(self, tail: Node, head: Node, capacity: int, cost: int) -> None:
        self.flow.add_arc_with_capacity_and_unit_cost(self.id(tail), self.id(head), capacity, cost)
        self.arcs.append((tail, head))

    def supply(self, name: Node, amount: int) -> None:
        self.flow.set_node_supply(self.id(name), amount)

    def solve(self) -> dict[Arc, int]:
        """The flow on every arc that carries some, at minimum cost."""
        status = self.flow.solve()
        if status != self.flow.OPTIMAL:
            raise RuntimeError(f"stage-2 flow ended with status {status}")
        return {arc: self.flow.flow(i) for i, arc in enumerate(self.arcs) if self.flow.flow(i) > 0}


@dataclass
class _Day:
    """One day's seating problem: the seats left after existing bookings, and who is to be seated."""

    day: date
    seats: dict[str, int]
    """Zone → seats free for the flow."""
    needs_desks: dict[tuple[str, tuple[str, ...]], int]
    """(zone, needs) → free desks there that meet the needs, for the groups that have them."""
    groups: dict[SeatingGroup, list[str]]


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
    team_zones: dict[SeatingGroup, list[str]] = {}  # group → its zones, so teams sit where they sat
    for day in sorted(by_day):
        problem = _day_problem(facts, day, sorted(by_day[day]), labels, result, remembered)
        if not problem.groups:
            continue
        flows = _build_network(facts, problem).solve()
        quotas = _decode(flows, team_zones)
        _seat_groups(facts, problem, quotas, result, remembered, team_zones)
    weights = facts.scenario.policy.weights
    result.objective = (
        weights.away_from_neighbourhood * result.costs.away_from_neighbourhood
        + weights.activity_mismatch * result.costs.activity_mismatch
        + UNSEATED_COST * result.costs.unseated
    )
    return result


def _day_problem(
    facts: ScenarioFacts,
    day: date,
    present: list[str],
    labels: Mapping[tuple[str, date], DayActivity],
    result: ZoneAssignment,
    remembered: dict[str, str],
) -> _Day:
    """Seat existing bookings in their desks' zones, and group everyone else for the flow.

    A zone closed on `day` has no seats: nobody is sent there.
    """
    seats = {key: n for key in facts.zones if (n := facts.zone_seats(key, day)) > 0}
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
        group = SeatingGroup(
            team=facts.primary_team(person) or "",
            home=facts.home_neighbourhood(person) or "",
            activity=labels.get((person, day), "flex"),
            needs=tuple(sorted(facts.people[person].needs)),
        )
        groups[group].append(person)
    needs_desks: dict[tuple[str, tuple[str, ...]], int] = {}
    for group in groups:
        if group.needs:
            for seat_zone in seats:
                fitting = [
                    d.code
                    for d in facts.zones[seat_zone].desks
                    if desk_fits(group.needs, d) and d.code not in booked_today
                ]
                if fitting:
                    needs_desks[seat_zone, group.needs] = len(fitting)
    return _Day(day=day, seats=seats, needs_desks=needs_desks, groups=groups)


def _build_network(facts: ScenarioFacts, problem: _Day) -> _FlowNetwork:
    """Groups → (needs desks | neighbourhood pools, directly or via "anywhere") → zones → sink.

    Arcs from a group cost what seating it there costs: the away-from-neighbourhood and activity
    mismatch weights; an arc straight to the sink leaves people unseated.
    """
    weights = facts.scenario.policy.weights

    def cost(group: SeatingGroup, zone_activity: Activity, neighbourhood: str | None) -> int:
        away = away_from_neighbourhood(group.activity, group.home, neighbourhood)
        mismatched = activity_mismatch(group.activity, zone_activity)
        return weights.away_from_neighbourhood * away + weights.activity_mismatch * mismatched

    seats = problem.seats
    network = _FlowNetwork()
    pools: dict[tuple[str, Activity], list[str]] = defaultdict(list)
    for zone_key in seats:
        zone = facts.zones[zone_key]
        pools[zone.neighbourhood or "", zone.activity].append(zone_key)
        network.add_arc(ZoneNode(zone_key), SINK, max(0, seats[zone_key]), 0)
    for (neighbourhood, activity), zone_keys in pools.items():
        pool = PoolNode(neighbourhood, activity)
        network.add_arc(AnywhereNode(activity), pool, sum(seats[z] for z in zone_keys), 0)
        for zone_key in zone_keys:
            network.add_arc(pool, ZoneNode(zone_key), seats[zone_key], 0)
    for (zone_key, needs), count in problem.needs_desks.items():
        network.add_arc(NeedsNode(zone_key, needs), ZoneNode(zone_key), count, 0)
    activities = {activity for _, activity in pools}
    total = 0
    for group, people in problem.groups.items():
        node = GroupNode(group)
        network.supply(node, len(people))
        total += len(people)
        network.add_arc(node, SINK, len(people), UNSEATED_COST)
        if group.needs:
            for zone_key, needs in problem.needs_desks:
                if needs == group.needs:
                    zone = facts.zones[zone_key]
                    network.add_arc(
                        node,
                        NeedsNode(zone_key, needs),
                        len(people),
                        cost(group, zone.activity, zone.neighbourhood),
                    )
            continue
        for activity in activities:
            if group.home and (group.home, activity) in pools:
                network.add_arc(
                    node, PoolNode(group.home, activity), len(people), cost(group, activity, group.home)
                )
            network.add_arc(node, AnywhereNode(activity), len(people), cost(group, activity, None))
    network.supply(SINK, -total)
    return network


@dataclass(frozen=True)
class _Quotas:
    """The flow's answer for a day: group → zone → people, and group → people left unseated."""

    to_zone: Mapping[SeatingGroup, Mapping[str, int]]
    unseated: Mapping[SeatingGroup, int]


def _decode(flows: Mapping[Arc, int], team_zones: Mapping[SeatingGroup, list[str]]) -> _Quotas:
    """How many of each group's people the flow sends to each zone, and how many it leaves unseated.

    The flow says how many go to each pool; inside a pool (and from "anywhere" to the pools) zones
    cost the same, so the groups are packed into them keeping each whole where it fits.
    """
    to_zone: dict[SeatingGroup, dict[str, int]] = defaultdict(dict)
    pool_inflow: dict[PoolNode, dict[SeatingGroup, int]] = defaultdict(dict)
    anywhere_inflow: dict[AnywhereNode, dict[SeatingGroup, int]] = defaultdict(dict)
    unseated: dict[SeatingGroup, int] = {}
    for (tail, head), amount in flows.items():
        if not isinstance(tail, GroupNode):
            continue
        group = tail.group
        if isinstance(head, NeedsNode):
            to_zone[group][head.zone] = to_zone[group].get(head.zone, 0) + amount
        elif isinstance(head, PoolNode):
            pool_inflow[head][group] = amount
        elif isinstance(head, AnywhereNode):
            anywhere_inflow[head][group] = amount
        elif isinstance(head, SinkNode):
            unseated[group] = amount
    for anywhere, inflow in anywhere_inflow.items():
        to_pools = {head: amount for (tail, head), amount in flows.items() if tail == anywhere}
        no_history: dict[SeatingGroup, list[Node]] = {}
        for (group, pool), amount in _pack(inflow, to_pools, no_history).items():
            assert isinstance(pool, PoolNode)
            pool_inflow[pool][group] = pool_inflow[pool].get(group, 0) + amount
    for pool, inflow in pool_inflow.items():
        to_zones = {
            head.zone: amount
            for (tail, head), amount in flows.items()
            if tail == pool and isinstance(head, ZoneNode)
        }
        for (group, zone_key), amount in _pack(inflow, to_zones, team_zones).items():
            to_zone[group][zone_key] = to_zone[group].get(zone_key, 0) + amount
    return _Quotas(to_zone=to_zone, unseated=unseated)


def _seat_groups(
    facts: ScenarioFacts,
    problem: _Day,
    quotas: _Quotas,
    result: ZoneAssignment,
    remembered: dict[str, str],
    team_zones: dict[SeatingGroup, list[str]],
) -> None:
    """Give each person a zone from their group's quotas, and count the day's cost terms."""
    for group, people in problem.groups.items():
        quota = dict(quotas.to_zone.get(group, {}))
        team_zones[group] = sorted(quota, key=lambda z: -quota[z])
        for zone_key, amount in quota.items():
            zone = facts.zones[zone_key]
            result.costs.away_from_neighbourhood += amount * away_from_neighbourhood(
                group.activity, group.home, zone.neighbourhood
            )
            result.costs.activity_mismatch += amount * activity_mismatch(group.activity, zone.activity)
        for person, seated_in in _seat_people(people, quota, remembered).items():
            result.zone_of[person, problem.day] = seated_in
            if seated_in is not None:
                remembered[person] = seated_in
        result.costs.unseated += quotas.unseated.get(group, 0)


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
