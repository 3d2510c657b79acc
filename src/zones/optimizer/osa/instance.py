"""Office Space Allocation (OSA) benchmark instances: data model and reader.

The file format is the Nottingham one (nott1b..e, SVe150): six ``Key: count``
header lines, then ``ENTITIES`` rows ``EID GID SPACE``, ``ROOMS`` rows
``RID FLOOR SPACE N_ADJ ADJ...`` and ``CONSTRAINTS`` rows ``CID TYPE HARD C1 C2``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from fractions import Fraction
from pathlib import Path
from typing import TypeAlias

__all__ = [
    "SOFT_PENALTY",
    "ConstraintType",
    "Entity",
    "OsaConstraint",
    "OsaFormatError",
    "OsaInstance",
    "Room",
    "read_instance",
]


class OsaFormatError(ValueError):
    """Raised when an OSA instance file cannot be read; names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")
        self.path = Path(path)
        self.line = line
        self.message = message


# Builds the error for a line (None: the whole file); the row parsers raise what it returns.
_Fail: TypeAlias = Callable[[int | None, str], OsaFormatError]


class ConstraintType(IntEnum):
    """Constraint kinds, numbered as in the instance files."""

    ALLOCATION = 0  # entity C1 must be in room C2
    NON_ALLOCATION = 1  # entity C1 must not be in room C2
    ONE_OF = 2  # not used by any published instance; rejected by the reader
    CAPACITY = 3  # room C1 must not be over-used
    SAME_ROOM = 4
    NOT_SAME_ROOM = 5
    NOT_SHARING = 6  # entity C1 is alone in its room; C2 is unused
    ADJACENCY = 7
    NEARBY = 8  # same floor
    AWAY_FROM = 9  # different floors

    @property
    def label(self) -> str:
        """Human-readable name, e.g. ``not sharing``."""
        return self.name.lower().replace("_", " ")


#: Penalty for each violated soft constraint (Landa-Silva & Burke; Ülker & Landa-Silva).
SOFT_PENALTY: dict[ConstraintType, int] = {
    ConstraintType.ALLOCATION: 20,
    ConstraintType.NON_ALLOCATION: 10,
    ConstraintType.ONE_OF: 10,
    ConstraintType.CAPACITY: 10,
    ConstraintType.SAME_ROOM: 10,
    ConstraintType.NOT_SAME_ROOM: 10,
    ConstraintType.NOT_SHARING: 50,
    ConstraintType.ADJACENCY: 10,
    ConstraintType.NEARBY: 10,
    ConstraintType.AWAY_FROM: 10,
}

# Which of C1/C2 name an entity or a room, per type; None means "unused".
_OPERANDS: dict[ConstraintType, tuple[str, str | None]] = {
    ConstraintType.ALLOCATION: ("entity", "room"),
    ConstraintType.NON_ALLOCATION: ("entity", "room"),
    ConstraintType.CAPACITY: ("room", None),
    ConstraintType.SAME_ROOM: ("entity", "entity"),
    ConstraintType.NOT_SAME_ROOM: ("entity", "entity"),
    ConstraintType.NOT_SHARING: ("entity", None),
    ConstraintType.ADJACENCY: ("entity", "entity"),
    ConstraintType.NEARBY: ("entity", "entity"),
    ConstraintType.AWAY_FROM: ("entity", "entity"),
}

_HEADER_KEYS = (
    "NoOfEntities",
    "NoOfRooms",
    "NoOfFloors",
    "NoOfConstraints",
    "NoOfHardConstraints",
    "NoOfSoftConstraints",
)
_SECTIONS = ("ENTITIES", "ROOMS", "CONSTRAINTS")


@dataclass(frozen=True, slots=True)
class Entity:
    """A person or resource needing ``space`` square metres."""

    id: int
    group: int
    space: Fraction


@dataclass(frozen=True, slots=True)
class Room:
    """A room with a capacity; ``adjacent`` lists neighbours as given in the file."""

    id: int
    floor: int
    space: Fraction
    adjacent: frozenset[int]

    def is_adjacent_to(self, other: int) -> bool:
        """Whether ``other`` is next to this room; a room is adjacent to itself."""
        return other == self.id or other in self.adjacent


@dataclass(frozen=True, slots=True)
class OsaConstraint:
    """One hard or soft constraint; see :class:`ConstraintType` for C1/C2."""

    id: int
    type: ConstraintType
    hard: bool
    c1: int
    c2: int

    @property
    def penalty(self) -> int:
        """Cost of violating this constraint when it is soft."""
        return SOFT_PENALTY[self.type]


@dataclass(frozen=True, slots=True)
class OsaInstance:
    """An immutable OSA instance; ids are kept as in the file."""

    name: str
    entities: tuple[Entity, ...]
    rooms: tuple[Room, ...]
    floors: int
    constraints: tuple[OsaConstraint, ...]

    @property
    def entity_by_id(self) -> dict[int, Entity]:
        """Entities keyed by id."""
        return {e.id: e for e in self.entities}

    @property
    def room_by_id(self) -> dict[int, Room]:
        """Rooms keyed by id."""
        return {r.id: r for r in self.rooms}

    @property
    def hard_constraints(self) -> tuple[OsaConstraint, ...]:
        """Constraints every solution must satisfy."""
        return tuple(c for c in self.constraints if c.hard)

    @property
    def soft_constraints(self) -> tuple[OsaConstraint, ...]:
        """Constraints whose violation costs :attr:`OsaConstraint.penalty`."""
        return tuple(c for c in self.constraints if not c.hard)

    @property
    def space_scale(self) -> int:
        """Smallest integer that makes every space integral (100 for two decimals)."""
        denominators = [e.space.denominator for e in self.entities]
        denominators += [r.space.denominator for r in self.rooms]
        return math.lcm(1, *denominators)


def read_instance(path: str | Path) -> OsaInstance:
    """Read an OSA instance file, checking counts and references against the header."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OsaFormatError(path, None, f"cannot read file: {exc.strerror or exc}") from exc
    return _parse(path, text)


def _parse(path: Path, text: str) -> OsaInstance:
    """Parse the text of ``path`` into an instance, failing on the first bad line."""
    header: dict[str, int] = {}
    rows: dict[str, list[tuple[int, list[str]]]] = {s: [] for s in _SECTIONS}
    section: str | None = None

    def fail(line: int | None, message: str) -> OsaFormatError:
        return OsaFormatError(path, line, message)

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line in _SECTIONS:
            section = line
            continue
        if section is None:
            key, sep, value = line.partition(":")
            if not sep or key.strip() not in _HEADER_KEYS:
                raise fail(lineno, f"expected a header line like 'NoOfEntities: 12', got {line!r}")
            try:
                header[key.strip()] = int(value)
            except ValueError:
                raise fail(lineno, f"header {key.strip()} needs an integer, got {value.strip()!r}") from None
            continue
        rows[section].append((lineno, line.split()))

    missing = [k for k in _HEADER_KEYS if k not in header]
    if missing:
        raise fail(None, f"header is missing {', '.join(missing)}")
    for name in _SECTIONS:
        if name not in text:
            raise fail(None, f"section {name} is missing")

    entities = tuple(_entity(fields, lineno, fail) for lineno, fields in rows["ENTITIES"])
    rooms = tuple(_room(fields, lineno, fail) for lineno, fields in rows["ROOMS"])
    constraints = tuple(_constraint(fields, lineno, fail) for lineno, fields in rows["CONSTRAINTS"])

    _check_count(header["NoOfEntities"], len(entities), "entities", fail)
    _check_count(header["NoOfRooms"], len(rooms), "rooms", fail)
    _check_count(header["NoOfConstraints"], len(constraints), "constraints", fail)
    _check_count(header["NoOfHardConstraints"], sum(c.hard for c in constraints), "hard constraints", fail)
    _check_count(
        header["NoOfSoftConstraints"], sum(not c.hard for c in constraints), "soft constraints", fail
    )

    _check_unique_ids(rows["ENTITIES"], [e.id for e in entities], "entity", fail)
    _check_unique_ids(rows["ROOMS"], [r.id for r in rooms], "room", fail)
    entity_ids = {e.id for e in entities}
    room_ids = {r.id for r in rooms}
    for (lineno, _), room in zip(rows["ROOMS"], rooms, strict=True):
        unknown = sorted(room.adjacent - room_ids)
        if unknown:
            raise fail(lineno, f"room {room.id} lists unknown adjacent room(s) {unknown}")
        if not 0 <= room.floor < header["NoOfFloors"]:
            raise fail(
                lineno, f"room {room.id} is on floor {room.floor}, header has {header['NoOfFloors']} floors"
            )
    known = {"entity": entity_ids, "room": room_ids}
    for (lineno, _), constraint in zip(rows["CONSTRAINTS"], constraints, strict=True):
        operands = (("C1", constraint.c1), ("C2", constraint.c2))
        for (field, operand), kind in zip(operands, _OPERANDS[constraint.type], strict=True):
            if kind is not None and operand not in known[kind]:
                raise fail(
                    lineno,
                    f"{constraint.type.label} constraint {constraint.id}: "
                    f"{field}={operand} is not a known {kind}",
                )

    return OsaInstance(
        name=path.stem,
        entities=entities,
        rooms=rooms,
        floors=header["NoOfFloors"],
        constraints=constraints,
    )


def _entity(fields: list[str], lineno: int, fail: _Fail) -> Entity:
    if len(fields) != 3:
        raise fail(lineno, f"entity row needs 'EID GID SPACE', got {len(fields)} fields")
    eid, gid = _ints(fields[:2], lineno, fail)
    return Entity(id=eid, group=gid, space=_space(fields[2], lineno, fail))


def _room(fields: list[str], lineno: int, fail: _Fail) -> Room:
    if len(fields) < 4:
        raise fail(lineno, f"room row needs 'RID FLOOR SPACE N_ADJ ADJ...', got {len(fields)} fields")
    rid, floor = _ints(fields[:2], lineno, fail)
    space = _space(fields[2], lineno, fail)
    (n_adj,) = _ints(fields[3:4], lineno, fail)
    adjacent = _ints(fields[4:], lineno, fail)
    if len(adjacent) != n_adj:
        raise fail(lineno, f"room {rid} announces {n_adj} adjacent rooms but lists {len(adjacent)}")
    return Room(id=rid, floor=floor, space=space, adjacent=frozenset(adjacent))


def _constraint(fields: list[str], lineno: int, fail: _Fail) -> OsaConstraint:
    if len(fields) != 5:
        raise fail(lineno, f"constraint row needs 'CID TYPE HARD C1 C2', got {len(fields)} fields")
    cid, ctype, hard, c1, c2 = _ints(fields, lineno, fail)
    try:
        kind = ConstraintType(ctype)
    except ValueError:
        raise fail(lineno, f"unknown constraint type {ctype}") from None
    if kind is ConstraintType.ONE_OF:
        raise fail(lineno, "one-of constraints (type 2) are not supported: their operands are undocumented")
    if hard not in (0, 1):
        raise fail(lineno, f"hardness must be 0 (soft) or 1 (hard), got {hard}")
    return OsaConstraint(id=cid, type=kind, hard=bool(hard), c1=c1, c2=c2)


def _ints(fields: list[str], lineno: int, fail: _Fail) -> list[int]:
    try:
        return [int(f) for f in fields]
    except ValueError:
        raise fail(lineno, f"expected integers, got {' '.join(fields)!r}") from None


def _space(field: str, lineno: int, fail: _Fail) -> Fraction:
    # Fraction of the decimal text, not of a float, so 18.3 stays exactly 183/10.
    try:
        value = Fraction(field)
    except (ValueError, ZeroDivisionError):
        raise fail(lineno, f"space must be a decimal number, got {field!r}") from None
    if value < 0:
        raise fail(lineno, f"space must not be negative, got {field}")
    return value


def _check_count(expected: int, got: int, what: str, fail: _Fail) -> None:
    if expected != got:
        raise fail(None, f"header announces {expected} {what} but the file has {got}")


def _check_unique_ids(rows: list[tuple[int, list[str]]], ids: list[int], what: str, fail: _Fail) -> None:
    seen: set[int] = set()
    for (lineno, _), ident in zip(rows, ids, strict=True):
        if ident in seen:
            raise fail(lineno, f"duplicate {what} id {ident}")
        seen.add(ident)
