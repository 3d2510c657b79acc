"""How many preferred days any plan can grant: a Lagrangian bound, with and without team days.

The stage-1 model's LP bound is weak (a team may "gather" a fifth on each day), so it cannot say
whether a plan that gives every team its all-in day could honour more preferences. This bound can.
Pricing each day's desks instead of capping them splits the problem into one small problem per
team (pick the gathering day, then each member's best office days) and one per person outside a
team, each solved exactly by enumerating the week's day sets. Any prices give a valid upper bound;
Kelley's cutting planes find the best prices in a few dozen steps.

It is a relaxation: needs desks, zone caps and all but one team per person (so circles that share
members with teams) are dropped. The bound therefore holds for every plan that keeps attendance
bands, leave, existing bookings, sessions and the office's seats, and gives each enforced team an
all-in day every week. The relaxed plan at the best prices is also a good first guess of where each
team should gather: the constructive heuristic starts from it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp  # type: ignore[import-untyped]

from zones.optimizer.planning.facts import ScenarioFacts
from zones.optimizer.planning.plan import raise_if_stopped
from zones.optimizer.planning.spec import counted_team, preferred_days_wanted, prefers

ITERATIONS = 200
"""Cutting-plane steps per week at most; the best step's bound is kept, so more only tightens it."""
FLOAT_NOISE = 1e-6
TOLERANCE = 1e-5
"""Stop when the best bound is within this share of the cutting-plane model's minimum."""


@dataclass(frozen=True)
class PreferenceBound:
    """Preferred days wanted (as `PlanKpis.preferences_honoured` counts them) and upper bounds."""

    wanted: int
    with_team_days: int
    """No plan that gives every enforced team an all-in day each week grants more preferred days."""
    without_team_days: int
    """No plan at all grants more (only bands, leave, bookings, sessions and seats hold)."""
    team_days: dict[str, tuple[date, ...]] = field(default_factory=dict)
    """Team → its gathering day in each week of the relaxed plan at the best prices."""

    @property
    def share_with_team_days(self) -> float:
        return min(1.0, self.with_team_days / self.wanted) if self.wanted else 1.0

    @property
    def share_without_team_days(self) -> float:
        return min(1.0, self.without_team_days / self.wanted) if self.wanted else 1.0


def preference_bound(
    facts: ScenarioFacts, iterations: int = ITERATIONS, stop: threading.Event | None = None
) -> PreferenceBound:
    """Upper bounds on the preferred days granted over the horizon, and the relaxed team days.

    Raises `PlanStopped` soon after `stop` is set.
    """
    wanted = 0
    with_teams = without_teams = 0
    team_days: dict[str, list[date]] = {}
    for key, week_days in facts.weeks.items():
        raise_if_stopped(stop)
        week = _Week.of(facts, key, week_days)
        wanted += week.wanted
        bound, gathering = week.bound(gather=True, iterations=iterations, stop=stop)
        free, _ = week.bound(gather=False, iterations=iterations, stop=stop)
        # Preferred days are whole: round down (past float noise); team days never add any.
        free = math.floor(free + FLOAT_NOISE)
        without_teams += free
        with_teams += min(free, math.floor(bound + FLOAT_NOISE))
        for team, day in zip(week.teams, gathering, strict=True):
            if day >= 0:
                team_days.setdefault(team, []).append(week_days[day])
    return PreferenceBound(
        wanted=wanted,
        with_team_days=with_teams,
        without_team_days=without_teams,
        team_days={team: tuple(days) for team, days in team_days.items()},
    )


@dataclass
class _Week:
    """One week's people as arrays over the week's day sets (bit d of a set = the week's day d)."""

    seats: npt.NDArray[np.float64]
    """day → usable seats that day (closed zones left out)."""
    contains: npt.NDArray[np.bool_]
    """day set × day → whether the set includes the day."""
    value: npt.NDArray[np.float64]
    """person × day set → preferred days granted, or -inf where the set breaks band, leave or duty."""
    team_of: npt.NDArray[np.int64]
    """person → index of the one team whose all-in day is enforced, or -1."""
    can_gather: npt.NDArray[np.bool_]
    """team × day → some member is available, and every available member can come in that day."""
    on_leave: npt.NDArray[np.bool_]
    """person × day → on leave, so their team gathers without them."""
    teams: tuple[str, ...]
    wanted: int

    @classmethod
    def of(cls, facts: ScenarioFacts, week: str, week_days: tuple[date, ...]) -> _Week:
        n = len(week_days)
        sets = np.arange(1 << n)
        contains = ((sets[:, None] >> np.arange(n)[None, :]) & 1).astype(bool)
        size = contains.sum(axis=1)
        people = list(facts.people)
        value = np.full((len(people), len(sets)), -np.inf)
        on_leave = np.zeros((len(people), n), dtype=bool)
        wanted = 0
        for row, person in enumerate(people):
            employee = facts.people[person]
            available = np.array([facts.is_available(person, day) for day in week_days])
            duty = np.array([(person, day) in facts.required for day in week_days]) & available
            liked = available & np.array([prefers(employee, day) for day in week_days])
            low, high = facts.band(person, week)
            want = preferred_days_wanted(facts, person, week)
            wanted += want
            fits = (contains <= available).all(axis=1) & (contains >= duty).all(axis=1)
            fits &= (size >= low) & (size <= max(high, int(duty.sum())))
            granted = np.minimum(want, (contains & liked).sum(axis=1))
            value[row, fits] = granted[fits]
            on_leave[row] = ~available
        reachable = np.stack([np.where(contains[:, d], value, -np.inf).max(axis=1) for d in range(n)], axis=1)
        reachable = (reachable > -np.inf) | on_leave

        teams = _one_team_each(facts, week_days)
        row_of = {person: row for row, person in enumerate(people)}
        candidates = sorted(set(teams.values()))
        can_gather = np.zeros((len(candidates), n), dtype=bool)
        for index, team in enumerate(candidates):
            rows = [row_of[p] for p in facts.members[team]]
            active = np.array([facts.teams[team].active_on(day) for day in week_days])
            can_gather[index] = active & reachable[rows].all(axis=0) & (~on_leave[rows]).any(axis=0)
        # A team that can gather on no day at all is not enforced (its plan is reported elsewhere).
        keep = [bool(row.any()) for row in can_gather]
        keys = [team for team, kept in zip(candidates, keep, strict=True) if kept]
        can_gather = can_gather[np.array(keep, dtype=bool)].reshape(len(keys), n)
        index_of = {team: index for index, team in enumerate(keys)}
        team_of = np.array([index_of.get(teams.get(person, ""), -1) for person in people], dtype=np.int64)
        return cls(
            seats=np.array([facts.seats_on(day) for day in week_days], dtype=float),
            contains=contains,
            value=value,
            team_of=team_of,
            can_gather=can_gather,
            on_leave=on_leave,
            teams=tuple(keys),
            wanted=wanted,
        )

    def bound(
        self, *, gather: bool, iterations: int, stop: threading.Event | None = None
    ) -> tuple[float, npt.NDArray[np.int64]]:
        """The least Lagrangian over day prices, by Kelley's cutting planes (an LP over the prices),
        and each team's gathering day (an index into the week) in the relaxed plan at those prices.

        Each evaluation gives the Lagrangian's value and a subgradient, i.e. a plane under the convex
        function; the LP's minimum over the planes is a lower estimate, the best evaluation an upper
        one, and the gap between them closes. Every evaluated value is a valid bound.
        """
        days = self.contains.shape[1]
        solver = pywraplp.Solver.CreateSolver("GLOP")
        # A preferred day is worth 1, so a desk is never worth more than 1 on any day.
        price_vars = [solver.NumVar(0.0, 1.0, f"price{d}") for d in range(days)]
        level = solver.NumVar(-solver.infinity(), solver.infinity(), "level")
        solver.Minimize(level)
        prices = np.zeros(days)
        best = math.inf
        best_gathering = np.full(len(self.teams), -1, dtype=np.int64)
        for _ in range(iterations):
            raise_if_stopped(stop)
            total, used, gathering = self._relaxed(prices, gather)
            if total < best:
                best, best_gathering = total, gathering
            slope = self.seats - used  # d(total)/d(price) at these prices
            plane = solver.Constraint(total - float(slope @ prices), solver.infinity())
            plane.SetCoefficient(level, 1.0)
            for var, gradient in zip(price_vars, slope, strict=True):
                plane.SetCoefficient(var, -float(gradient))
            if solver.Solve() != pywraplp.Solver.OPTIMAL:
                break
            if best - level.solution_value() <= TOLERANCE * max(1.0, abs(best)):
                break
            prices = np.array([var.solution_value() for var in price_vars])
        return best, best_gathering

    def _relaxed(
        self, prices: npt.NDArray[np.float64], gather: bool
    ) -> tuple[float, npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """The Lagrangian at `prices`, the desks per day its optimum uses, and the teams' days."""
        net = self.value - self.contains.astype(float) @ prices  # person × day set
        choice = net.argmax(axis=1)
        total = float(net.max(axis=1).sum())
        gathering = np.full(len(self.teams), -1, dtype=np.int64)
        if gather and self.teams:
            # Per team, the best gathering day: members take their best set containing that day.
            teamed = np.flatnonzero(self.team_of >= 0)
            days = self.contains.shape[1]
            best_with = np.stack(
                [np.where(self.contains[:, d], net, -np.inf).max(axis=1) for d in range(days)], 1
            )
            best_with = np.where(self.on_leave, net.max(axis=1, keepdims=True), best_with)
            team_value = np.zeros(self.can_gather.shape)
            np.add.at(team_value, self.team_of[teamed], best_with[teamed])
            team_value = np.where(self.can_gather, team_value, -np.inf)
            gathering = team_value.argmax(axis=1)
            total += float(team_value.max(axis=1).sum() - net[teamed].max(axis=1).sum())
            day = gathering[self.team_of[teamed]]
            inside = np.where(
                self.contains[:, day].T | self.on_leave[teamed, day][:, None], net[teamed], -np.inf
            )
            choice[teamed] = inside.argmax(axis=1)
        total += float(prices @ self.seats)
        return total, self.contains[choice].sum(axis=0).astype(float), gathering


def _one_team_each(facts: ScenarioFacts, week_days: Iterable[date]) -> dict[str, str]:
    """Person → the one team (standing teams first) whose weekly all-in day the bound enforces.

    Teams count as the KPI counts them: at least two members and a wanted overlap day. A team that
    shares a member with a team already taken is left out; leaving teams out only loosens the bound.
    """
    days = tuple(week_days)
    chosen: dict[str, str] = {}
    counted = [
        key
        for key in facts.teams
        if counted_team(facts, key) and any(facts.available_members(key, day) for day in days)
    ]
    counted.sort(key=lambda key: (facts.teams[key].kind != "team", key))
    for team in counted:
        members = facts.members[team]
        if any(person in chosen for person in members):
            continue
        for person in members:
            chosen[person] = team
    return chosen
