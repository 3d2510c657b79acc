"""A Hypothesis state machine books, cancels, moves, checks in and releases at random, and after
every step checks that no desk and no person holds two active bookings for one slot."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from uuid import UUID

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import text

from booking_support import START, build_world, weekday
from conftest import clear_tables
from zones.bookings.desks import DeskBookings, release_no_shows
from zones.db import create_database
from zones.errors import ZonesError
from zones.models import Period

PEOPLE = ["ann", "bob", "eve", "planner"]
DESKS = ["C1-01", "C1-02", "C1-03"]
DAYS = [weekday(1), weekday(2), weekday(3)]
PERIODS = list(Period)


def test_bookings_never_overlap_whatever_happens(migrated_url: str) -> None:
    with asyncio.Runner() as runner:
        database = create_database(migrated_url)
        runner.run(clear_tables(database))
        world = runner.run(build_world(database))
        outcomes: Counter[str] = Counter()

        class Bookings(RuleBasedStateMachine):
            bookings = Bundle("bookings")

            def __init__(self) -> None:
                super().__init__()
                world.clock.now = START
                runner.run(self._reset())

            async def _reset(self) -> None:
                async with database.write_session() as session:
                    for table in ("desk_slot", "booking", "booking_series"):
                        await session.execute(text(f"DELETE FROM {table}"))

            def _do(self, who: str, action):  # type: ignore[no-untyped-def]
                async def run():  # type: ignore[no-untyped-def]
                    async with database.write_session() as session:
                        return await action(DeskBookings(world.context(session, who)))

                try:
                    return runner.run(run())
                except ZonesError:
                    return None

            @rule(
                target=bookings,
                who=st.sampled_from(PEOPLE),
                desk=st.sampled_from(DESKS),
                day=st.sampled_from(DAYS),
                period=st.sampled_from(PERIODS),
            )
            def book(self, who: str, desk: str, day, period: Period):  # type: ignore[no-untyped-def]
                booking = self._do(who, lambda b: b.book(world.desk(desk), day, period))
                outcomes["booked" if booking else "refused"] += 1
                return booking.id if booking is not None else None

            @rule(booking=bookings)
            def cancel(self, booking: UUID | None) -> None:
                if booking is not None:
                    self._do("planner", lambda b: b.cancel(booking))

            @rule(
                booking=bookings,
                desk=st.sampled_from(DESKS),
                day=st.sampled_from(DAYS),
                period=st.sampled_from(PERIODS),
            )
            def move(self, booking: UUID | None, desk: str, day, period: Period) -> None:  # type: ignore[no-untyped-def]
                if booking is not None:
                    self._do("planner", lambda b: b.move(booking, world.desk(desk), day, period))

            @rule(booking=bookings)
            def check_in(self, booking: UUID | None) -> None:
                if booking is not None:
                    self._do("planner", lambda b: b.check_in(booking))

            @rule(minutes=st.integers(min_value=10, max_value=600))
            def time_passes_and_no_shows_are_released(self, minutes: int) -> None:
                world.clock.now = min(world.clock.now + timedelta(minutes=minutes), START + timedelta(days=3))

                async def release() -> None:
                    async with database.write_session() as session:
                        await release_no_shows(session, world.clock(), world.calendar)

                runner.run(release())

            @invariant()
            def no_desk_or_person_is_double_booked(self) -> None:
                runner.run(self._check())

            async def _check(self) -> None:
                async with database.read_session() as session:
                    bookings = list(
                        (
                            await session.execute(
                                text("SELECT id, desk_id, employee_id, day, period, status FROM booking")
                            )
                        ).all()
                    )
                    slots = list(
                        (
                            await session.execute(
                                text("SELECT booking_id, desk_id, employee_id, day, half FROM desk_slot")
                            )
                        ).all()
                    )
                desk_halves: set[tuple[object, object, str]] = set()
                person_halves: set[tuple[object, object, str]] = set()
                slots_of: dict[object, set[tuple[object, object, object, str]]] = {}
                for slot in slots:
                    slots_of.setdefault(slot.booking_id, set()).add(
                        (slot.desk_id, slot.employee_id, slot.day, slot.half)
                    )
                for booking in bookings:
                    active = booking.status in ("booked", "checked_in")
                    held = slots_of.get(booking.id, set())
                    expected = (
                        {
                            (booking.desk_id, booking.employee_id, booking.day, half.value)
                            for half in Period(booking.period).halves
                        }
                        if active
                        else set()
                    )
                    assert held == expected, f"slots of {booking.id} disagree with its status and period"
                    if active:
                        for half in Period(booking.period).halves:
                            desk_key = (booking.desk_id, booking.day, half.value)
                            person_key = (booking.employee_id, booking.day, half.value)
                            assert desk_key not in desk_halves, "a desk is double-booked"
                            assert person_key not in person_halves, "a person holds two desks at once"
                            desk_halves.add(desk_key)
                            person_halves.add(person_key)

        run_state_machine_as_test(
            Bookings,
            settings=settings(
                max_examples=25,
                stateful_step_count=25,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
        runner.run(clear_tables(database))
        runner.run(database.dispose())
        # The machine must really have exercised both paths, not just stood still.
        assert outcomes["booked"] > 20 and outcomes["refused"] > 0, outcomes
