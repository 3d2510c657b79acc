"""Desk booking rules, on SQLite and PostgreSQL: each refusal names its rule and offers a way out."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from booking_support import MONDAY, World, as_, build_world, weekday
from zones.bookings.desks import DeskBookings, release_no_shows
from zones.db import Database
from zones.errors import Forbidden, NotFound, RuleRefused, ZonesError
from zones.models import Booking, BookingStatus, DeskSlot, Period, Zone


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


async def book(world: World, who: str, code: str, day: date, period: Period = Period.FULL, **kw):  # type: ignore[no-untyped-def]
    return await as_(world, who, lambda ctx: DeskBookings(ctx).book(world.desk(code), day, period, **kw))


async def refusal(
    world: World, who: str, code: str, day: date, period: Period = Period.FULL, **kw
) -> ZonesError:  # type: ignore[no-untyped-def]
    with pytest.raises(ZonesError) as caught:
        await book(world, who, code, day, period, **kw)
    return caught.value


async def test_booking_a_full_day_holds_both_halves(world: World) -> None:
    booking = await book(world, "ann", "Q1-03", weekday(1))
    assert booking.status is BookingStatus.BOOKED
    async with world.db.read_session() as session:
        halves = set(await session.scalars(select(DeskSlot.half).where(DeskSlot.booking_id == booking.id)))
    assert halves == {"am", "pm"}
    # Times come from the site's office hours in Copenhagen (UTC+1 in winter).
    assert booking.starts_at.hour == 7 and booking.ends_at.hour == 16


async def test_second_booking_of_same_desk_and_slot_is_refused_with_nearest_free_desks(world: World) -> None:
    await book(world, "ann", "Q1-06", weekday(1))
    error = await refusal(world, "bob", "Q1-06", weekday(1), Period.MORNING)
    assert (type(error), error.code, error.clash) == (RuleRefused, "desk-taken", True)
    codes = [alt["code"] for alt in error.extra["alternatives"]]
    assert codes[0] in {"Q1-02", "Q1-05", "Q1-07", "Q1-10"}, "a neighbour of Q1-06 comes first"
    distances = [alt["distance_m"] for alt in error.extra["alternatives"]]
    assert distances == sorted(distances)
    # What a page needs to say it in another language: a stable sentence id and its values.
    assert error.message_id == "desk-taken.with-alternatives"
    assert error.params == {"desk": "Q1-06", "day": str(weekday(1)), "period": "morning"}


async def test_morning_and_afternoon_of_one_desk_go_to_two_people(world: World) -> None:
    await book(world, "ann", "Q1-03", weekday(2), Period.MORNING)
    afternoon = await book(world, "bob", "Q1-03", weekday(2), Period.AFTERNOON)
    assert afternoon.starts_at.hour == 11  # 12:00 in Copenhagen


async def test_one_person_cannot_hold_two_desks_in_one_slot(world: World) -> None:
    await book(world, "ann", "Q1-03", weekday(2), Period.AFTERNOON)
    error = await refusal(world, "ann", "Q1-04", weekday(2))
    assert (type(error), error.code, error.clash) == (RuleRefused, "already-booked", True)
    assert "existing_booking_id" in error.extra


async def test_weekends_are_not_working_days(world: World) -> None:
    error = await refusal(world, "ann", "Q1-03", weekday(5))
    assert (type(error), error.code, error.clash) == (RuleRefused, "not-a-working-day", False)


async def test_bookings_beyond_the_horizon_say_when_they_open(world: World) -> None:
    error = await refusal(world, "ann", "Q1-03", weekday(22))  # demo horizon: 21 days
    assert (type(error), error.code, error.clash) == (RuleRefused, "beyond-horizon", False)
    assert error.extra["last_bookable_day"] == weekday(21).isoformat()
    assert error.extra["bookable_from"] == weekday(1).isoformat()


async def test_days_that_are_over_cannot_be_booked(world: World) -> None:
    error = await refusal(world, "ann", "Q1-03", weekday(-3))
    assert error.code == "in-the-past"
    world.clock.set_local(MONDAY, 13)
    error = await refusal(world, "ann", "Q1-03", MONDAY, Period.MORNING)
    assert error.code == "in-the-past"
    assert (await book(world, "ann", "Q1-03", MONDAY, Period.AFTERNOON)).period is Period.AFTERNOON


async def test_weekly_office_days_are_capped_by_the_band_and_pro_rated(world: World) -> None:
    for offset, code in enumerate(["Q1-01", "Q1-02", "Q1-03"], 1):  # Tue, Wed, Thu: 60 % of 5 days
        await book(world, "ann", code, weekday(offset))
    error = await refusal(world, "ann", "Q1-04", weekday(4))
    assert (type(error), error.code, error.clash) == (RuleRefused, "attendance-cap", True)
    assert error.extra["weekly_cap"] == 3
    assert len(error.extra["booked_days"]) == 3
    # A second half-day on a day already counted is still one office day.
    assert (await book(world, "bob", "Q1-05", weekday(1), Period.MORNING)).day == weekday(1)
    # Part-time at 0.8: 0.6 × 5 × 0.8 = 2.4, so two days.
    await book(world, "part_timer", "Q1-07", weekday(1))
    await book(world, "part_timer", "Q1-07", weekday(2))
    assert (await refusal(world, "part_timer", "Q1-07", weekday(3))).extra["weekly_cap"] == 2
    # The next week starts afresh.
    assert (await book(world, "ann", "Q1-04", weekday(7))).day == weekday(7)


async def test_accessible_desks_are_held_for_people_who_need_them(world: World) -> None:
    error = await refusal(world, "ann", "Q1-16", weekday(10))
    assert (type(error), error.code, error.clash) == (RuleRefused, "accessible-desk-held", False)
    assert error.extra["released_on"] == weekday(8).isoformat()  # policy: 2 days before
    assert (await book(world, "needs_access", "Q1-16", weekday(10))).day == weekday(10)
    assert (await book(world, "ann", "Q1-16", weekday(2))).day == weekday(2)


async def test_zone_occupancy_cap_is_respected(world: World) -> None:
    async with world.db.write_session() as session:
        zone = await session.get_one(Zone, world.zones["1-quiet"].id)
        zone.occupancy_cap = 1
    await book(world, "ann", "Q1-01", weekday(3))
    error = await refusal(world, "bob", "Q1-09", weekday(3))
    assert (type(error), error.code, error.clash) == (RuleRefused, "zone-full", True)
    assert {alt["name"] for alt in error.extra["alternatives"]} == {"Quiet zone · harbour side"}


async def test_only_planners_book_on_behalf_of_others(world: World) -> None:
    bob = world.people["bob"].employee_id
    error = await refusal(world, "ann", "Q1-03", weekday(1), employee_id=bob)
    assert (type(error), error.code) == (Forbidden, "forbidden")
    booking = await book(world, "planner", "Q1-03", weekday(1), employee_id=bob)
    assert booking.employee_id == bob
    assert booking.created_by_id == world.people["planner"].employee_id


async def test_cancel_frees_the_desk_and_is_idempotent(world: World) -> None:
    booking = await book(world, "ann", "Q1-03", weekday(1))
    cancelled = await as_(world, "ann", lambda ctx: DeskBookings(ctx).cancel(booking.id))
    assert (cancelled.status, cancelled.sequence) == (BookingStatus.CANCELLED, 1)
    again = await as_(world, "ann", lambda ctx: DeskBookings(ctx).cancel(booking.id))
    assert again.sequence == 1
    assert (await book(world, "bob", "Q1-03", weekday(1))).desk_id == world.desk("Q1-03")


async def test_someone_elses_booking_is_invisible_to_an_employee(world: World) -> None:
    booking = await book(world, "ann", "Q1-03", weekday(1))
    with pytest.raises(ZonesError) as caught:
        await as_(world, "bob", lambda ctx: DeskBookings(ctx).cancel(booking.id))
    assert isinstance(caught.value, NotFound)
    assert (
        await as_(world, "planner", lambda ctx: DeskBookings(ctx).cancel(booking.id))
    ).status is BookingStatus.CANCELLED


async def test_move_changes_desk_and_day_in_one_step(world: World) -> None:
    booking = await book(world, "ann", "Q1-03", weekday(1))
    moved = await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).move(booking.id, world.desk("Q2-01"), weekday(2))
    )
    assert (moved.day, moved.desk_id, moved.sequence) == (weekday(2), world.desk("Q2-01"), 1)
    assert (await book(world, "bob", "Q1-03", weekday(1))).day == weekday(1), "the old desk is free again"


async def test_a_move_into_a_conflict_leaves_the_booking_as_it_was(world: World) -> None:
    booking = await book(world, "ann", "Q1-03", weekday(1))
    await book(world, "bob", "Q1-04", weekday(2))
    with pytest.raises(ZonesError) as caught:
        await as_(
            world, "ann", lambda ctx: DeskBookings(ctx).move(booking.id, world.desk("Q1-04"), weekday(2))
        )
    assert caught.value.code == "desk-taken"
    async with world.db.read_session() as session:
        stored = await session.get_one(Booking, booking.id)
        slots = (
            await session.execute(
                select(DeskSlot.desk_id, DeskSlot.day).where(DeskSlot.booking_id == booking.id)
            )
        ).all()
    assert (stored.desk_id, stored.day, stored.sequence) == (world.desk("Q1-03"), weekday(1), 0)
    assert set(slots) == {(world.desk("Q1-03"), weekday(1))}


async def test_check_in_only_within_the_window(world: World) -> None:
    booking = await book(world, "ann", "Q1-03", weekday(1))
    world.clock.set_local(weekday(1), 7, 0)
    with pytest.raises(ZonesError) as caught:
        await as_(world, "ann", lambda ctx: DeskBookings(ctx).check_in(booking.id))
    assert caught.value.code == "check-in-not-open"
    assert "07:30" in caught.value.detail
    world.clock.set_local(weekday(1), 8, 40)
    checked = await as_(world, "ann", lambda ctx: DeskBookings(ctx).check_in(booking.id))
    assert checked.status is BookingStatus.CHECKED_IN
    late = await book(world, "bob", "Q1-04", weekday(2))
    world.clock.set_local(weekday(2), 9, 1)
    with pytest.raises(ZonesError) as caught:
        await as_(world, "bob", lambda ctx: DeskBookings(ctx).check_in(late.id))
    assert caught.value.code == "check-in-closed"


async def test_no_shows_are_released_once_and_checked_in_people_keep_their_desk(world: World) -> None:
    no_show = await book(world, "ann", "Q1-03", weekday(1))
    present = await book(world, "bob", "Q1-04", weekday(1))
    world.clock.set_local(weekday(1), 8, 30)
    await as_(world, "bob", lambda ctx: DeskBookings(ctx).check_in(present.id))
    world.clock.set_local(weekday(1), 9, 0)
    async with world.db.write_session() as session:
        released = await release_no_shows(session, world.clock(), world.calendar)
    assert [b.id for b in released] == [no_show.id]
    async with world.db.write_session() as session:
        assert await release_no_shows(session, world.clock(), world.calendar) == []
        stored = await session.get_one(Booking, no_show.id)
        slots = await session.scalar(
            select(func.count()).select_from(DeskSlot).where(DeskSlot.booking_id == no_show.id)
        )
    assert (stored.status, stored.sequence, slots) == (BookingStatus.RELEASED, 1, 0)
    # The freed desk can be booked again the same morning; the walk-in gets an hour from booking.
    walk_in = await book(world, "eve", "Q1-03", weekday(1))
    assert walk_in.check_in_by == world.clock().replace(hour=world.clock().hour + 1)


async def test_a_weekly_series_books_each_day_and_reports_each_conflict(world: World) -> None:
    await book(world, "bob", "Q1-03", weekday(8))  # Tuesday of the second week
    outcome = await as_(
        world,
        "ann",
        lambda ctx: DeskBookings(ctx).book_series(
            world.desk("Q1-03"), [2, 4], weekday(1), weekday(24), Period.FULL
        ),
    )
    booked = sorted(b.day for b in outcome.booked)
    conflicts = {day: error.code for day, error in outcome.conflicts}
    assert booked == [weekday(1), weekday(3), weekday(10), weekday(15), weekday(17)]
    assert conflicts == {
        weekday(8): "desk-taken",
        weekday(22): "beyond-horizon",
        weekday(24): "beyond-horizon",
    }
    assert {b.series_id for b in outcome.booked} == {outcome.series.id}


@pytest.mark.parametrize("share", [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
def test_the_weekly_cap_lets_people_book_what_the_planner_plans_for_them(share: float) -> None:
    """A plan never sends anyone in more days than they may book (a 60 % part-timer: 2 days)."""
    from types import SimpleNamespace

    from zones.bookings.rules import weekly_day_cap
    from zones.optimizer.planning.scenario import PlanningPolicy
    from zones.optimizer.planning.spec import attendance_band

    site = SimpleNamespace(working_days=[0, 1, 2, 3, 4])
    policy = SimpleNamespace(attendance_min_share=0.4, attendance_max_share=0.6)
    employee = SimpleNamespace(contracted_share=share)
    _, planned_most = attendance_band(PlanningPolicy(), share, 5)
    assert weekly_day_cap(site, policy, employee) == max(1, planned_most)  # type: ignore[arg-type]
