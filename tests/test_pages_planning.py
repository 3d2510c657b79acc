"""The planner's pages over HTTP: the office overview against the thresholds, the staff and office
file uploads with the services' own reports and problems (all or nothing), closures added and
removed (cancelling the bookings they hit), analytics, plan runs started, followed (the progress
fragment HTMX polls) and cancelled, and a finished plan's review. Planners and admins only:
employees get a 403 page and nothing changes."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import tomli_w
from httpx import Response
from sqlalchemy import func, select

from booking_support import MONDAY, as_, weekday
from page_support import Pages, text_of
from zones.bookings.desks import DeskBookings
from zones.models import Booking, BookingStatus, Closure, Employee, Period, Plan, PlanStatus, Zone
from zones.office.errors import ConfigError
from zones.office.parse import load_office_file, load_policy_file, read_toml
from zones.office.paths import default_policy_file, demo_office_file
from zones.plans.run import PlanRequest, create_plan_row, run_plan
from zones.staff.csv_import import parse_staff_csv

PAGES = (
    "/planning",
    "/planning/staff",
    "/planning/office",
    "/planning/closures",
    "/planning/analytics",
    "/planning/runs",
)
HEADER = "email,name,team,role,home_site,contracted_share\n"


async def upload(pages: Pages, who: str, path: str, name: str, content: bytes, **fields: str) -> Response:
    """A form with a file, as the browser sends it: multipart, the CSRF token as a field."""
    headers = pages.headers(who)
    token = headers.pop("X-CSRF-Token")
    return await pages.client.post(
        path,
        data={"csrf_token": token, **fields},
        files={"file": (name, content, "application/octet-stream")},
        headers=headers,
    )


def form_value(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no field {name}"
    return found[1]


async def people_count(pages: Pages) -> int:
    async with pages.world.db.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(Employee)) or 0)


# Who may see the pages -------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
async def test_each_planning_page_answers_a_planner_and_an_admin_and_refuses_an_employee(
    pages: Pages, path: str
) -> None:
    for who in ("planner", "admin"):
        page = await pages.get(who, path)
        assert page.status_code == 200, page.text[:500]
        assert 'aria-label="Planning pages"' in page.text
        assert '<a href="/planning" aria-current="page">Planning</a>' in page.text
    refused = await pages.get("ann", path)
    assert refused.status_code == 403
    assert "Only for planners" in text_of(refused.text)


async def test_only_planners_and_admins_see_planning_in_the_main_menu(pages: Pages) -> None:
    assert 'href="/planning"' not in await pages.week("ann")
    assert 'href="/planning"' in await pages.week("planner")
    assert 'href="/planning"' in await pages.week("admin")


async def test_an_employee_cannot_import_staff_or_add_a_closure(pages: Pages) -> None:
    before = await people_count(pages)
    refused = await upload(pages, "ann", "/planning/staff", "staff.csv", (HEADER + "new@x.dk,New\n").encode())
    assert refused.status_code == 403
    assert await people_count(pages) == before
    refused = await pages.post(
        "ann",
        "/planning/closures",
        {"starts_on": weekday(1).isoformat(), "place": "site", "reason": "Strike"},
    )
    assert refused.status_code == 403
    async with pages.world.db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(Closure)) == 0


async def test_the_pages_speak_danish(pages: Pages) -> None:
    page = await pages.get("planner", "/planning", language="da")
    text = text_of(page.text)
    assert "Overblik over kontoret" in text
    assert "Pladser pr. medarbejder" in text
    assert "m² pr. person" in text


# The overview ---------------------------------------------------------------------------------


async def test_the_overview_shows_zones_space_per_person_and_thresholds_with_sources(pages: Pages) -> None:
    page = await pages.get("planner", "/planning")
    text = text_of(page.text)
    assert "Quiet zone · north" in text and "Collaboration · Culture" in text
    # Every desk of Collaboration · Culture taken: 176 m² ÷ 18 desks = 9.8 m², below the 10 m² warning.
    assert re.search(r"Collaboration · Culture Collaboration zone 18 – 176 [\d.]+ [\d,]+ 9\.8 Warning", text)
    assert "British Council for Offices" in text and "Arbejdstilsynet" in text
    assert "Desks per full-time employee" in text and "0.70" in text
    assert text.count("bar-row") == 0 and page.text.count('class="bar-row"') == 12  # 6 zones, 2 charts
    for link in ("/planning/runs", "/planning/closures", "/planning/analytics", "/planning/staff"):
        assert f'href="{link}' in page.text


# Staff file -------------------------------------------------------------------------------------


async def test_a_good_staff_file_is_imported_and_reported(pages: Pages) -> None:
    before = await people_count(pages)
    content = HEADER + "nina.new@kff.example.dk,Nina New,Libraries,employee,kff-cph,0.8\n"
    page = await upload(pages, "planner", "/planning/staff", "staff.csv", content.encode())
    assert page.status_code == 200, page.text[:500]
    text = text_of(page.text)
    assert "Staff imported from staff.csv" in text
    assert "Rows accepted 1" in text and "Rows rejected 0" in text and "People added 1" in text
    assert await people_count(pages) == before + 1


async def test_rejected_rows_are_listed_as_the_service_reports_them_and_nothing_is_imported(
    pages: Pages,
) -> None:
    before = await people_count(pages)
    content = (
        HEADER
        + "nina.new@kff.example.dk,Nina New,Libraries,employee,kff-cph,0.8\n"
        + "not-an-address,Bad Mail,,,,\n"
        + "olga@kff.example.dk,Olga,,chief,,\n"
        + "per@kff.example.dk,Per,,,,150%\n"
    )
    page = await upload(pages, "planner", "/planning/staff", "staff.csv", content.encode())
    assert page.status_code == 422
    expected = parse_staff_csv(content, "staff.csv", ["kff-cph"]).rejected
    assert [row.line for row in expected] == [3, 4, 5]
    rows = re.findall(r'<tr><td class="numeric">(\d+)</td><td lang="en">([^<]*)</td></tr>', page.text)
    assert [(int(line), unescape(reason)) for line, reason in rows] == [(r.line, r.reason) for r in expected]
    assert "3 rows were rejected, so nothing was imported" in text_of(page.text)
    assert 'href="#rejected"' in page.text
    assert await people_count(pages) == before

    # With "import the valid rows", the one good row goes in and the rejected rows are still listed.
    page = await upload(pages, "planner", "/planning/staff", "staff.csv", content.encode(), skip_invalid="1")
    assert page.status_code == 200
    assert "Rows rejected 3" in text_of(page.text) and "People added 1" in text_of(page.text)
    assert await people_count(pages) == before + 1


async def test_a_staff_file_with_a_bad_header_or_no_file_changes_nothing(pages: Pages) -> None:
    before = await people_count(pages)
    page = await upload(pages, "planner", "/planning/staff", "staff.csv", b"mail,name\nx@y.dk,X\n")
    assert page.status_code == 422
    text = text_of(page.text)
    assert "staff.csv cannot be used" in text
    assert "unknown column 'mail'" in text and "lacks the required column 'email'" in text
    page = await upload(
        pages, "planner", "/planning/staff", "staff.csv", "email,name\nø@x.dk,Ø\n".encode("latin-1")
    )
    assert page.status_code == 422 and "not UTF-8" in text_of(page.text)
    page = await upload(pages, "planner", "/planning/staff", "", b"")
    assert page.status_code == 422 and "Choose a file to upload." in text_of(page.text)
    assert await people_count(pages) == before


async def test_a_multipart_form_without_the_csrf_token_is_refused(pages: Pages) -> None:
    before = await people_count(pages)
    headers = pages.headers("planner")
    headers.pop("X-CSRF-Token")
    content = (HEADER + "nina.new@kff.example.dk,Nina New,,,,\n").encode()
    refused = await pages.client.post(
        "/planning/staff", files={"file": ("staff.csv", content, "text/csv")}, headers=headers
    )
    assert refused.status_code == 403
    assert await people_count(pages) == before


# Office file ----------------------------------------------------------------------------------


def demo_document() -> dict[str, Any]:
    return read_toml(demo_office_file())


async def test_an_office_file_with_errors_lists_them_by_key_as_the_cli_does(
    pages: Pages, tmp_path: Path
) -> None:
    document = demo_document()
    document["site"]["timezone"] = "Europe/Copenhagn"
    document["floors"][0]["zones"][0]["activity"] = "chatting"
    content = tomli_w.dumps(document).encode()
    path = tmp_path / "office.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as cli:
        load_office_file(path, load_policy_file(default_policy_file()))
    page = await upload(pages, "planner", "/planning/office", "kff.toml", content, action="check")
    assert page.status_code == 422
    text = text_of(page.text)
    assert "kff.toml cannot be used" in text
    for problem in cli.value.problems:
        assert f"{problem.where} {problem.message}" in text

    page = await upload(
        pages, "planner", "/planning/office", "broken.toml", b"[site\nkey = 1\n", action="check"
    )
    assert page.status_code == 422 and "is not valid TOML" in text_of(page.text)


async def test_an_office_file_shows_what_it_changes_then_loads_it(pages: Pages) -> None:
    document = demo_document()
    document["floors"][0]["zones"][0]["name"] = "Quiet zone · renamed"
    content = tomli_w.dumps(document).encode()
    page = await upload(pages, "planner", "/planning/office", "kff.toml", content, action="check")
    assert page.status_code == 200, page.text[:800]
    text = text_of(page.text)
    assert "What loading kff.toml will change" in text
    assert re.search(r"Zones 7 0 1 0", text), text
    async with pages.world.db.read_session() as session:  # nothing written yet
        assert await session.scalar(select(Zone).where(Zone.name == "Quiet zone · renamed")) is None

    page = await pages.post(
        "planner",
        "/planning/office",
        {"action": "load", "file_name": "kff.toml", "content": form_value(page.text, "content")},
    )
    assert page.status_code == 200, page.text[:800]
    assert "Office file loaded" in text_of(page.text)
    assert "Site kff-cph was updated from kff.toml." in text_of(page.text)
    async with pages.world.db.read_session() as session:
        assert await session.scalar(select(Zone).where(Zone.name == "Quiet zone · renamed")) is not None


async def test_an_office_file_that_drops_a_booked_desk_changes_nothing(pages: Pages) -> None:
    world = pages.world
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-01"), weekday(1), Period.FULL))
    document = demo_document()
    zone = next(
        z for f in document["floors"] for z in f["zones"] if any(d["code"] == "Q1-01" for d in z["desks"])
    )
    zone["desks"] = [d for d in zone["desks"] if d["code"] != "Q1-01"]
    content = tomli_w.dumps(document).encode()
    page = await upload(pages, "planner", "/planning/office", "kff.toml", content, action="check")
    assert page.status_code == 409
    assert "desk Q1-01 has 1 upcoming booking(s)" in text_of(page.text)


# Closures ---------------------------------------------------------------------------------------


async def test_a_closure_is_added_cancelling_the_bookings_it_hits_and_removed(pages: Pages) -> None:
    world = pages.world
    booking = await as_(
        world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-01"), weekday(2), Period.FULL)
    )
    quiet = world.zones["1-quiet"]
    answer = await pages.post(
        "planner",
        "/planning/closures",
        {
            "site_id": str(world.site.id),
            "starts_on": weekday(2).isoformat(),
            "ends_on": weekday(3).isoformat(),
            "place": f"zone:{quiet.id}",
            "reason": "New floor covering",
        },
    )
    assert answer.status_code == 303, answer.text[:500]
    assert "done=closure-added" in answer.headers["location"] and "desks=1" in answer.headers["location"]
    async with world.db.read_session() as session:
        assert (await session.get_one(Booking, booking.id)).status is BookingStatus.CANCELLED
        closure = await session.scalar(select(Closure))
    assert closure is not None and closure.zone_id == quiet.id
    page = await pages.get("planner", answer.headers["location"])
    text = text_of(page.text)
    assert "Closure added Desk bookings cancelled: 1. Room bookings cancelled: 0." in text
    assert "New floor covering" in text and "Quiet zone · north" in text
    assert "Christmas Day" in text or "Juledag" in text  # the coming year's public holidays

    answer = await pages.post("planner", f"/planning/closures/{closure.id}/remove")
    assert answer.status_code == 303
    async with world.db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(Closure)) == 0
    page = await pages.get("planner", answer.headers["location"])
    assert "Closure removed" in text_of(page.text)


async def test_a_closure_form_with_problems_says_what_to_fix(pages: Pages) -> None:
    world = pages.world
    page = await pages.post(
        "planner",
        "/planning/closures",
        {"site_id": str(world.site.id), "starts_on": "", "place": "site", "reason": " "},
    )
    assert page.status_code == 422
    text = text_of(page.text)
    assert "Enter the first closed day as a date" in text and "Say why the place is closed" in text
    assert 'href="#starts_on"' in page.text and 'href="#reason"' in page.text
    page = await pages.post(
        "planner",
        "/planning/closures",
        {
            "site_id": str(world.site.id),
            "starts_on": weekday(3).isoformat(),
            "ends_on": weekday(1).isoformat(),
            "place": "site",
            "reason": "Move",
        },
        language="da",
    )
    assert page.status_code == 422
    assert "Den sidste dag er før den første dag" in text_of(page.text)
    async with world.db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(Closure)) == 0


# Analytics --------------------------------------------------------------------------------------


async def test_analytics_shows_the_figures_the_charts_and_the_csv_link(pages: Pages) -> None:
    world = pages.world
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-01"), weekday(1), Period.FULL))
    page = await pages.get(
        "planner", "/planning/analytics", starts_on=MONDAY.isoformat(), ends_on=weekday(4).isoformat()
    )
    assert page.status_code == 200, page.text[:500]
    text = text_of(page.text)
    assert "Planned, booked and used per zone" in text
    assert re.search(r"Quiet zone · north 16 0 1 0 0", text)
    query = f"site_id={world.site.id}&from={MONDAY}&to={weekday(4)}&by=zone"
    assert f'href="/analytics/occupancy.csv?{query}"' in page.text.replace("&amp;", "&")
    for chart in ("heatmap", "weekdays", "trend"):
        assert f'src="/analytics/charts/{chart}.svg?{query}"' in page.text.replace("&amp;", "&")
    assert len(re.findall(r'<img [^>]*alt="[^"]{20,}"', page.text)) == 3
    csv = await pages.client.get(f"/analytics/occupancy.csv?{query}", headers=pages.headers("planner"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")


async def test_analytics_with_a_range_that_ends_before_it_starts_says_so(pages: Pages) -> None:
    page = await pages.get(
        "planner", "/planning/analytics", starts_on=weekday(4).isoformat(), ends_on=MONDAY.isoformat()
    )
    assert page.status_code == 422
    assert "The last day is before the first day" in text_of(page.text)


# Plan runs --------------------------------------------------------------------------------------


async def test_a_run_is_started_followed_and_cancelled(pages: Pages) -> None:
    world = pages.world
    start = {"site_id": str(world.site.id), "week": "2026-W50", "weeks": "2", "time_limit": "60"}
    answer = await pages.post("planner", "/planning/runs", start)
    assert answer.status_code == 303, answer.text[:800]
    location = answer.headers["location"]
    plan_id = UUID(re.search(r"/planning/runs/([0-9a-f-]{36})", location)[1])  # type: ignore[index]
    page = await pages.get("planner", location)
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Planning started" in text and "Queued" in text
    assert "Waiting for a planner worker to start it." in text
    assert 'hx-trigger="every 1s"' in page.text and f'hx-get="/planning/runs/{plan_id}/progress"' in page.text

    headers = pages.headers("planner")
    headers.pop("X-CSRF-Token")
    fragment = await pages.client.get(
        f"/planning/runs/{plan_id}/progress", headers={**headers, "HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert 'hx-trigger="every 1s"' in fragment.text and "<html" not in fragment.text
    assert "Queued" in text_of(fragment.text)
    # Without HTMX the fragment's address shows the run's page.
    plain = await pages.client.get(f"/planning/runs/{plan_id}/progress", headers=headers)
    assert plain.status_code == 303 and plain.headers["location"] == f"/planning/runs/{plan_id}"

    # The same weeks again: refused, with a link to the run that is going.
    again = await pages.post("planner", "/planning/runs", start)
    assert again.status_code == 409
    assert "A plan of these weeks is already running" in text_of(again.text)
    assert f'href="/planning/runs/{plan_id}"' in again.text

    listed = await pages.get("planner", "/planning/runs")
    assert f'href="/planning/runs/{plan_id}"' in listed.text and "Queued" in text_of(listed.text)

    answer = await pages.post("planner", f"/planning/runs/{plan_id}/cancel")
    assert answer.status_code == 303
    page = await pages.get("planner", answer.headers["location"])
    assert "Run cancelled" in text_of(page.text) and "hx-trigger" not in page.text
    fragment = await pages.client.get(
        f"/planning/runs/{plan_id}/progress", headers={**headers, "HX-Request": "true"}
    )
    assert "hx-trigger" not in fragment.text
    assert 'hx-swap-oob="innerHTML"' in fragment.text and "The run has finished." in text_of(fragment.text)
    again = await pages.post("planner", f"/planning/runs/{plan_id}/cancel")
    assert again.status_code == 409
    assert "nothing to cancel" in text_of(again.text)


async def test_a_run_form_with_problems_says_what_to_fix(pages: Pages) -> None:
    world = pages.world
    page = await pages.post(
        "planner",
        "/planning/runs",
        {"site_id": str(world.site.id), "week": "", "weeks": "9", "time_limit": "x"},
    )
    assert page.status_code == 422
    text = text_of(page.text)
    assert (
        "Enter the first week to plan" in text and "from 1 to 8" in text and "from 10 to 600 seconds" in text
    )
    page = await pages.post(
        "planner",
        "/planning/runs",
        {"site_id": str(world.site.id), "week": "2026-W77", "weeks": "1", "time_limit": "60"},
    )
    assert page.status_code == 422
    assert "2026-W77 is not a week" in text_of(page.text)
    async with world.db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(Plan)) == 0


async def test_a_finished_plan_is_reviewed_by_day_and_zone_team_and_person(pages: Pages) -> None:
    world = pages.world
    request = PlanRequest(world.site.id, date(2026, 12, 7), 1, time_limit_s=3, seed=1)
    async with world.db.write_session() as session:
        plan_id = await create_plan_row(session, request)
    await run_plan(world.db, plan_id, request)
    async with world.db.read_session() as session:
        row = await session.get_one(Plan, plan_id)
        assert row.status is PlanStatus.DONE
        flags = row.flags
    page = await pages.get("planner", f"/planning/runs/{plan_id}")
    assert page.status_code == 200, page.text[:800]
    text = text_of(page.text)
    assert "People planned ÷ usable desks" in text
    assert re.search(r"Quiet zone · north Quiet zone, 16 desks( \d+/16 \d+%){5}", text), text[:3000]
    assert "Members in ÷ members available, per team and day" in text and "Libraries" in text
    assert "Office days, zones and desks per person" in text
    assert world.people["ann"].name in text
    assert "This plan beside first-come booking" in text and "Preferred days honoured" in text
    if flags:
        assert "Where the thresholds come from" in text and flags[0]["source"] in text
    assert "hx-trigger" not in page.text
    listed = await pages.get("planner", "/planning/runs")
    assert "Done" in text_of(listed.text)

    # The dry run says what applying would book; nothing is booked until "Apply".
    preview = await pages.post("planner", f"/planning/runs/{plan_id}/apply", {"dry_run": "1"})
    assert preview.status_code == 200, preview.text[:800]
    found = re.search(r"Bookings to make (\d+)", text_of(preview.text))
    assert found and int(found[1]) > 0
    async with world.db.read_session() as session:
        assert (
            await session.scalar(select(func.count()).select_from(Booking).where(Booking.plan_id == plan_id))
            == 0
        )
    assert "Apply plan: make" in text_of(preview.text)
    refused = await pages.post("ann", f"/planning/runs/{plan_id}/apply", {})
    assert refused.status_code == 403

    conflicts = re.search(r"Seats that cannot be booked (\d+)", text_of(preview.text))
    assert conflicts
    if int(conflicts[1]):  # seats the booking rules refuse stop the apply unless the rest is wanted
        stopped = await pages.post("planner", f"/planning/runs/{plan_id}/apply", {})
        assert stopped.status_code == 409
        assert "so nothing was booked" in text_of(stopped.text) and 'id="skip_conflicts"' in stopped.text
    applied = await pages.post("planner", f"/planning/runs/{plan_id}/apply", {"skip_conflicts": "1"})
    assert applied.status_code == 303, applied.text[:800]
    async with world.db.read_session() as session:
        booked = await session.scalar(
            select(func.count()).select_from(Booking).where(Booking.plan_id == plan_id)
        )
    assert booked == int(found[1])
    page = await pages.get("planner", applied.headers["location"])
    assert f"Plan applied Bookings made: {booked}." in text_of(page.text)
