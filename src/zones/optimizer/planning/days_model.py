"""Stage 1: who comes in on which day, and on which days each team gathers (CP-SAT).

Zones and desks are not modelled here: the day's capacity is the office's usable seats that day
(closed zones left out), and people with needs are counted against the open desks that meet them, so
stages 2 and 3 can always seat everyone this stage brings in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from ortools.sat.python import cp_model

from zones.optimizer.planning.facts import ScenarioFacts
from zones.optimizer.planning.plan import PlanOptions, days_by_key
from zones.optimizer.planning.spec import (
    band_shortfall,
    gathering_days,
    gathering_weeks,
    is_fixed_team_day,
    off_preference,
    prefers,
    utilisation_target,
)
from zones.optimizer.solving import new_solver


@dataclass
class ObjectiveParts:
    """The objective as named, weighted terms, so each can be reported on its own."""

    terms: dict[str, tuple[int, list[cp_model.IntVar]]] = field(default_factory=dict)
    """name → (signed weight, variables whose sum is the term's raw value)."""

    def add(self, name: str, weight: int, variables: list[cp_model.IntVar]) -> None:
        if weight and variables:
            self.terms[name] = (weight, variables)

    def expression(self) -> cp_model.LinearExprT:
        variables = [v for _, vs in self.terms.values() for v in vs]
        weights = [w for w, vs in self.terms.values() for _ in vs]
        return cp_model.LinearExpr.weighted_sum(variables, weights)


@dataclass(frozen=True)
class FixedLoad:
    """What people outside the model already occupy: desks per day, and needs desks per day."""

    on: Mapping[date, int] = field(default_factory=dict)
    needs_on: Mapping[tuple[frozenset[str], date], int] = field(default_factory=dict)
    in_office: frozenset[tuple[str, date]] = frozenset()
    """(person, day) for the fixed people's office days: a team reaching outside can only gather
    on days its outside members are in."""

    @classmethod
    def of(cls, facts: ScenarioFacts, attendance: Mapping[str, tuple[date, ...]]) -> FixedLoad:
        """The load of `attendance` (the people kept fixed), counted as the capacity rows count it."""
        need_sets = facts.need_sets()
        on: dict[date, int] = defaultdict(int)
        needs_on: dict[tuple[frozenset[str], date], int] = defaultdict(int)
        for person, person_days in attendance.items():
            mine = set(facts.people[person].needs)
            for day in person_days:
                on[day] += 1
                for needs in need_sets:
                    if needs <= mine:
                        needs_on[needs, day] += 1
        in_office = frozenset((p, d) for p, ds in attendance.items() for d in ds)
        return cls(on=dict(on), needs_on=dict(needs_on), in_office=in_office)


@dataclass
class DaysModel:
    """The stage-1 CP-SAT model and its variables, keyed by meaning.

    It covers `people` (everyone, or a cluster of whole teams); everyone else's office days are
    fixed and enter only as `fixed` load, so the objective differs from the whole office's by a
    constant and an improvement here is an improvement of the whole plan.
    """

    model: cp_model.CpModel
    people: tuple[str, ...]
    fixed: FixedLoad
    attends: dict[tuple[str, date], cp_model.IntVar]
    """(person, day) → 1 if the person comes in; only for days the person is available."""
    gathers: dict[tuple[str, date], cp_model.IntVar] = field(default_factory=dict)
    """(team, day) → 1 if every available member of the team is in that day."""
    gathers_in_week: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    """(team, week) → 1 if the team gathers at least once that week (the first day counts most)."""
    band_shortfall: dict[tuple[str, str], cp_model.IntVar] = field(default_factory=dict)
    """(person, week) → office days missing from the band's lower end (desks ran out)."""
    peak: dict[str, cp_model.IntVar] = field(default_factory=dict)
    """week → people in on its busiest day."""
    over_target: dict[date, cp_model.IntVar] = field(default_factory=dict)
    """day → people above the utilisation target."""
    objective: ObjectiveParts = field(default_factory=ObjectiveParts)


def build_days_model(
    facts: ScenarioFacts, people: Collection[str] | None = None, fixed: FixedLoad | None = None
) -> DaysModel:
    """Build the stage-1 model: every family of variables, constraints and objective terms.

    By default for the whole office; given `people` and the `fixed` load of everyone else, for that
    cluster alone (teams reaching outside it gather only on days their outside members are in).
    """
    model = cp_model.CpModel()
    days = add_attendance_variables(model, facts, people, fixed or FixedLoad())
    add_required_days(days, facts)
    add_attendance_band(days, facts)
    add_day_capacity(days, facts)
    add_needs_capacity(days, facts)
    add_team_gatherings(days, facts)
    add_demand_peak(days, facts)
    add_utilisation_target(days, facts)
    add_preferred_day_terms(days, facts)
    model.maximize(days.objective.expression())
    return days


def days_solver(
    options: PlanOptions, time_limit: float | None = None, wall_limit: float | None = None
) -> cp_model.CpSolver:
    """A CP-SAT solver for a stage-1 model, for `time_limit` seconds (default: the options').

    With a seed in the options the search is reproducible: bounded by deterministic time, as long
    as the wall clock (`wall_limit`, what is left of the run's budget) does not run out first.
    """
    return new_solver(
        options.time_limit if time_limit is None else time_limit,
        num_workers=options.num_workers,
        relative_gap=options.relative_gap,
        seed=options.seed,
        deterministic=options.seed is not None,
        log_search=options.log_search,
        wall_limit=wall_limit,
    )


def add_attendance_variables(
    model: cp_model.CpModel, facts: ScenarioFacts, people: Collection[str] | None, fixed: FixedLoad
) -> DaysModel:
    """attends[person, day] for every day the person is available (leave is simply absent)."""
    chosen = tuple(facts.people) if people is None else tuple(p for p in facts.people if p in set(people))
    attends = {
        (person, day): model.new_bool_var(f"attends[{person},{day}]")
        for person in chosen
        for day in facts.available[person]
    }
    return DaysModel(model=model, people=chosen, fixed=fixed, attends=attends)


def _present(days: DaysModel, day: date) -> list[cp_model.IntVar]:
    return [days.attends[p, day] for p in days.people if (p, day) in days.attends]


def _required_on(
    days: DaysModel, facts: ScenarioFacts, day: date, people: Collection[str] | None = None
) -> int:
    """How many of the model's people (or of `people`) must be in on `day`."""
    return sum(
        1
        for p in (days.people if people is None else people)
        if (p, day) in facts.required and (p, day) in days.attends
    )


def _teams_of(days: DaysModel, facts: ScenarioFacts) -> list[str]:
    """The teams the model covers: all of them, or those with a member among a cluster's people."""
    if len(days.people) == len(facts.people):
        return list(facts.teams)
    own = {t for p in days.people for t in facts.people[p].teams if t in facts.teams}
    return [t for t in facts.teams if t in own]


def add_required_days(days: DaysModel, facts: ScenarioFacts) -> None:
    """Existing bookings and session participants fix the person in on that day."""
    for key in facts.required:
        if key in days.attends:
            days.model.add(days.attends[key] == 1)


def add_attendance_band(days: DaysModel, facts: ScenarioFacts) -> None:
    """Each person's office days per week stay inside their (pro-rated) attendance band.

    The lower end is soft, with a heavy penalty, so a plan still exists when desks run out; the
    shortfall is then reported as a violation. Days fixed by bookings may lift the upper end.
    """
    weight = facts.scenario.policy.weights.band_shortfall
    for person in days.people:
        for week, week_days in facts.weeks.items():
            present = [days.attends[person, d] for d in week_days if (person, d) in days.attends]
            low, high = facts.band(person, week)
            fixed = sum(1 for d in week_days if (person, d) in facts.required and (person, d) in days.attends)
            high = max(high, fixed)
            if low > 0:
                shortfall = days.model.new_int_var(0, low, f"band_shortfall[{person},{week}]")
                days.band_shortfall[person, week] = shortfall
                days.model.add(cp_model.LinearExpr.sum(present) + shortfall >= low)
            if present:
                days.model.add(cp_model.LinearExpr.sum(present) <= high)
    days.objective.add("band_shortfall", -weight, list(days.band_shortfall.values()))


def add_day_capacity(days: DaysModel, facts: ScenarioFacts) -> None:
    """Never more people in on a day than the office has usable seats that day (caps applied,
    closed zones left out).

    People who must be in (bookings, sessions) come in even when a closure leaves fewer seats than
    them: the model stays feasible, and the checker reports those left without a desk.
    """
    for day in facts.days:
        present = _present(days, day)
        if present:
            room = max(facts.seats_on(day) - days.fixed.on.get(day, 0), _required_on(days, facts, day))
            days.model.add(cp_model.LinearExpr.sum(present) <= room)


def add_needs_capacity(days: DaysModel, facts: ScenarioFacts) -> None:
    """People who need a desk attribute never outnumber the open desks that have it, on any day."""
    for needs in facts.need_sets():
        needing = [p for p in days.people if needs <= set(facts.people[p].needs)]
        for day in facts.days:
            present = [days.attends[p, day] for p in needing if (p, day) in days.attends]
            room = facts.needs_desks_on(needs, day) - days.fixed.needs_on.get((needs, day), 0)
            room = max(room, _required_on(days, facts, day, needing))
            if len(present) > room:
                days.model.add(cp_model.LinearExpr.sum(present) <= room)


def add_team_gatherings(days: DaysModel, facts: ScenarioFacts) -> None:
    """gathers[team, day]: all available members are in; rewarded up to the team's wanted days."""
    weights = facts.scenario.policy.weights
    fixed_day: list[cp_model.IntVar] = []
    for team_key in _teams_of(days, facts):
        team = facts.teams[team_key]
        if team.overlap_days == 0:
            continue
        for week, week_days in facts.weeks.items():
            week_gathers = []
            for day in week_days:
                members = facts.available_members(team_key, day)
                if not members:
                    continue
                inside = [p for p in members if (p, day) in days.attends]
                if len(inside) < len(members) and not all(
                    (p, day) in days.fixed.in_office for p in members if (p, day) not in days.attends
                ):
                    continue  # a member outside the model stays home that day
                gathers = days.model.new_bool_var(f"gathers[{team_key},{day}]")
                for person in inside:
                    days.model.add_implication(gathers, days.attends[person, day])
                days.gathers[team_key, day] = gathers
                week_gathers.append(gathers)
                if is_fixed_team_day(team, day):
                    fixed_day.append(gathers)
            # More gathering days than wanted earn nothing, so the solver need not pick between them.
            if len(week_gathers) > team.overlap_days:
                days.model.add(cp_model.LinearExpr.sum(week_gathers) <= team.overlap_days)
            if week_gathers:
                at_all = days.model.new_bool_var(f"gathers_in_week[{team_key},{week}]")
                days.model.add_bool_or(week_gathers).only_enforce_if(at_all)
                days.gathers_in_week[team_key, week] = at_all
    days.objective.add("team_gatherings", weights.team_gathering, list(days.gathers_in_week.values()))
    days.objective.add("team_overlap_days", weights.team_overlap_day, list(days.gathers.values()))
    days.objective.add("fixed_team_days", weights.fixed_team_day, fixed_day)


def add_demand_peak(days: DaysModel, facts: ScenarioFacts) -> None:
    """peak[week] ≥ people in on each of its days; penalised to spread demand across the week."""
    weight = facts.scenario.policy.weights.demand_peak
    for week, week_days in facts.weeks.items():
        peak = days.model.new_int_var(0, len(facts.people), f"peak[{week}]")
        for day in week_days:
            fixed = days.fixed.on.get(day, 0)
            days.model.add(cp_model.LinearExpr.sum(_present(days, day)) + fixed <= peak)
        days.peak[week] = peak
    days.objective.add("demand_peak", -weight, list(days.peak.values()))


def add_utilisation_target(days: DaysModel, facts: ScenarioFacts) -> None:
    """over_target[day]: people beyond the policy's utilisation target of the usable seats."""
    policy = facts.scenario.policy
    for day in facts.days:
        target = utilisation_target(facts, day)
        present = _present(days, day)
        fixed = days.fixed.on.get(day, 0)
        excess = max(0, len(present) + fixed - target)
        if excess == 0:
            continue
        over = days.model.new_int_var(0, excess, f"over_target[{day}]")
        days.model.add(cp_model.LinearExpr.sum(present) + fixed - target <= over)
        days.over_target[day] = over
    days.objective.add("over_utilisation", -policy.weights.over_utilisation, list(days.over_target.values()))


def add_preferred_day_terms(days: DaysModel, facts: ScenarioFacts) -> None:
    """Reward each office day on one of the person's preferred weekdays; charge a little for each
    day off them (people with preferences only), so nobody comes in on other days for nothing."""
    weights = facts.scenario.policy.weights
    preferred, off = [], []
    for (person, day), var in days.attends.items():
        employee = facts.people[person]
        if prefers(employee, day):
            preferred.append(var)
        elif off_preference(employee, day):
            off.append(var)
    days.objective.add("preferred_days", weights.preferred_day, preferred)
    days.objective.add("off_preference_days", -weights.off_preference_day, off)


def attendance_of(days: DaysModel, solver: cp_model.CpSolver) -> dict[str, tuple[date, ...]]:
    """Person → office days in the solver's incumbent solution."""
    return days_by_key(key for key, var in days.attends.items() if solver.boolean_value(var))


def team_days_of(days: DaysModel, solver: cp_model.CpSolver) -> dict[str, tuple[date, ...]]:
    """Team → the days the solution gathers it."""
    return days_by_key(key for key, var in days.gathers.items() if solver.boolean_value(var))


@dataclass
class VariableValues:
    """A value for every stage-1 variable, derived from an attendance (a plan's office days)."""

    by_index: dict[int, int] = field(default_factory=dict)
    gathers: dict[tuple[str, date], bool] = field(default_factory=dict)

    def set(self, var: cp_model.IntVar, value: int) -> None:
        self.by_index[var.index] = value

    def of(self, var: cp_model.IntVar) -> int:
        return self.by_index[var.index]


def values_from_attendance(
    days: DaysModel, facts: ScenarioFacts, attendance: Mapping[str, tuple[date, ...]]
) -> VariableValues:
    """Value every variable as the objective would for this attendance (best gatherings counted)."""
    values = VariableValues()
    in_office = {(p, d) for p, ds in attendance.items() for d in ds}
    for key, var in days.attends.items():
        values.set(var, int(key in in_office))
    gathering = gathering_days(facts, in_office, _teams_of(days, facts))
    for key, var in days.gathers.items():
        values.set(var, int(key in gathering))
        values.gathers[key] = key in gathering
    weeks = gathering_weeks(gathering)
    for team_week, var in days.gathers_in_week.items():
        values.set(var, int(team_week in weeks))
    for (person, week), var in days.band_shortfall.items():
        values.set(var, band_shortfall(facts, person, week, in_office))
    present_on = dict.fromkeys(facts.days, 0)
    for _, day in in_office:
        if day in present_on:
            present_on[day] += 1
    for week, var in days.peak.items():
        values.set(var, max(present_on[d] for d in facts.weeks[week]))
    for day, var in days.over_target.items():
        values.set(var, max(0, present_on[day] - utilisation_target(facts, day)))
    return values


def add_complete_hint(days: DaysModel, values: VariableValues) -> None:
    """Hint every variable, so CP-SAT starts from that plan (complete hints warm-start far better)."""
    variables = [
        *days.attends.values(),
        *days.gathers.values(),
        *days.gathers_in_week.values(),
        *days.band_shortfall.values(),
        *days.peak.values(),
        *days.over_target.values(),
    ]
    for var in variables:
        days.model.add_hint(var, values.of(var))
