"""Loading office files into SQLite and PostgreSQL: complete, idempotent, atomic, constraint-guarded."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpers import load_demo, minimal_office, refused_by_the_database, write_office
from zones.clock import Clock, utc_now
from zones.db import Database
from zones.models import Desk, Employee, Floor, PolicyThreshold, Room, Site, Team, TeamKind, Zone
from zones.office.load import load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file


async def _count(database: Database, model: type) -> int:
    async with database.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _load(database: Database, path: Path, clock: Clock = utc_now):  # type: ignore[no-untyped-def]
    office = load_office_file(path)
    async with database.write_session() as session:
        return await load_office(session, office, load_policy_file(default_policy_file()), clock=clock)


async def test_demo_office_loads_completely(db: Database) -> None:
    report = await load_demo(db, staff=False)
    assert report.created["sites"] == 1
    assert await _count(db, Floor) == 2
    assert await _count(db, Zone) == 7
    assert await _count(db, Room) == 3
    async with db.read_session() as session:
        bookable = await session.scalar(select(func.count()).select_from(Desk).where(Desk.bookable.is_(True)))
        thresholds = list(await session.scalars(select(PolicyThreshold.metric)))
        circles = list(await session.scalars(select(Team.name).where(Team.kind == TeamKind.CIRCLE)))
    assert bookable == 95
    assert "air_m3_per_person" in thresholds
    assert len(circles) == 2


async def test_reloading_the_same_file_changes_nothing(db: Database) -> None:
    await load_demo(db, staff=False)
    async with db.read_session() as session:
        stamps_before = dict((await session.execute(select(Desk.code, Desk.updated_at))).all())
    report = await load_demo(db, staff=False)
    assert not report.changed
    assert report.totals["desks"] == 99
    async with db.read_session() as session:
        stamps_after = dict((await session.execute(select(Desk.code, Desk.updated_at))).all())
    assert stamps_after == stamps_before
    assert await _count(db, Site) == 1
    assert await _count(db, Desk) == 99


async def test_reload_applies_edits_moves_and_removals(db: Database, tmp_path: Path) -> None:
    document = minimal_office()
    await _load(db, write_office(tmp_path / "v1.toml", document))

    edited = copy.deepcopy(document)
    zones = edited["floors"][0]["zones"]
    zones[0]["area_m2"] = 75.0  # edit
    moved = zones[1]["desks"].pop(0)  # C-1 moves from the collaboration zone ...
    zones[0]["desks"].append({**moved, "x": 5.0, "y": 2.0})  # ... into the quiet zone
    zones[1]["desks"].pop()  # C-3 is removed
    edited["floors"].append({"name": "First", "level": 1, "zones": []})  # a floor is added
    report = await _load(db, write_office(tmp_path / "v2.toml", edited))

    assert report.updated["zones"] == 1
    assert report.removed["desks"] == 1
    assert report.created["floors"] == 1
    assert report.updated["desks"] == 1  # C-1 moved and got a position
    async with db.read_session() as session:
        rows = (await session.execute(select(Desk.code, Zone.key).join(Zone, Desk.zone_id == Zone.id))).all()
        area = await session.scalar(select(Zone.area_m2).where(Zone.key == "q"))
    assert dict(rows) == {"Q-1": "q", "Q-2": "q", "C-1": "q", "C-2": "c"}
    assert area == 75.0


async def test_a_failure_inside_a_write_leaves_nothing_behind(db: Database, tmp_path: Path) -> None:
    office = load_office_file(write_office(tmp_path / "office.toml", minimal_office()))
    with pytest.raises(RuntimeError):
        async with db.write_session() as session:
            await load_office(session, office, load_policy_file(default_policy_file()))
            raise RuntimeError("crash after writing, before commit")
    assert await _count(db, Site) == 0
    assert await _count(db, Desk) == 0


async def test_database_keeps_a_desk_in_a_zone_of_its_own_site(db: Database, tmp_path: Path) -> None:
    await _load(db, write_office(tmp_path / "a.toml", minimal_office()))
    other = minimal_office()
    other["site"]["key"] = "branch"
    other["teams"] = []
    await _load(db, write_office(tmp_path / "b.toml", other))
    async with db.read_session() as session:
        sites = dict((await session.execute(select(Site.key, Site.id))).all())
        zone_of_hq = await session.scalar(select(Zone.id).where(Zone.site_id == sites["hq"], Zone.key == "q"))
    with refused_by_the_database():
        async with db.write_session() as session:
            session.add(Desk(site_id=sites["branch"], zone_id=zone_of_hq, code="SNEAKY", attributes=[]))


async def test_database_rejects_second_desk_code_on_a_site(db: Database, tmp_path: Path) -> None:
    await _load(db, write_office(tmp_path / "a.toml", minimal_office()))
    async with db.read_session() as session:
        zone = (await session.execute(select(Zone.id, Zone.site_id).where(Zone.key == "c"))).one()
    with refused_by_the_database():
        async with db.write_session() as session:
            session.add(Desk(site_id=zone.site_id, zone_id=zone.id, code="Q-1", attributes=[]))


async def test_database_treats_emails_without_regard_to_case(db: Database) -> None:
    async with db.write_session() as session:
        session.add(Employee(email="Ann.Holm@example.dk", name="Ann Holm", needs=[]))
    with refused_by_the_database():
        async with db.write_session() as session:
            session.add(Employee(email="ann.holm@EXAMPLE.dk", name="Ann again", needs=[]))


async def test_database_requires_circles_to_end_and_teams_not_to(db: Database) -> None:
    from datetime import date

    with refused_by_the_database():
        async with db.write_session() as session:
            session.add(Team(name="Forever circle", kind=TeamKind.CIRCLE, ends_on=None))
    with refused_by_the_database():
        async with db.write_session() as session:
            session.add(Team(name="Ending team", kind=TeamKind.TEAM, ends_on=date(2027, 1, 1)))


async def test_database_rejects_an_impossible_contracted_share(db: Database) -> None:
    with refused_by_the_database():
        async with db.write_session() as session:
            session.add(Employee(email="x@example.dk", name="X", contracted_share=1.5, needs=[]))


async def test_a_reload_that_drops_a_booked_desk_changes_nothing_and_says_why(
    db: Database, tmp_path: Path
) -> None:
    from booking_support import as_, build_world, weekday
    from zones.bookings.desks import DeskBookings
    from zones.models import Period
    from zones.office.load import PlacesStillBooked
    from zones.office.paths import demo_office_file

    world = await build_world(db)
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(1), Period.FULL))
    text = demo_office_file().read_text(encoding="utf-8")
    trimmed = "\n".join(line for line in text.splitlines() if 'code = "Q1-03"' not in line)
    path = tmp_path / "office.toml"
    path.write_text(trimmed, encoding="utf-8")
    with pytest.raises(PlacesStillBooked, match="desk Q1-03 has 1 upcoming booking"):
        await _load(db, path, world.clock)  # "upcoming" as of the world's day, whatever today is
    assert await _count(db, Desk) == 99, "nothing was removed"


async def test_an_office_weight_reaches_the_database_and_the_planners_scenario(
    db: Database, tmp_path: Path
) -> None:
    from msgspec.structs import asdict

    from zones.models import Policy
    from zones.optimizer.planning import Weights
    from zones.plans.scenario_from_db import scenario_for_site

    document = minimal_office()
    document["policy"] = {"planning": {"weights": {"preferred_day": 80}}}
    await _load(db, write_office(tmp_path / "office.toml", document))
    async with db.read_session() as session:
        site = (await session.scalars(select(Site))).one()
        stored = await session.scalar(select(Policy.planning_weights))
        scenario, _ = await scenario_for_site(session, site.id, ())
    assert stored == {**asdict(Weights()), "preferred_day": 80}
    assert scenario.policy.weights == Weights(preferred_day=80)


async def test_a_changed_weight_counts_as_a_policy_update_and_an_unchanged_one_does_not(
    db: Database, tmp_path: Path
) -> None:
    document = minimal_office()
    path = write_office(tmp_path / "office.toml", document)
    assert (await _load(db, path)).created["policy"] == 1
    assert not (await _load(db, path)).changed
    document["policy"] = {"planning": {"weights": {"demand_peak": 2}}}
    report = await _load(db, write_office(path, document))
    assert report.updated["policy"] == 1
    assert "policy: 1 (0 created, 1 updated, 0 removed)" in report.lines()
