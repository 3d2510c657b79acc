"""Plans and closures of a floor or a zone: the scenario carries the closed days of each zone, a run
seats nobody in a closed zone or on a closed floor on its closed days, and a plan read back later
drops the seats a closure added since has taken."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import select

from booking_support import World, build_world
from zones.closures import service
from zones.db import Database
from zones.models import Floor, PlanSeat, Site, Zone
from zones.optimizer import planning
from zones.plans.run import PlanOutcome, PlanRequest, create_plan_row, run_plan
from zones.plans.scenario_from_db import scenario_for_site, stored_plan, week_days

MONDAY = date(2026, 12, 7)
TUESDAY, WEDNESDAY, THURSDAY = date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10)
CLOSED_ZONE = "1-quiet"
CLOSED_FLOOR = "2nd floor"


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


async def close(world: World, starts_on: date, ends_on: date, reason: str, **place: str) -> Any:
    """A planner's closure of the zone or floor named, as the API and the CLI add it."""
    async with world.db.write_session() as session:
        site = await session.get_one(Site, world.site.id)
        where = await service.place_in(session, site, **place)  # type: ignore[arg-type]
        return await service.add_closure(
            session,
            where,
            starts_on,
            ends_on,
            reason,
            created_by_id=world.people["planner"].employee_id,
            now=world.clock(),
            calendar=world.calendar,
        )


async def plan_week(world: World) -> PlanOutcome:
    request = PlanRequest(world.site.id, MONDAY, 1, time_limit_s=3, seed=1)
    async with world.db.write_session() as session:
        plan_id = await create_plan_row(session, request)
    return await run_plan(world.db, plan_id, request)


async def zones_on_floor(world: World, floor_name: str) -> set[UUID]:
    async with world.db.read_session() as session:
        return set(
            await session.scalars(
                select(Zone.id).join(Floor, Floor.id == Zone.floor_id).where(Floor.name == floor_name)
            )
        )


async def stored_seats(world: World, plan_id: UUID) -> list[tuple[UUID, date]]:
    """(zone, day) of every seat the run stored."""
    async with world.db.read_session() as session:
        rows = await session.execute(
            select(PlanSeat.zone_id, PlanSeat.day).where(PlanSeat.plan_id == plan_id)
        )
        return [(zone_id, day) for zone_id, day in rows.all()]


async def test_the_scenario_closes_a_closed_zone_and_every_zone_of_a_closed_floor(world: World) -> None:
    await close(world, WEDNESDAY, date(2026, 12, 20), "New carpet", zone_name=CLOSED_ZONE)
    await close(world, TUESDAY, TUESDAY, "Fire drill", floor_name="2")
    async with world.db.read_session() as session:
        scenario, _ = await scenario_for_site(session, world.site.id, week_days(world.site, MONDAY, 1))
    assert len(scenario.days) == 5, "a closed zone or floor leaves the rest of the site open"
    closed = {zone.key: zone.closed_days for zone in scenario.zones}
    assert closed[CLOSED_ZONE] == (WEDNESDAY, THURSDAY, date(2026, 12, 11)), "only the horizon's days"
    on_floor_two = {zone.key for zone in scenario.zones if zone.floor == CLOSED_FLOOR}
    assert on_floor_two and all(closed[key] == (TUESDAY,) for key in on_floor_two)
    assert all(days == () for key, days in closed.items() if key != CLOSED_ZONE and key not in on_floor_two)


async def test_a_plan_seats_nobody_in_a_closed_zone_or_on_a_closed_floor_on_its_closed_days(
    world: World,
) -> None:
    await close(world, WEDNESDAY, THURSDAY, "New carpet", zone_name=CLOSED_ZONE)
    await close(world, TUESDAY, TUESDAY, "Fire drill", floor_name="2")
    outcome = await plan_week(world)
    assert planning.check_plan(outcome.scenario, outcome.plan) == ()
    seats = await stored_seats(world, outcome.plan_id)
    floor_two = await zones_on_floor(world, CLOSED_FLOOR)
    closed_zone = world.zones[CLOSED_ZONE].id
    assert [(z, d) for z, d in seats if z == closed_zone and d in (WEDNESDAY, THURSDAY)] == []
    assert [(z, d) for z, d in seats if z in floor_two and d == TUESDAY] == []
    # The rest of the week the closed places are used as usual, and people still come in Tuesday.
    assert any(z == closed_zone for z, d in seats if d not in (WEDNESDAY, THURSDAY))
    assert any(z in floor_two for z, d in seats if d != TUESDAY)
    assert any(d == TUESDAY for _, d in seats)
    assert len(seats) == sum(1 for seat in outcome.plan.seats.values() if seat.desk)


async def test_a_plan_read_back_drops_the_seats_a_later_zone_closure_takes(world: World) -> None:
    outcome = await plan_week(world)
    closed_zone = world.zones[CLOSED_ZONE].id
    taken = [d for z, d in await stored_seats(world, outcome.plan_id) if z == closed_zone and d == WEDNESDAY]
    assert taken, "the plan seats people in the zone before it is closed"
    await close(world, WEDNESDAY, WEDNESDAY, "Burst pipe", zone_name=CLOSED_ZONE)
    async with world.db.read_session() as session:
        stored = await stored_plan(session, outcome.plan_id)
    assert stored is not None
    assert [
        key for key, seat in stored.plan.seats.items() if seat.zone == CLOSED_ZONE and key[1] == WEDNESDAY
    ] == []
    assert len(stored.plan.seats) == len(outcome.plan.seats) - len(taken)
    violations = planning.check_plan(stored.scenario, stored.plan)
    assert not {v.constraint for v in violations} & {"zone_closed", "existing_booking"}
