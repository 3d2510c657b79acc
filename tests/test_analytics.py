"""Occupancy analytics checked against a small office whose figures are worked out by hand below.

The office (site `hq`, Denmark, Monday to Friday), one floor "Ground":
- zone `c` collaboration: 27 m², ceiling 3.0 m (81 m³), desks C-1, C-2, C-3;
- zone `q` quiet: 12 m², ceiling 2.5 m (30 m³), desks Q-1, Q-2;
- zone `f` workshops: 40 m², a room and no desks, so it is no desk space anywhere below.

People (home site hq): ann 1.0, bob 1.0, cai 0.8, dan 0.5, eve 1.0 (contracted share). Teams:
Alpha = ann, bob, cai; Beta = cai, dan (the shipped policy's band: 40–60 %).

The week of Monday 30 November 2026 (F = full day, am / pm = half days):
    Mon  ann C-1 F in · bob C-2 F in · cai C-3 F in · eve Q-1 F in · dan Q-2 am released
    Tue  ann C-1 F in · bob C-2 F released · eve C-2 pm in (after bob's release) ·
         cai Q-1 am in · dan Q-1 pm in
    Wed  ann Q-1 F cancelled · eve C-1 F in
    Thu  nobody
    Fri  ann C-1 F in · bob C-2 F booked, never checked in · eve Q-2 F in
and, the week after, Mon 7 December: ann C-1 F in.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from httpx import AsyncClient
from litestar.testing import AsyncTestClient
from sqlalchemy import insert, select

from helpers import minimal_office, write_office
from zones.analytics.charts import chart
from zones.analytics.export import occupancy_csv
from zones.analytics.schemas import Grouping, Occupancy
from zones.analytics.service import occupancy
from zones.auth.tokens import issue_token
from zones.db import Database
from zones.errors import InvalidInput, NotFound
from zones.models import (
    Booking,
    BookingStatus,
    Desk,
    Employee,
    Period,
    Plan,
    PlanSeat,
    PlanStatus,
    Role,
    Site,
    Team,
    Zone,
    team_membership,
)
from zones.office.load import load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file
from zones.server.app import create_app
from zones.settings import Settings

MONDAY = date(2026, 11, 30)
FRIDAY = date(2026, 12, 4)
IN, BOOKED, RELEASED, CANCELLED = (
    BookingStatus.CHECKED_IN,
    BookingStatus.BOOKED,
    BookingStatus.RELEASED,
    BookingStatus.CANCELLED,
)
FULL, AM, PM = Period.FULL, Period.MORNING, Period.AFTERNOON


def small_office() -> dict[str, object]:
    """The office of the module docstring."""
    document = minimal_office()
    document["teams"] = [{"name": "Alpha"}, {"name": "Beta"}]
    zones = document["floors"][0]["zones"]  # type: ignore[index]
    quiet, collab, _ = zones
    quiet.update(area_m2=12.0, ceiling_height_m=2.5)
    quiet["desks"] = [{"code": "Q-1", "x": 1.0, "y": 1.0}, {"code": "Q-2", "x": 3.0, "y": 1.0}]
    collab.update(area_m2=27.0, ceiling_height_m=3.0)
    return document


@dataclass
class Office:
    db: Database
    site: Site
    people: dict[str, UUID] = field(default_factory=dict)
    desks: dict[str, Desk] = field(default_factory=dict)
    zones: dict[str, UUID] = field(default_factory=dict)


SHARES = {"ann": 1.0, "bob": 1.0, "cai": 0.8, "dan": 0.5, "eve": 1.0}
BOOKINGS = [
    (0, "ann", "C-1", FULL, IN),
    (0, "bob", "C-2", FULL, IN),
    (0, "cai", "C-3", FULL, IN),
    (0, "eve", "Q-1", FULL, IN),
    (0, "dan", "Q-2", AM, RELEASED),
    (1, "ann", "C-1", FULL, IN),
    (1, "bob", "C-2", FULL, RELEASED),
    (1, "eve", "C-2", PM, IN),
    (1, "cai", "Q-1", AM, IN),
    (1, "dan", "Q-1", PM, IN),
    (2, "ann", "Q-1", FULL, CANCELLED),
    (2, "eve", "C-1", FULL, IN),
    (4, "ann", "C-1", FULL, IN),
    (4, "bob", "C-2", FULL, BOOKED),
    (4, "eve", "Q-2", FULL, IN),
    (7, "ann", "C-1", FULL, IN),
]


async def build_office(db: Database, folder: Path) -> Office:
    """Load the office, add the people, teams and bookings, and a planner outside the site."""
    path = write_office(folder / "office.toml", small_office())
    async with db.write_session() as session:
        await load_office(session, load_office_file(path), load_policy_file(default_policy_file()))
    async with db.write_session() as session:
        site = (await session.scalars(select(Site))).one()
        office = Office(db=db, site=site)
        office.desks = {d.code: d for d in await session.scalars(select(Desk))}
        office.zones = {z.key: z.id for z in await session.scalars(select(Zone))}
        for name, share in SHARES.items():
            person = Employee(
                email=f"{name}@hq.example", name=name.title(), home_site_id=site.id, contracted_share=share
            )
            session.add(person)
            await session.flush()
            office.people[name] = person.id
        # An inactive person and a planner of no site count in no attendance band.
        session.add(Employee(email="old@hq.example", name="Old", home_site_id=site.id, active=False))
        session.add(Employee(email="pia@hq.example", name="Pia", role=Role.PLANNER))
        teams = {t.name: t.id for t in await session.scalars(select(Team))}
        members = [("Alpha", "ann"), ("Alpha", "bob"), ("Alpha", "cai"), ("Beta", "cai"), ("Beta", "dan")]
        await session.execute(
            insert(team_membership),
            [{"team_id": teams[team], "employee_id": office.people[who]} for team, who in members],
        )
        for offset, who, code, period, status in BOOKINGS:
            day = MONDAY + timedelta(days=offset)
            starts = datetime(day.year, day.month, day.day, 8 if period != PM else 12, tzinfo=UTC)
            session.add(
                Booking(
                    site_id=site.id,
                    desk_id=office.desks[code].id,
                    employee_id=office.people[who],
                    day=day,
                    period=period,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=4),
                    check_in_by=starts + timedelta(minutes=30),
                    status=status,
                )
            )
    return office


async def add_plans(office: Office) -> UUID:
    """An older finished plan, the newest finished one (returned), and a newer failed run."""
    seats = {
        "older": [(0, "eve", "Q-1")],
        "newest": [
            *[(0, "ann", "C-1"), (0, "bob", "C-2"), (0, "cai", "C-3"), (0, "dan", "Q-1")],
            *[(1, "ann", "C-1"), (1, "bob", "C-2"), (1, "cai", "C-3")],
        ],
        "failed": [(2, "eve", "Q-2")],
    }
    created = {"older": 1, "newest": 2, "failed": 3}
    ids = {}
    async with office.db.write_session() as session:
        for name, rows in seats.items():
            plan = Plan(
                site_id=office.site.id,
                starts_on=MONDAY,
                ends_on=FRIDAY,
                status=PlanStatus.FAILED if name == "failed" else PlanStatus.DONE,
                time_limit_s=10.0,
                created_at=datetime(2026, 11, created[name], tzinfo=UTC),
            )
            session.add(plan)
            await session.flush()
            ids[name] = plan.id
            for offset, who, code in rows:
                desk = office.desks[code]
                session.add(
                    PlanSeat(
                        plan_id=plan.id,
                        employee_id=office.people[who],
                        day=MONDAY + timedelta(days=offset),
                        zone_id=desk.zone_id,
                        desk_id=desk.id,
                        activity="collaboration",
                    )
                )
    return ids["newest"]


@pytest.fixture
async def office(db: Database, tmp_path: Path) -> Office:
    return await build_office(db, tmp_path)


async def analyse(office: Office, by: Grouping, end: date = FRIDAY) -> Occupancy:
    async with office.db.read_session() as session:
        return await occupancy(session, office.site.id, MONDAY, end, by)


def _group(result: Occupancy, key: str):  # type: ignore[no-untyped-def]
    return next(g for g in result.groups if g.key == key)


async def test_zone_figures_match_the_hand_count(office: Office) -> None:
    result = await analyse(office, Grouping.ZONE)
    # Zone f has no desks and nobody booked there: no row.
    assert [g.key for g in result.groups] == ["c", "q"]
    assert result.days == [MONDAY + timedelta(days=n) for n in range(5)]
    collab = _group(result, "c")
    # Zone c, 3 desks = 6 bookable half-days a day:
    #   Mon 3 full days = 6 half-days (1.0), 3 checked in;
    #   Tue C-1 both halves, C-2 bob (released, full) and eve (pm): C-2 counts once per half = 4 (4/6);
    #       booked 3 (bob's no-show too), checked in 2, released 1, present ann + eve = 2;
    #   Wed eve C-1 = 2 (1/3); Thu 0; Fri ann C-1 in + bob C-2 booked = 4 (2/3), present 1.
    assert [d.booked_half_days for d in collab.days] == [6, 4, 2, 0, 4]
    assert [d.booked for d in collab.days] == [3, 3, 1, 0, 2]
    assert [d.checked_in for d in collab.days] == [3, 2, 1, 0, 1]
    assert [d.released for d in collab.days] == [0, 1, 0, 0, 0]
    assert [d.present for d in collab.days] == [3, 2, 1, 0, 1]
    assert [d.utilisation for d in collab.days] == pytest.approx([1.0, 4 / 6, 2 / 6, 0.0, 4 / 6])
    assert (collab.booked, collab.checked_in, collab.released) == (9, 7, 1)
    assert collab.no_show_share == pytest.approx(1 / 9)
    # (6 + 4 + 2 + 0 + 4) ÷ (6 × 5) = 16/30.
    assert collab.average_utilisation == pytest.approx(16 / 30)
    assert (collab.peak_utilisation, collab.peak_day) == (1.0, MONDAY)
    # People who came ÷ desks: (3 + 2 + 1 + 0 + 1) / 3 / 5 days = 7/15.
    assert collab.average_sharing_ratio == pytest.approx(7 / 15)
    # 27 m² ÷ 3 people on Monday = 9.0 m² (below the 10 m² warning, above the 8 m² breach);
    # 81 m³ ÷ 3 = 27 m³ (above 12); peak 100 % is above the 85 % warning but not above 100 %.
    checks = {c.metric: c for c in collab.checks}
    assert (checks["area_m2_per_person"].figure, checks["area_m2_per_person"].severity) == (9.0, "warning")
    assert checks["area_m2_per_person"].day == MONDAY
    assert "British Council for Offices" in checks["area_m2_per_person"].source
    assert (checks["air_m3_per_person"].figure, checks["air_m3_per_person"].severity) == (27.0, None)
    assert "Arbejdstilsynet" in checks["air_m3_per_person"].source
    assert checks["peak_utilisation"].severity == "warning"

    quiet = _group(result, "q")
    # Zone q, 2 desks = 4 half-days: Mon Q-1 full + Q-2 am (dan, released) = 3 (0.75);
    # Tue Q-1 am + pm by two people = 2 (0.5); Wed only a cancelled booking = 0; Fri Q-2 full = 2.
    assert [d.booked_half_days for d in quiet.days] == [3, 2, 0, 0, 2]
    assert [d.present for d in quiet.days] == [1, 2, 0, 0, 1]
    assert (quiet.booked, quiet.checked_in, quiet.released) == (5, 4, 1)
    assert quiet.no_show_share == pytest.approx(1 / 5)
    assert quiet.average_utilisation == pytest.approx(7 / 20)
    assert (quiet.peak_utilisation, quiet.peak_day) == (0.75, MONDAY)
    assert quiet.average_sharing_ratio == pytest.approx((0.5 + 1.0 + 0.5) / 5)
    # Tuesday: 12 m² ÷ 2 = 6 m² (below the 8 m² breach); 30 m³ ÷ 2 = 15 m³ (fine).
    checks = {c.metric: c for c in quiet.checks}
    assert (checks["area_m2_per_person"].figure, checks["area_m2_per_person"].severity) == (6.0, "breach")
    assert checks["area_m2_per_person"].day == MONDAY + timedelta(days=1)
    assert (checks["air_m3_per_person"].figure, checks["air_m3_per_person"].severity) == (15.0, None)
    assert [d.m2_per_person for d in quiet.days] == [12.0, 6.0, None, None, 12.0]


async def test_the_site_per_day_counts_people_once_and_leaves_workshops_out(office: Office) -> None:
    result = await analyse(office, Grouping.DAY)
    (site,) = result.groups
    # 5 desks, 10 half-days a day; 12 + 27 = 39 m² and 30 + 81 = 111 m³ (not the workshop zone).
    assert (site.key, site.desks, site.area_m2) == ("hq", 5, 39.0)
    assert [d.booked_half_days for d in site.days] == [9, 6, 2, 0, 6]
    # Tuesday: ann, eve, cai, dan came (eve and dan once each though in two bookings' worth of slots).
    assert [d.present for d in site.days] == [4, 4, 1, 0, 2]
    assert [d.sharing_ratio for d in site.days] == pytest.approx([0.8, 0.8, 0.2, 0.0, 0.4])
    assert site.days[0].m2_per_person == pytest.approx(39 / 4)
    assert site.days[0].m3_per_person == pytest.approx(111 / 4)
    assert (site.booked, site.checked_in, site.released) == (14, 11, 2)
    assert site.average_utilisation == pytest.approx(23 / 50)
    assert (site.peak_utilisation, site.peak_day) == (0.9, MONDAY)
    assert site.average_sharing_ratio == pytest.approx(2.2 / 5)
    assert site.weekdays == pytest.approx({"mon": 0.9, "tue": 0.6, "wed": 0.2, "thu": 0.0, "fri": 0.6})
    floor = await analyse(office, Grouping.FLOOR)
    assert [(g.key, g.name) for g in floor.groups] == [("0", "Ground")]
    assert floor.groups[0].days == site.days


async def test_attendance_is_counted_against_each_persons_band(office: Office) -> None:
    result = await analyse(office, Grouping.TEAM)
    # 5 working days; band 40–60 % of contracted days:
    #   ann 1.0 → 2–3 days, came 3 (within); bob 1.0 → 2–3, came 1 (below; Friday not checked in);
    #   cai 0.8 → 1.6–2.4, came 2 (within); dan 0.5 → 1.0–1.5, came 1 (within, on the edge);
    #   eve 1.0 → 2–3, came 4 (above). The inactive person and the site-less planner are not counted.
    band = result.attendance
    assert (band.people, band.below, band.within, band.above) == (5, 1, 3, 1)
    assert (band.min_share, band.max_share, band.working_days) == (0.4, 0.6, 5)
    alpha, beta = result.groups
    assert (alpha.key, beta.key) == ("Alpha", "Beta")
    assert alpha.attendance is not None and beta.attendance is not None
    assert (alpha.attendance.people, alpha.attendance.below, alpha.attendance.within) == (3, 1, 2)
    assert (beta.attendance.people, beta.attendance.within, beta.attendance.above) == (2, 2, 0)
    # Alpha's bookings (cai counts in both teams): Mon 3 in; Tue 2 in + bob released; Fri ann in + bob.
    assert (alpha.booked, alpha.checked_in, alpha.released) == (8, 6, 1)
    assert (beta.booked, beta.checked_in, beta.released) == (4, 3, 1)
    # Teams own no desks: no utilisation or space figures.
    assert alpha.desks is None and alpha.average_utilisation is None and alpha.checks == []


async def test_planned_seats_come_from_the_newest_finished_plan(office: Office) -> None:
    before = await analyse(office, Grouping.ZONE)
    assert before.plan_id is None and "no finished plan" in before.plan_basis
    newest = await add_plans(office)
    result = await analyse(office, Grouping.ZONE)
    assert result.plan_id == newest and "newest finished plan" in result.plan_basis
    # Newest plan: Mon ann, bob, cai in c and dan in q; Tue ann, bob, cai in c.
    assert [d.planned for d in _group(result, "c").days] == [3, 3, 0, 0, 0]
    assert [d.planned for d in _group(result, "q").days] == [1, 0, 0, 0, 0]
    site = (await analyse(office, Grouping.DAY)).groups[0]
    assert site.planned == 7
    alpha = (await analyse(office, Grouping.TEAM)).groups[0]
    assert alpha.planned == 6


async def test_the_weekly_trend_splits_iso_weeks(office: Office) -> None:
    result = await analyse(office, Grouping.DAY, end=date(2026, 12, 8))
    (site,) = result.groups
    # W49: 23 of 50 half-days, 11 check-ins, 2 no-shows; W50 (Mon and Tue): ann's full day, 2 of 20.
    assert [(w.week, w.days, w.booked_half_days, w.bookable_half_days) for w in site.weeks] == [
        ("2026-W49", 5, 23, 50),
        ("2026-W50", 2, 2, 20),
    ]
    assert [w.utilisation for w in site.weeks] == pytest.approx([0.46, 0.1])
    assert [(w.checked_in, w.released) for w in site.weeks] == [(11, 2), (1, 0)]


async def test_a_backwards_range_and_an_unknown_site_are_refused(office: Office) -> None:
    async with office.db.read_session() as session:
        with pytest.raises(InvalidInput, match="before it starts"):
            await occupancy(session, office.site.id, FRIDAY, MONDAY)
        with pytest.raises(NotFound):
            await occupancy(session, UUID(int=1), MONDAY, FRIDAY)


async def test_csv_has_a_header_and_one_row_per_group_and_day(office: Office) -> None:
    rows = list(csv.reader(io.StringIO(occupancy_csv(await analyse(office, Grouping.ZONE)))))
    assert rows[0][:6] == ["group", "name", "day", "desks", "planned", "booked"]
    assert len(rows) == 1 + 2 * 5
    monday_c = dict(zip(rows[0], rows[1], strict=True))
    assert monday_c["group"] == "c" and monday_c["day"] == "2026-11-30"
    assert (monday_c["booked_half_days"], monday_c["bookable_half_days"], monday_c["utilisation"]) == (
        "6",
        "6",
        "1.0000",
    )
    assert monday_c["m2_per_person"] == "9.00"


async def test_the_heatmap_has_one_cell_per_zone_and_day(office: Office) -> None:
    result = await analyse(office, Grouping.ZONE)
    root = ET.fromstring(chart(result, "heatmap", "svg"))
    cells = {e.get("id") for e in root.iter() if (e.get("id") or "").startswith("cell-")}
    assert cells == {f"cell-{zone}-{MONDAY + timedelta(days=n)}" for zone in ("c", "q") for n in range(5)}
    for name in ("weekdays", "trend"):
        root = ET.fromstring(chart(result, name, "svg"))
        assert root.tag.endswith("svg")
    assert chart(result, "trend", "png").startswith(b"\x89PNG")


@pytest.fixture
async def client(office: Office) -> AsyncIterator[AsyncClient]:
    async with office.db.write_session() as session:
        tokens = {
            who: (await issue_token(session, f"{who}@hq.example", "tests"))[0] for who in ("pia", "eve")
        }
    app = create_app(Settings(database_url=office.db.engine.url.render_as_string(hide_password=False)))
    async with AsyncTestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {tokens['pia']}"
        test_client.headers["X-Employee-Token"] = tokens["eve"]
        yield test_client


def _query(office: Office, by: str = "zone") -> dict[str, str]:
    return {"site_id": str(office.site.id), "from": str(MONDAY), "to": str(FRIDAY), "by": by}


async def test_planners_read_occupancy_over_http_and_employees_may_not(
    office: Office, client: AsyncClient
) -> None:
    employee = {"Authorization": f"Bearer {client.headers['X-Employee-Token']}"}
    for path in ("/analytics/occupancy", "/analytics/occupancy.csv", "/analytics/charts/heatmap.svg"):
        refused = await client.get(path, params=_query(office), headers=employee)
        assert refused.status_code == 403, path
    answer = await client.get("/analytics/occupancy", params=_query(office, "day"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["groups"][0]["average_utilisation"] == pytest.approx(0.46)
    assert body["attendance"] == {
        "people": 5,
        "below": 1,
        "within": 3,
        "above": 1,
        "min_share": 0.4,
        "max_share": 0.6,
        "working_days": 5,
    }
    backwards = await client.get(
        "/analytics/occupancy", params={**_query(office), "from": str(FRIDAY), "to": str(MONDAY)}
    )
    assert backwards.status_code == 422
    assert backwards.headers["content-type"].startswith("application/problem+json")


async def test_csv_and_charts_download_over_http(office: Office, client: AsyncClient) -> None:
    exported = await client.get("/analytics/occupancy.csv", params=_query(office))
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    assert exported.text.splitlines()[0].startswith("group,name,day,desks,planned,booked")
    svg = await client.get("/analytics/charts/heatmap.svg", params=_query(office))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag.endswith("svg")
    png = await client.get("/analytics/charts/trend.png", params=_query(office))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    unknown = await client.get("/analytics/charts/pie.svg", params=_query(office))
    assert unknown.status_code == 404
