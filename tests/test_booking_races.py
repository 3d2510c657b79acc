"""Concurrent requests for one desk, one person or one room: exactly one wins, on both databases.

The friendly checks before the insert are switched off here, so only the database's constraints
stand between the racers; a barrier releases them all at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select

from booking_support import World, build_world, weekday
from zones.auth import Principal
from zones.bookings import queries
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings
from zones.bookings.rooms import RoomBookings
from zones.db import Database
from zones.errors import RuleRefused, ZonesError
from zones.models import Booking, DeskSlot, Employee, Period, Role, RoomBooking, RoomBookingStatus, Zone

RACERS = 16


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


@pytest.fixture
def no_prechecks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blind the checks before the insert and widen the race window, leaving only what the database
    enforces: the unique keys of the slots, and the caps re-checked inside the booking's INSERT."""
    read_facts = queries.booking_facts

    async def facts_seeing_nothing_booked(*args: Any, **kwargs: Any) -> Any:
        facts = await read_facts(*args, **kwargs)
        await asyncio.sleep(0.02)
        if not isinstance(facts, queries.BookingFacts):
            return facts
        return replace(facts, other_days=0, desk_taken=False, own_booking_id=None)

    async def pass_after_a_pause(*_: Any, **__: Any) -> None:
        await asyncio.sleep(0.02)

    monkeypatch.setattr(queries, "booking_facts", facts_seeing_nothing_booked)
    monkeypatch.setattr(RoomBookings, "_check_free", pass_after_a_pause)


async def _racers(world: World, count: int) -> list[Principal]:
    async with world.db.read_session() as session:
        people = await session.scalars(
            select(Employee).where(Employee.role == Role.EMPLOYEE).order_by(Employee.email).limit(count)
        )
        return [Principal.of(p) for p in people]


async def _race(world: World, attempts: list[tuple[Principal, Any]]) -> list[Any]:
    barrier = asyncio.Barrier(len(attempts))

    async def attempt(actor: Principal, action: Any) -> Any:
        await barrier.wait()
        try:
            async with world.db.write_session() as session:
                return await action(BookingContext(session, actor, world.clock, world.calendar))
        except ZonesError as error:
            return error

    return await asyncio.gather(*(attempt(actor, action) for actor, action in attempts))


async def test_many_people_racing_for_one_desk_and_slot_give_exactly_one_booking(
    world: World, no_prechecks: None
) -> None:
    desk, day = world.desk("C1-05"), weekday(2)
    racers = await _racers(world, RACERS)
    results = await _race(
        world, [(p, lambda ctx: DeskBookings(ctx).book(desk, day, Period.FULL)) for p in racers]
    )
    winners = [r for r in results if not isinstance(r, ZonesError)]
    losers = [r for r in results if isinstance(r, ZonesError)]
    assert len(winners) == 1
    assert {(type(e), e.code) for e in losers} == {(RuleRefused, "desk-taken")}
    async with world.db.read_session() as session:
        held = await session.scalar(
            select(func.count()).select_from(DeskSlot).where(DeskSlot.desk_id == desk)
        )
    assert held == 2  # one booking, both halves


async def test_half_day_racers_for_one_desk_never_overlap(world: World, no_prechecks: None) -> None:
    desk, day = world.desk("C1-06"), weekday(3)
    racers = await _racers(world, RACERS)
    periods = [Period.FULL, Period.MORNING, Period.AFTERNOON]
    results = await _race(
        world,
        [
            (p, lambda ctx, i=i: DeskBookings(ctx).book(desk, day, periods[i % 3]))
            for i, p in enumerate(racers)
        ],
    )
    won = sorted(r.period.value for r in results if not isinstance(r, ZonesError))
    assert won in (["full"], ["afternoon", "morning"]), won


async def test_one_person_racing_for_many_desks_gets_exactly_one(world: World, no_prechecks: None) -> None:
    ann = world.people["ann"]
    codes = [f"C1-{n:02d}" for n in range(1, 13)]
    results = await _race(
        world,
        [
            (ann, lambda ctx, c=c: DeskBookings(ctx).book(world.desk(c), weekday(4), Period.FULL))
            for c in codes
        ],
    )
    assert sum(1 for r in results if not isinstance(r, ZonesError)) == 1
    assert {r.code for r in results if isinstance(r, ZonesError)} == {"already-booked"}


async def test_one_person_racing_for_every_day_of_a_week_gets_only_the_weekly_cap(
    world: World, no_prechecks: None
) -> None:
    ann = world.people["ann"]
    days = [weekday(offset) for offset in range(7, 12)]  # Monday to Friday of the next week
    codes = [f"C1-{n:02d}" for n in range(1, 6)]
    results = await _race(
        world,
        [
            (ann, lambda ctx, c=c, d=d: DeskBookings(ctx).book(world.desk(c), d, Period.FULL))
            for c, d in zip(codes, days, strict=True)
        ],
    )
    async with world.db.read_session() as session:
        kept = await session.scalar(
            select(func.count(Booking.day.distinct())).where(Booking.employee_id == ann.employee_id)
        )
    won = [r for r in results if not isinstance(r, ZonesError)]
    assert len(won) == kept == 3, results  # 60 % of five working days
    assert {r.code for r in results if isinstance(r, ZonesError)} == {"attendance-cap"}


async def test_racers_for_a_capped_zone_never_exceed_its_cap(world: World, no_prechecks: None) -> None:
    async with world.db.write_session() as session:
        zone = await session.get_one(Zone, world.desks["C1-01"].zone_id)
        zone.occupancy_cap = 2
    racers = await _racers(world, 8)
    day = weekday(8)
    results = await _race(
        world,
        [
            (p, lambda ctx, i=i: DeskBookings(ctx).book(world.desk(f"C1-{i + 1:02d}"), day, Period.FULL))
            for i, p in enumerate(racers)
        ],
    )
    async with world.db.read_session() as session:
        held = await session.scalar(
            select(func.count(DeskSlot.desk_id.distinct()))
            .join(Booking, Booking.id == DeskSlot.booking_id)
            .where(DeskSlot.day == day, Booking.desk_id.in_([world.desk(f"C1-{i:02d}") for i in range(1, 9)]))
        )
    assert held == 2
    assert sum(1 for r in results if not isinstance(r, ZonesError)) == 2
    assert {r.code for r in results if isinstance(r, ZonesError)} == {"zone-full"}


async def test_racing_for_one_room_gives_one_booking_per_time(world: World, no_prechecks: None) -> None:
    room = world.rooms["W-HAVNEN"].id
    racers = await _racers(world, 10)
    base = datetime(2026, 12, 3, 9, 0)

    def action(i: int) -> Any:
        start = base + timedelta(minutes=15 * i)  # every range overlaps its neighbours
        return lambda ctx: RoomBookings(ctx).book(room, f"Race {i}", start, start + timedelta(hours=1), [])

    results = await _race(world, [(p, action(i)) for i, p in enumerate(racers)])
    async with world.db.read_session() as session:
        kept = list(
            await session.scalars(
                select(RoomBooking)
                .where(RoomBooking.room_id == room, RoomBooking.status == RoomBookingStatus.BOOKED)
                .order_by(RoomBooking.starts_at)
            )
        )
    assert kept, "someone must win"
    for first, second in pairwise(kept):
        assert first.ends_at <= second.starts_at, "no two kept bookings overlap"
    assert {e.code for e in results if isinstance(e, ZonesError)} <= {"room-taken"}
    assert kept[0].starts_at.tzinfo is not None and kept[0].starts_at >= base.replace(tzinfo=UTC) - timedelta(
        hours=2
    )
