"""Stage 3: a concrete desk for each person and day, and a room for each session.

Within a zone, desks differ only by their attributes, so a cheap greedy matching suffices: people
who need an attribute choose first, then people with the most days in the zone; each takes one desk
free on all their days there when one exists (the same desk all week), else the desk free on most of
them, and single free desks for the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from zones.optimizer.planning.facts import ScenarioFacts
from zones.optimizer.planning.spec import desk_fits


@dataclass
class DeskAssignment:
    """Stage-3 result: (person, day) → desk code, and how stable the desks are."""

    desk_of: dict[tuple[str, date], str | None] = field(default_factory=dict)
    desk_changes: int = 0
    """Office days not spent at the person's most-used desk (0 = everyone keeps one desk)."""
    unavoidable_changes: int = 0
    """Office days not spent in the person's most-used zone: no desk assignment can do better."""


def assign_desks(facts: ScenarioFacts, zone_of: Mapping[tuple[str, date], str | None]) -> DeskAssignment:
    """Match people to desks zone by zone, preferring the same desk across the person's days."""
    result = DeskAssignment()
    days_in_zone: dict[str, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for (person, day), zone in zone_of.items():
        booked = facts.booked.get((person, day))
        if booked is not None and booked in facts.desk_zone:
            result.desk_of[person, day] = booked  # existing bookings are kept exactly
        elif zone is None:
            result.desk_of[person, day] = None
        else:
            days_in_zone[zone][person].append(day)
    taken: dict[str, set[date]] = defaultdict(set)
    for (_, day), desk in facts.booked.items():
        taken[desk].add(day)
    for zone_key in sorted(days_in_zone):
        _assign_zone(facts, zone_key, days_in_zone[zone_key], taken, result)
    result.desk_changes, result.unavoidable_changes = desk_stability_counts(facts, zone_of, result.desk_of)
    return result


def _assign_zone(
    facts: ScenarioFacts,
    zone_key: str,
    people: Mapping[str, list[date]],
    taken: dict[str, set[date]],
    result: DeskAssignment,
) -> None:
    desks = facts.zones[zone_key].desks

    def fits(person: str, code: str) -> bool:
        return desk_fits(facts.people[person].needs, facts.desks[code])

    def spare_attributes(person: str, code: str) -> int:
        # Desks with attributes the person does not need are kept for those who do.
        return len(set(facts.desks[code].attributes) - set(facts.people[person].needs))

    order = sorted(people, key=lambda p: (not facts.people[p].needs, -len(people[p]), p))
    for person in order:
        days = people[person]
        candidates = [d.code for d in desks if fits(person, d.code)]
        best = max(
            candidates,
            key=lambda code: (
                sum(1 for day in days if day not in taken[code]),
                -spare_attributes(person, code),
                # Among desks free on all days, the one with fewest other free days packs best.
                len(taken[code]),
            ),
            default=None,
        )
        for day in days:
            code = best if best is not None and day not in taken[best] else None
            if code is None:
                free = [c for c in candidates if day not in taken[c]]
                code = min(free, key=lambda c: (spare_attributes(person, c), c), default=None)
            result.desk_of[person, day] = code
            if code is not None:
                taken[code].add(day)


def desk_stability_counts(
    facts: ScenarioFacts,
    zone_of: Mapping[tuple[str, date], str | None],
    desk_of: Mapping[tuple[str, date], str | None],
) -> tuple[int, int]:
    """(desk changes, changes forced by the zones) summed over people; the second bounds the first."""
    desks: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    zones: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for (person, day), desk in desk_of.items():
        desks[person][desk] += 1
        zones[person][zone_of.get((person, day))] += 1
    changes = sum(sum(c.values()) - max(c.values()) for c in desks.values())
    forced = sum(sum(c.values()) - max(c.values()) for c in zones.values())
    return changes, forced


def assign_rooms(facts: ScenarioFacts) -> dict[str, str | None]:
    """Give each session the smallest free room that holds it, biggest sessions first; rooms in a
    zone closed that day are not free.

    Rooms are nested by capacity (a session fits every room at least its size), so this greedy
    seats as many sessions as any assignment could.
    """
    rooms = [(zone.key, room) for zone in facts.zones.values() for room in zone.rooms]
    used: set[tuple[str, date]] = set()
    result: dict[str, str | None] = {}
    for session in sorted(facts.scenario.sessions, key=lambda s: (s.day, -s.size, s.key)):
        fitting = sorted(
            (
                r
                for zone, r in rooms
                if r.capacity >= session.size
                and (r.code, session.day) not in used
                and facts.zone_open(zone, session.day)
            ),
            key=lambda r: (r.capacity, r.code),
        )
        room = fitting[0].code if fitting else None
        result[session.key] = room
        if room is not None:
            used.add((room, session.day))
    return result
