"""Planning from the database: the scenario it builds, runs that store seats and figures, the API and CLI."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from httpx import AsyncClient
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from booking_support import World, as_, build_world
from zones.bookings.desks import DeskBookings
from zones.cli import main
from zones.db import Database
from zones.errors import InvalidInput
from zones.models import Absence, Employee, Period, Plan, PlanSeat, PlanStatus
from zones.optimizer import planning
from zones.plans.run import PlanRequest, create_plan_row, run_plan
from zones.plans.scenario_from_db import parse_iso_week, scenario_for_site, week_days
from zones.server.app import create_app
from zones.settings import Settings

MONDAY = date(2026, 12, 7)


@pytest.fixture
async def world(db: Database) -> World:
    return await build_world(db)


async def test_the_scenario_carries_office_staff_wishes_absences_and_bookings(world: World) -> None:
    ann = world.people["ann"]
    async with world.db.write_session() as session:
        session.add(Absence(employee_id=ann.employee_id, starts_on=MONDAY, ends_on=date(2026, 12, 8)))
    booking = await as_(
        world, "bob", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), date(2026, 12, 9), Period.FULL)
    )
    async with world.db.read_session() as session:
        days = week_days(world.site, MONDAY, 1)
        scenario, keys = await scenario_for_site(session, world.site.id, days)
    assert days == tuple(date(2026, 12, d) for d in range(7, 12))
    assert len(scenario.employees) == 140
    assert sum(len(z.desks) for z in scenario.zones) == 95, "phone booths are not desks"
    assert {z.activity for z in scenario.zones} == {"quiet", "collaboration", "facilitation"}
    assert len(scenario.teams) == 16
    mine = next(e for e in scenario.employees if e.key == str(ann.employee_id))
    assert mine.unavailable == (MONDAY, date(2026, 12, 8))
    assert scenario.bookings == (
        planning.Booking(person=str(booking.employee_id), day=date(2026, 12, 9), desk="Q1-03"),
    )
    assert (scenario.policy.attendance_min_share, scenario.policy.attendance_max_share) == (0.4, 0.6)
    assert any(e.preferred_days for e in scenario.employees), "preferences come from the staff file"
    assert keys.desks["Q1-03"] == world.desk("Q1-03")


async def test_a_run_stores_a_feasible_plan_with_kpis_and_sourced_flags(world: World) -> None:
    request = PlanRequest(world.site.id, MONDAY, 1, time_limit_s=3, seed=1)
    async with world.db.write_session() as session:
        plan_id = await create_plan_row(session, request)
    seen: list[planning.PlanProgress] = []
    outcome = await run_plan(world.db, plan_id, request, on_progress=seen.append)
    assert seen, "progress was reported while solving"
    assert planning.check_plan(outcome.scenario, outcome.plan) == ()
    async with world.db.read_session() as session:
        row = await session.get_one(Plan, plan_id)
        seats = int(
            await session.scalar(
                select(func.count()).select_from(PlanSeat).where(PlanSeat.plan_id == plan_id)
            )
            or 0
        )
        per_desk_day = (
            await session.execute(
                select(PlanSeat.desk_id, PlanSeat.day, func.count())
                .where(PlanSeat.plan_id == plan_id)
                .group_by(PlanSeat.desk_id, PlanSeat.day)
                .having(func.count() > 1)
            )
        ).all()
    assert row.status is PlanStatus.DONE
    assert seats == sum(1 for seat in outcome.plan.seats.values() if seat.desk)
    assert per_desk_day == []
    assert set(row.kpis) >= {"plan", "baseline", "stages"}
    assert row.kpis["plan"]["teams_with_an_all_in_day"] >= row.kpis["baseline"]["teams_with_an_all_in_day"]
    bound = row.kpis["preference_bound"]
    assert row.kpis["plan"]["preferences_honoured"] <= bound["without_team_days"] + 1e-9
    assert 0 < bound["with_team_days"] <= bound["without_team_days"] <= 1
    assert row.flags and all(flag["source"] for flag in row.flags)
    assert row.progress.get("stage")


async def test_the_time_limit_bounds_the_whole_run_from_reading_the_site_to_storing_the_plan(
    world: World,
) -> None:
    # `zones plan --time-limit` and the API's `time_limit_s` both run `run_plan`: reading the
    # site, the baseline, the planner, the analysis and storing the seats all come out of it.
    request = PlanRequest(world.site.id, MONDAY, 2, time_limit_s=2, seed=1)
    async with world.db.write_session() as session:
        plan_id = await create_plan_row(session, request)
    started = time.perf_counter()
    outcome = await run_plan(world.db, plan_id, request)
    elapsed = time.perf_counter() - started
    assert elapsed <= 2 + 3, elapsed
    assert outcome.wall_time <= elapsed and outcome.plan.seats


@pytest.fixture
async def client(world: World) -> AsyncIterator[AsyncClient]:
    app = create_app(
        Settings(
            database_url=world.db.engine.url.render_as_string(hide_password=False), release_interval_s=0
        ),
        clock=world.clock,
    )
    async with AsyncTestClient(app) as test_client:
        yield test_client


async def test_planners_queue_a_plan_over_http_and_read_its_seats_once_run(
    world: World, client: AsyncClient
) -> None:
    """The API only queues the run (tests/test_plan_jobs.py has workers run it end to end)."""
    body = {"site_id": str(world.site.id), "week": "2026-W50", "time_limit_s": 2, "seed": 3}
    assert (await client.post("/plans", json=body, headers=world.headers("ann"))).status_code == 403
    started = await client.post("/plans", json=body, headers=world.headers("planner"))
    assert started.status_code == 202, started.text
    plan = started.json()
    assert plan["status"] == "queued" and plan["progress"] == {}
    # Run here what a worker would, then read it over HTTP.
    await run_plan(world.db, plan["id"], PlanRequest(world.site.id, date(2026, 12, 7), 1, 2, 3))
    plan = (await client.get(f"/plans/{plan['id']}", headers=world.headers("planner"))).json()
    assert plan["status"] == "done", plan
    assert plan["progress"]["stage"] and "gap" in plan["progress"]
    assert plan["kpis"]["plan"]["unseated"] == 0
    seats = (
        await client.get(
            f"/plans/{plan['id']}/seats", params={"day": "2026-12-08"}, headers=world.headers("admin")
        )
    ).json()
    assert seats and {s["day"] for s in seats} == {"2026-12-08"}
    bad = await client.post("/plans", json={**body, "week": "2026-W99"}, headers=world.headers("planner"))
    assert bad.status_code == 422


def _zones(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--database-url", url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_zones_plan_writes_files_and_the_report_draws_charts(clean_url: str, tmp_path: Path) -> None:
    from zones.office.paths import demo_office_file, demo_staff_file

    _zones(clean_url, "office", "load", str(demo_office_file()))
    _zones(clean_url, "staff", "import", str(demo_staff_file()))
    code, out, err = _zones(
        clean_url,
        "plan",
        "--week",
        "2026-W50",
        "--time-limit",
        "2",
        "--seed",
        "1",
        "--out",
        str(tmp_path / "plan"),
    )
    assert code == 0, err
    assert "KPIs: this plan vs first-come booking" in out
    assert re.search(r"no\s+plan\s+at\s+all\s+more\s+than\s+\d+\.\d%\s+\(Lagrangian\s+bound\)", out), out
    assert (tmp_path / "plan" / "plan.csv").read_text().startswith("day,email,name,zone,desk,activity")
    code, out, err = _zones(
        clean_url,
        "plan",
        "report",
        "--sweep-steps",
        "1",
        "--sweep-time-limit",
        "1",
        "--out",
        str(tmp_path / "report"),
    )
    assert code == 0, err
    assert "first warning" in out or "no warning" in out
    for name in (
        "utilisation_heatmap.png",
        "utilisation_heatmap.svg",
        "whatif_curve.png",
        "whatif_curve.svg",
    ):
        assert (tmp_path / "report" / name).stat().st_size > 1000
    assert (tmp_path / "report" / "utilisation_heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_generated_scenario_file_can_be_planned(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    code, out, _ = _zones(
        "sqlite://", "plan", "generate", "--employees", "60", "--seed", "2", "--out", str(path)
    )
    assert code == 0 and path.exists()
    code, out, err = _zones(
        "sqlite://", "plan", "scenario", str(path), "--time-limit", "2", "--out", str(tmp_path / "out")
    )
    assert code == 0, err
    assert "teammate overlap" in out
    assert (tmp_path / "out" / "plan.json").exists()
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "days": [], "zones": [], "employees": [{"key": "a", "share": 2}]}')
    code, _, err = _zones("sqlite://", "plan", "scenario", str(broken))
    assert code == 2
    assert str(broken) in err and "employees[0].share" in err


def test_parse_iso_week_names_the_problem() -> None:
    assert parse_iso_week("2026-w49") == date(2026, 11, 30)
    with pytest.raises(InvalidInput, match="not an ISO week"):
        parse_iso_week("December")


def test_zones_osa_solve_proves_a_small_instance(tmp_path: Path) -> None:
    instance = Path(__file__).resolve().parents[1].parent / "shared" / "osa_data" / "nott" / "nott1d.txt"
    if not instance.exists():
        pytest.skip("the OSA data is not beside this checkout")
    code, out, err = _zones("sqlite://", "osa", "solve", str(instance), "--time-limit", "30")
    assert code == 0, err
    assert "OPTIMAL" in out and "objective 201.55" in out and "independent evaluator: feasible" in out


__all__ = ("Employee",)


async def test_the_what_if_curve_is_drawn_after_the_plan_and_served_as_svg(
    world: World, client: AsyncClient
) -> None:
    from zones.plans.whatif import compute_whatif, stored_sweep

    async with world.db.write_session() as session:
        request = PlanRequest(world.site.id, MONDAY, 1, 2, 3)
        plan_id = await create_plan_row(session, request)
    await run_plan(world.db, plan_id, request)
    chart = f"/plans/{plan_id}/charts/whatif.svg"
    assert (await client.get(chart, headers=world.headers("planner"))).status_code == 404
    assert await compute_whatif(world.db, plan_id, steps=2, step_time_limit=1.0)
    async with world.db.read_session() as session:
        sweep = stored_sweep((await session.get_one(Plan, plan_id)).kpis)
    assert [step.step for step in sweep.steps] == [0, 1, 2]
    assert sweep.steps[0].desks > sweep.steps[1].desks > sweep.steps[2].desks
    answer = await client.get(chart, headers=world.headers("planner"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in answer.content
    assert (await client.get(chart, headers=world.headers("ann"))).status_code == 403
