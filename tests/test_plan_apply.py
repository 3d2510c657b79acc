"""Applying a plan: a dry run that writes nothing, bookings marked with the plan and one invite each
in one transaction, existing bookings winning, conflicts refusing the whole apply (or skipped on
request), closed days skipped, the outcome after people changed their bookings, roles, a race with a
hand booking of the same desk, and the command line.

Plans are stored directly (a plan row and its seats), so these tests never wait for the solver.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner
from httpx import AsyncClient
from litestar.testing import AsyncTestClient
from sqlalchemy import event, func, select

from booking_support import START, World, as_, build_world
from zones.auth import Principal
from zones.bookings import queries
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings
from zones.cli import main
from zones.closures import service as closures
from zones.db import Database, create_database
from zones.errors import Conflict, RuleRefused, ZonesError
from zones.models import (
    Booking,
    BookingStatus,
    Desk,
    DeskSlot,
    Employee,
    OutboxMessage,
    Period,
    Plan,
    PlanSeat,
    PlanStatus,
    Role,
    Site,
)
from zones.plans import apply
from zones.server.app import create_app
from zones.settings import Settings

PROBLEM = "application/problem+json"
MONDAY = date(2026, 12, 7)  # the week after the test clock's (Monday 30 November 2026, 08:00)
TUESDAY, WEDNESDAY, THURSDAY = (MONDAY + timedelta(days=n) for n in (1, 2, 3))
CHRISTMAS = date(2026, 12, 25)  # Juledag, a Danish public holiday


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


@dataclass
class Api:
    world: World
    client: AsyncClient

    async def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        return await self.client.request(method, path, headers=self.world.headers(who), **kwargs)

    async def apply(self, plan_id: UUID, who: str = "planner", **params: str) -> Any:
        return await self.call(who, "POST", f"/plans/{plan_id}/apply", params=params)


@pytest.fixture
async def api(world: World, db: Database) -> AsyncIterator[Api]:
    app = create_app(
        Settings(database_url=db.engine.url.render_as_string(hide_password=False), release_interval_s=0),
        clock=world.clock,
    )
    async with AsyncTestClient(app) as client:
        yield Api(world, client)


# --- plans stored without the solver ---------------------------------------------------------------

Seat = tuple[UUID, str, date]
"""A planned seat: the person, the desk's code, the day."""


async def store_plan(
    world: World,
    seats: Sequence[Seat],
    *,
    status: PlanStatus = PlanStatus.DONE,
    best_found: bool = False,
    kpis: dict[str, Any] | None = None,
) -> UUID:
    """A finished plan of whole ISO weeks with `seats`, as the planner stores one."""
    days = [day for _, _, day in seats] or [MONDAY]
    first, last = min(days), max(days)
    async with world.db.write_session() as session:
        plan = Plan(
            site_id=world.site.id,
            created_by_id=world.people["planner"].employee_id,
            starts_on=first - timedelta(days=first.weekday()),
            ends_on=last + timedelta(days=4 - last.weekday()),
            status=status,
            best_found=best_found,
            time_limit_s=10.0,
            progress={},
            kpis=kpis or {},
            flags=[],
            violations=[],
        )
        session.add(plan)
        await session.flush()
        for person, code, day in seats:
            desk = world.desks[code]
            session.add(
                PlanSeat(
                    plan_id=plan.id,
                    employee_id=person,
                    day=day,
                    zone_id=desk.zone_id,
                    desk_id=desk.id,
                    activity="flex",
                )
            )
        return plan.id


async def staff(world: World, count: int) -> list[UUID]:
    """Full-time employees without special needs, other than the world's named people."""
    named = {p.employee_id for p in world.people.values()}
    async with world.db.read_session() as session:
        people = await session.scalars(
            select(Employee)
            .where(Employee.role == Role.EMPLOYEE, Employee.contracted_share == 1.0)
            .order_by(Employee.email)
        )
        chosen = [p.id for p in people if not p.needs and p.id not in named]
    assert len(chosen) >= count
    return chosen[:count]


def plain_desks(world: World, count: int) -> list[str]:
    """Bookable desks that are not accessible (those are held for people who need them)."""
    codes = sorted(
        code for code, desk in world.desks.items() if desk.bookable and "accessible" not in desk.attributes
    )
    assert len(codes) >= count
    return codes[:count]


def who(world: World, name: str) -> UUID:
    return world.people[name].employee_id


async def book(world: World, name: str, code: str, day: date) -> Any:
    return await as_(world, name, lambda ctx: DeskBookings(ctx).book(world.desk(code), day, Period.FULL))


async def plan_bookings(world: World, plan_id: UUID) -> list[Booking]:
    async with world.db.read_session() as session:
        return list(
            await session.scalars(select(Booking).where(Booking.plan_id == plan_id).order_by(Booking.day))
        )


async def count(world: World, model: Any) -> int:
    async with world.db.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def stored(world: World, plan_id: UUID) -> Plan:
    async with world.db.read_session() as session:
        return await session.get_one(Plan, plan_id)


# --- dry run and apply -----------------------------------------------------------------------------


async def test_a_dry_run_lists_what_would_be_booked_kept_and_refused_and_writes_nothing(api: Api) -> None:
    world = api.world
    await book(world, "ann", "Q1-03", TUESDAY)  # ann's own booking that day wins
    await book(world, "eve", "C1-03", WEDNESDAY)  # eve holds the desk the plan gives bob
    plan_id = await store_plan(
        world,
        [
            (who(world, "ann"), "C1-01", TUESDAY),
            (who(world, "bob"), "C1-02", TUESDAY),
            (who(world, "bob"), "C1-03", WEDNESDAY),
        ],
    )
    bookings, invites = await count(world, Booking), await count(world, OutboxMessage)
    answer = await api.apply(plan_id, dry_run="true")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["dry_run"] is True and report["applied"] is False
    assert report["counts"] == {
        "planned": 3,
        "created": 1,
        "kept": 1,
        "conflicts": 1,
        "blocking": 1,
        "invites_queued": 0,
    }
    [created] = report["created"]
    assert (created["day"], created["desk_code"], created["period"]) == (TUESDAY.isoformat(), "C1-02", "full")
    assert created["booking_id"] is None and created["zone_name"]
    [kept] = report["kept"]
    assert (kept["reason"], kept["planned_desk_code"], kept["desk_code"]) == ("own-booking", "C1-01", "Q1-03")
    [conflict] = report["conflicts"]
    assert (conflict["kind"], conflict["blocking"], conflict["desk_code"]) == ("desk-taken", True, "C1-03")
    assert conflict["booking_id"] is not None
    assert (await count(world, Booking), await count(world, OutboxMessage)) == (bookings, invites)
    assert (await stored(world, plan_id)).applied_at is None


async def test_applying_books_every_seat_marked_with_the_plan_and_queues_one_invite_each(api: Api) -> None:
    world = api.world
    people = await staff(world, 6)
    codes = plain_desks(world, 3)
    seats = [(person, codes[n % 3], [TUESDAY, WEDNESDAY][n // 3]) for n, person in enumerate(people)]
    plan_id = await store_plan(world, seats)
    answer = await api.apply(plan_id)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (
        report["applied"] is True and report["counts"]["created"] == report["counts"]["invites_queued"] == 6
    )
    made = await plan_bookings(world, plan_id)
    assert {(b.employee_id, b.day) for b in made} == {(person, day) for person, _, day in seats}
    assert {b.id for b in made} == {UUID(c["booking_id"]) for c in report["created"]}
    assert all(b.status is BookingStatus.BOOKED and b.period is Period.FULL for b in made)
    assert all(b.created_by_id == who(world, "planner") and b.series_id is None for b in made)
    async with world.db.read_session() as session:
        slots = list(
            await session.scalars(select(DeskSlot).where(DeskSlot.booking_id.in_([b.id for b in made])))
        )
        invites = list(
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.booking_id.in_([b.id for b in made]))
            )
        )
        emails = dict((await session.execute(select(Employee.id, Employee.email))).all())
    assert len(slots) == 12, "both halves of each day"
    by_booking = {i.booking_id: i for i in invites}
    assert len(invites) == len(by_booking) == 6
    for booking in made:
        invite = by_booking[booking.id]
        assert (invite.method, invite.uid, invite.sequence) == ("REQUEST", booking.uid, 0)
        assert invite.recipient == emails[booking.employee_id]
        assert booking.uid == f"desk-booking-{booking.id}@127.0.0.1"
    plan = await stored(world, plan_id)
    assert (plan.applied_at, plan.applied_by_id) == (world.clock(), who(world, "planner"))


async def test_applying_twice_books_nothing_new_and_queues_no_invite(api: Api) -> None:
    world = api.world
    people = await staff(world, 3)
    plan_id = await store_plan(
        world, [(p, c, THURSDAY) for p, c in zip(people, plain_desks(world, 3), strict=True)]
    )
    first = await api.apply(plan_id)
    assert first.status_code == 200, first.text
    applied_at = (await stored(world, plan_id)).applied_at
    bookings, invites = await count(world, Booking), await count(world, OutboxMessage)
    world.clock.now += timedelta(minutes=5)
    again = await api.apply(plan_id)
    assert again.status_code == 200, again.text
    report = again.json()
    assert report["counts"]["created"] == report["counts"]["invites_queued"] == 0
    assert {k["reason"] for k in report["kept"]} == {"applied"} and len(report["kept"]) == 3
    assert (await count(world, Booking), await count(world, OutboxMessage)) == (bookings, invites)
    assert (await stored(world, plan_id)).applied_at == applied_at == START


async def test_a_persons_own_booking_that_day_wins_over_the_plan(api: Api) -> None:
    world = api.world
    mine = await book(world, "ann", "Q1-03", TUESDAY)
    plan_id = await store_plan(
        world, [(who(world, "ann"), "C1-01", TUESDAY), (who(world, "ann"), "C1-01", THURSDAY)]
    )
    report = (await api.apply(plan_id)).json()
    assert report["counts"]["created"] == 1 and report["counts"]["kept"] == 1
    assert report["kept"][0]["booking_id"] == str(mine.id)
    [made] = await plan_bookings(world, plan_id)
    assert made.day == THURSDAY
    async with world.db.read_session() as session:
        held = await session.scalar(
            select(func.count())
            .select_from(DeskSlot)
            .where(DeskSlot.desk_id == world.desk("C1-01"), DeskSlot.day == TUESDAY)
        )
        mine_now = await session.get_one(Booking, mine.id)
    assert held == 0, "the plan takes no desk for someone who already has one that day"
    assert (mine_now.status, mine_now.desk_id, mine_now.plan_id) == (
        BookingStatus.BOOKED,
        world.desk("Q1-03"),
        None,
    )


async def test_a_desk_taken_by_someone_else_refuses_the_whole_apply_until_conflicts_are_skipped(
    api: Api,
) -> None:
    world = api.world
    taken = await book(world, "eve", "C1-04", WEDNESDAY)
    people = await staff(world, 3)
    plan_id = await store_plan(
        world,
        [(people[0], "C1-04", WEDNESDAY), (people[1], "C1-05", WEDNESDAY), (people[2], "C1-06", THURSDAY)],
    )
    bookings, invites = await count(world, Booking), await count(world, OutboxMessage)
    refused = await api.apply(plan_id)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith(PROBLEM)
    problem = refused.json()
    assert problem["type"] == "/problems/plan-conflicts"
    assert "skip_conflicts" in problem["detail"]
    [conflict] = problem["conflicts"]
    assert (conflict["kind"], conflict["desk_code"], conflict["booking_id"]) == (
        "desk-taken",
        "C1-04",
        str(taken.id),
    )
    assert problem["counts"]["created"] == 2, "what would have been booked"
    assert (await count(world, Booking), await count(world, OutboxMessage)) == (bookings, invites)
    assert await plan_bookings(world, plan_id) == []
    assert (await stored(world, plan_id)).applied_at is None

    skipped = await api.apply(plan_id, skip_conflicts="true")
    assert skipped.status_code == 200, skipped.text
    report = skipped.json()
    assert report["skip_conflicts"] is True
    assert (report["counts"]["created"], report["counts"]["blocking"]) == (2, 1)
    assert [c["desk_code"] for c in report["conflicts"]] == ["C1-04"]
    assert {b.desk_id for b in await plan_bookings(world, plan_id)} == {
        world.desk("C1-05"),
        world.desk("C1-06"),
    }
    async with world.db.read_session() as session:
        assert (await session.get_one(Booking, taken.id)).status is BookingStatus.BOOKED


async def test_closed_days_are_skipped_and_reported_without_blocking(api: Api) -> None:
    world = api.world
    async with world.db.write_session() as session:
        site = await session.get_one(Site, world.site.id)
        zone = await closures.place_in(session, site, zone_name="1-collab-culture")
    people = await staff(world, 3)
    plan_id = await store_plan(
        world,
        [(people[0], "C1-07", TUESDAY), (people[1], "C1-08", WEDNESDAY), (people[2], "C1-09", CHRISTMAS)],
    )
    async with world.db.write_session() as session:
        await closures.add_closure(
            session,
            zone,
            WEDNESDAY,
            WEDNESDAY,
            "New carpets",
            created_by_id=who(world, "planner"),
            now=world.clock(),
            calendar=world.calendar,
        )
    answer = await api.apply(plan_id)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    closed = {c["day"]: c for c in report["conflicts"]}
    assert set(closed) == {WEDNESDAY.isoformat(), CHRISTMAS.isoformat()}
    assert {c["kind"] for c in closed.values()} == {"closed"}
    assert not any(c["blocking"] for c in closed.values())
    assert "New carpets" in closed[WEDNESDAY.isoformat()]["detail"]
    assert "holiday" in closed[CHRISTMAS.isoformat()]["detail"]
    assert [b.day for b in await plan_bookings(world, plan_id)] == [TUESDAY]


async def test_seats_no_booking_could_take_are_skipped_and_a_desk_out_of_use_blocks(api: Api) -> None:
    world = api.world
    people = await staff(world, 4)
    yesterday = START.date() - timedelta(days=3)  # Friday 27 November
    plan_id = await store_plan(
        world,
        [
            (people[0], "C1-10", yesterday),
            (people[1], "C1-11", TUESDAY),
            (people[2], "C1-12", TUESDAY),
            (people[3], "C1-13", TUESDAY),
        ],
    )
    async with world.db.write_session() as session:
        (await session.get_one(Employee, people[1])).active = False
        (await session.get_one(Desk, world.desk("C1-12"))).bookable = False
    report = (await api.apply(plan_id, dry_run="true")).json()
    kinds = {c["desk_code"]: (c["kind"], c["blocking"]) for c in report["conflicts"]}
    assert kinds == {
        "C1-10": ("in-the-past", False),
        "C1-11": ("person-gone", False),
        "C1-12": ("desk-not-bookable", True),
    }
    assert (await api.apply(plan_id)).status_code == 409
    report = (await api.apply(plan_id, skip_conflicts="true")).json()
    assert [c["desk_code"] for c in report["created"]] == ["C1-13"]


async def test_a_weekly_cap_used_by_own_bookings_blocks_the_plans_extra_days(api: Api) -> None:
    world = api.world
    ann = who(world, "ann")
    await book(world, "ann", "Q1-03", MONDAY)
    await book(world, "ann", "Q1-03", date(2026, 12, 11))  # Friday: two of her three days used
    plan_id = await store_plan(world, [(ann, "C1-01", TUESDAY), (ann, "C1-01", WEDNESDAY)])
    report = (await api.apply(plan_id, dry_run="true")).json()
    assert [c["day"] for c in report["created"]] == [TUESDAY.isoformat()]
    assert [(c["day"], c["kind"], c["blocking"]) for c in report["conflicts"]] == [
        (WEDNESDAY.isoformat(), "attendance-cap", True)
    ]


# --- the outcome -----------------------------------------------------------------------------------


async def test_people_cancel_and_move_planned_bookings_and_the_outcome_shows_what_was_kept(api: Api) -> None:
    world = api.world
    ann, bob, eve = who(world, "ann"), who(world, "bob"), who(world, "eve")
    plan_id = await store_plan(
        world,
        [(ann, "C1-01", TUESDAY), (bob, "C1-02", TUESDAY), (eve, "C1-03", TUESDAY), (ann, "C1-01", THURSDAY)],
        kpis={"plan": {"office_days": 4, "teammate_overlap": 0.5}},
    )
    assert (await api.apply(plan_id)).status_code == 200
    made = {(b.employee_id, b.day): b for b in await plan_bookings(world, plan_id)}
    cancelled = await api.call("ann", "DELETE", f"/bookings/{made[ann, TUESDAY].id}")
    assert cancelled.status_code in (200, 204), cancelled.text
    moved = await api.call(
        "bob", "PATCH", f"/bookings/{made[bob, TUESDAY].id}", json={"desk_id": str(world.desk("C1-09"))}
    )
    assert moved.status_code == 200, moved.text

    answer = await api.call("planner", "GET", f"/plans/{plan_id}/outcome")
    assert answer.status_code == 200, answer.text
    outcome = answer.json()
    assert outcome["counts"] == {
        "planned_seats": 4,
        "applied": 4,
        "active": 3,
        "as_planned": 2,
        "moved": 1,
        "checked_in": 0,
        "cancelled": 1,
        "released": 0,
        "not_applied": 0,
    }
    shown = {(b["employee_id"], b["day"]): b for b in outcome["bookings"]}
    assert len(shown) == 3
    bobs = shown[str(bob), TUESDAY.isoformat()]
    assert (bobs["desk_code"], bobs["planned_desk_code"], bobs["as_planned"]) == ("C1-09", "C1-02", False)
    assert outcome["kpis_stored"] == {"office_days": 4.0, "teammate_overlap": 0.5}
    assert outcome["kpis_planned"]["office_days"] == 4 and outcome["kpis_kept"]["office_days"] == 3
    figures = {f["name"]: f for f in outcome["figures"]}
    assert set(figures) >= {"inside_attendance_band", "team_overlap_days_met", "person_days"}
    assert (figures["person_days"]["planned"], figures["person_days"]["kept"]) == (4, 3)
    assert 0 <= figures["inside_attendance_band"]["kept"] <= figures["inside_attendance_band"]["planned"] <= 1

    again = (await api.apply(plan_id)).json()
    assert again["counts"]["created"] == 0, "people's cancellations and moves stand"
    assert sorted(k["reason"] for k in again["kept"]) == ["applied", "applied", "cancelled", "moved"]


async def test_a_booking_moved_to_another_day_still_stands_for_its_seat(world: World) -> None:
    ann = who(world, "ann")
    plan_id = await store_plan(world, [(ann, "C1-01", TUESDAY)])
    async with world.db.write_session() as session:
        await apply.apply_plan(session, plan_id, applied_by=None, now=world.clock(), calendar=world.calendar)
    [made] = await plan_bookings(world, plan_id)
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).move(made.id, day=THURSDAY))
    async with world.db.write_session() as session:
        report = await apply.apply_plan(
            session, plan_id, applied_by=None, now=world.clock(), calendar=world.calendar
        )
    assert [(k.reason, k.booking_id) for k in report.kept] == [("moved", made.id)]
    assert report.counts.created == 0


# --- who may, and which plans ----------------------------------------------------------------------


async def test_planners_and_admins_may_apply_and_read_outcomes_employees_may_not(api: Api) -> None:
    world = api.world
    plan_id = await store_plan(world, [(who(world, "bob"), "C1-01", TUESDAY)])
    for person, status in (("ann", 403), ("planner", 200), ("admin", 200)):
        assert (await api.apply(plan_id, person, dry_run="true")).status_code == status
        assert (await api.call(person, "GET", f"/plans/{plan_id}/outcome")).status_code == status
    assert (await api.apply(plan_id, "ann")).status_code == 403
    assert await plan_bookings(world, plan_id) == []
    missing = await api.apply(UUID(int=7))
    assert missing.status_code == 404 and missing.headers["content-type"].startswith(PROBLEM)
    assert (await api.call("planner", "GET", f"/plans/{UUID(int=7)}/outcome")).status_code == 404


@pytest.mark.parametrize(
    ("status", "best_found", "applicable"),
    [
        (PlanStatus.QUEUED, False, False),
        (PlanStatus.RUNNING, False, False),
        (PlanStatus.FAILED, False, False),
        (PlanStatus.CANCELLED, False, False),
        (PlanStatus.CANCELLED, True, True),
        (PlanStatus.DONE, False, True),
    ],
)
async def test_only_a_finished_plan_with_seats_can_be_applied(
    api: Api, status: PlanStatus, best_found: bool, applicable: bool
) -> None:
    world = api.world
    plan_id = await store_plan(
        world, [(who(world, "bob"), "C1-01", TUESDAY)], status=status, best_found=best_found
    )
    answer = await api.apply(plan_id)
    if applicable:
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 409
        assert answer.json()["type"] == "/problems/plan-not-applicable"
        problem = answer.json()
        assert (problem["status"], problem["plan_status"]) == (409, status.value)


# --- set-based --------------------------------------------------------------------------------------


async def test_the_statements_an_apply_sends_do_not_grow_with_its_seats(world: World) -> None:
    async def statements(seats: int, day: date) -> int:
        people = (await staff(world, seats))[:seats]
        plan_id = await store_plan(
            world, [(p, c, day) for p, c in zip(people, plain_desks(world, seats), strict=True)]
        )
        sent: list[str] = []

        def record(*args: Any) -> None:
            sent.append(args[2])

        event.listen(world.db.engine.sync_engine, "before_cursor_execute", record)
        try:
            async with world.db.write_session() as session:
                report = await apply.apply_plan(
                    session, plan_id, applied_by=None, now=world.clock(), calendar=world.calendar
                )
        finally:
            event.remove(world.db.engine.sync_engine, "before_cursor_execute", record)
        assert report.counts.created == seats
        return len(sent)

    assert await statements(2, TUESDAY) == await statements(30, WEDNESDAY)


# --- at the same moment ----------------------------------------------------------------------------

HEAD_STARTS = (-0.5, -0.04, -0.02, -0.01, -0.005, 0.0, 0.0, 0.005, 0.01, 0.02, 0.04, 0.5)
"""Seconds the apply sets off before the hand booking, round by round (negative: after it). The
ends are controls that each side must win; in between the two meet at the database."""
ROUNDS = len(HEAD_STARTS)


@pytest.fixture
def blind_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blind the apply's and the hand booking's look at who holds the desk, and widen the window
    between the reads and the inserts: only the database's unique keys stand between them."""
    read_seats = apply._read_seats
    read_facts = queries.booking_facts

    async def seats_seeing_nothing_booked(*args: Any, **kwargs: Any) -> Any:
        seats = await read_seats(*args, **kwargs)
        await asyncio.sleep(0.02)
        return [replace(seat, taken_by=None) for seat in seats]

    async def facts_seeing_nothing_booked(*args: Any, **kwargs: Any) -> Any:
        facts = await read_facts(*args, **kwargs)
        await asyncio.sleep(0.02)
        if not isinstance(facts, queries.BookingFacts):
            return facts
        return replace(facts, desk_taken=False, own_booking_id=None)

    monkeypatch.setattr(apply, "_read_seats", seats_seeing_nothing_booked)
    monkeypatch.setattr(queries, "booking_facts", facts_seeing_nothing_booked)


async def _apply_and_book_at_once(
    world: World, plan_id: UUID, hand: Principal, desk: UUID, day: date, head_start: float
) -> list[Any]:
    """Apply the plan as the planner and book `desk` as `hand`, released together by a barrier
    (the apply `head_start` seconds ahead); each answers what it returned or raised."""
    barrier = asyncio.Barrier(2)

    async def applying() -> Any:
        await barrier.wait()
        await asyncio.sleep(max(0.0, -head_start))
        try:
            async with world.db.write_session() as session:
                return await apply.apply_plan(
                    session,
                    plan_id,
                    applied_by=who(world, "planner"),
                    now=world.clock(),
                    calendar=world.calendar,
                )
        except ZonesError as error:
            return error

    async def booking() -> Any:
        await barrier.wait()
        await asyncio.sleep(max(0.0, head_start))
        try:
            async with world.db.write_session() as session:
                context = BookingContext(session, hand, world.clock, world.calendar)
                return await DeskBookings(context).book(desk, day, Period.FULL)
        except ZonesError as error:
            return error

    return list(await asyncio.gather(applying(), booking()))


@pytest.mark.parametrize("blind", [False, True], ids=["as-is", "blind-reads"])
async def test_an_apply_and_a_hand_booking_of_one_desk_at_once_never_both_win(
    world: World, blind: bool, request: pytest.FixtureRequest
) -> None:
    """Round after round a plan seat for desk D and a hand booking of D by someone else, on the same
    day, race: exactly one of them holds D, and an apply that lost wrote nothing at all (its other
    seat neither)."""
    if blind:
        request.getfixturevalue("blind_reads")
    people = await staff(world, 3 * ROUNDS)
    codes = plain_desks(world, 2 * ROUNDS)
    async with world.db.read_session() as session:
        hands = {
            p.id: Principal.of(p)
            for p in await session.scalars(select(Employee).where(Employee.id.in_(people)))
        }
    wins: Counter[str] = Counter()
    for n in range(ROUNDS):
        planned, other, hand = people[3 * n : 3 * n + 3]
        desk, second = codes[2 * n], codes[2 * n + 1]
        plan_id = await store_plan(world, [(planned, desk, WEDNESDAY), (other, second, WEDNESDAY)])
        applied, booked = await _apply_and_book_at_once(
            world, plan_id, hands[hand], world.desk(desk), WEDNESDAY, HEAD_STARTS[n]
        )
        apply_won = isinstance(applied, apply.PlanApplyRead)
        hand_won = not isinstance(booked, ZonesError)
        assert apply_won != hand_won, (n, applied, booked)
        async with world.db.read_session() as session:
            holders = list(
                await session.scalars(
                    select(DeskSlot.employee_id).where(
                        DeskSlot.desk_id == world.desk(desk), DeskSlot.day == WEDNESDAY
                    )
                )
            )
            invites = await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .join(Booking, Booking.id == OutboxMessage.booking_id)
                .where(Booking.plan_id == plan_id)
            )
        made = await plan_bookings(world, plan_id)
        if apply_won:
            wins["apply"] += 1
            assert applied.counts.created == 2 and holders == [planned, planned]
            assert len(made) == 2 and invites == 2
            assert isinstance(booked, RuleRefused) and booked.rule == "desk-taken"
        else:
            wins["hand"] += 1
            assert isinstance(applied, Conflict) and applied.code == "plan-conflicts"
            # Lost at the database (its slot refused by the unique key) or seen at the read.
            wins[applied.message_id] += 1
            assert holders == [hand, hand]
            assert made == [] and invites == 0, "a lost apply writes nothing, its other seat neither"
            assert (await stored(world, plan_id)).applied_at is None
    print(f"\n{'blind' if blind else 'as-is'} on {world.db.dialect}: {dict(wins)}")
    assert wins["apply"] + wins["hand"] == ROUNDS
    assert wins["apply"] and wins["hand"], "each side wins when it comes first"


async def test_a_closure_added_while_a_plan_is_being_applied_waits_and_cancels_what_it_booked(
    world: World,
) -> None:
    """The apply holds its days as every booking does: the closure waits for it, then finds its
    bookings and cancels them with a CANCEL each."""
    people = await staff(world, 2)
    plan_id = await store_plan(world, [(people[0], "C1-01", WEDNESDAY), (people[1], "C1-02", WEDNESDAY)])

    async def close_the_site() -> Any:
        async with world.db.write_session() as session:
            site = await session.get_one(Site, world.site.id)
            return await closures.add_closure(
                session,
                await closures.place_in(session, site),
                WEDNESDAY,
                WEDNESDAY,
                "Burst pipe",
                created_by_id=who(world, "planner"),
                now=world.clock(),
                calendar=world.calendar,
            )

    async with world.db.write_session() as session:
        report = await apply.apply_plan(
            session, plan_id, applied_by=None, now=world.clock(), calendar=world.calendar
        )
        assert report.counts.created == 2
        closing = asyncio.create_task(close_the_site())
        await asyncio.sleep(0.5)
        assert not closing.done(), "the closure went ahead while a plan was being applied on its day"
    outcome = await closing
    made = await plan_bookings(world, plan_id)
    assert {b.id for b in outcome.cancelled} == {b.id for b in made}
    assert {b.status for b in made} == {BookingStatus.CANCELLED}
    async with world.db.read_session() as session:
        methods = list(
            await session.scalars(
                select(OutboxMessage.method).where(OutboxMessage.booking_id.in_([b.id for b in made]))
            )
        )
    assert sorted(methods) == ["CANCEL", "CANCEL", "REQUEST", "REQUEST"]


# --- the command line ------------------------------------------------------------------------------


def test_zones_plan_apply_dry_run_prints_a_summary_and_writes_nothing_then_applies(clean_url: str) -> None:
    async def prepare() -> tuple[UUID, int]:
        database = create_database(clean_url)
        try:
            world = await build_world(database)
            await book(world, "eve", "C1-03", WEDNESDAY)
            people = await staff(world, 3)
            plan_id = await store_plan(
                world,
                [
                    (people[0], "C1-01", TUESDAY),
                    (people[1], "C1-02", TUESDAY),
                    (people[2], "C1-03", WEDNESDAY),
                ],
            )
            return plan_id, await count(world, Booking)
        finally:
            await database.dispose()

    async def bookings_of(plan_id: UUID) -> int:
        database = create_database(clean_url)
        try:
            async with database.read_session() as session:
                return int(
                    await session.scalar(
                        select(func.count()).select_from(Booking).where(Booking.plan_id == plan_id)
                    )
                    or 0
                )
        finally:
            await database.dispose()

    plan_id, _ = asyncio.run(prepare())

    def zones(*args: str) -> Any:
        return CliRunner().invoke(
            main, ["--database-url", clean_url, "plan", "apply", *args], obj=lambda: START
        )

    dry = zones(str(plan_id), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.stdout
    for line in ("created", "kept", "conflicts"):
        assert line in dry.stdout
    assert "desk-taken" in dry.stdout and "C1-03" in dry.stdout
    assert "seconds" in dry.stdout
    assert asyncio.run(bookings_of(plan_id)) == 0

    refused = zones(str(plan_id))
    assert refused.exit_code == 1
    assert "skip-conflicts" in refused.stderr
    assert asyncio.run(bookings_of(plan_id)) == 0

    applied = zones(str(plan_id), "--skip-conflicts")
    assert applied.exit_code == 0, applied.output
    assert asyncio.run(bookings_of(plan_id)) == 2

    bad = zones("not-a-plan")
    assert bad.exit_code == 2 and "not a plan id" in bad.stderr
