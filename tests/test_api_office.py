"""The read API over the demo office, on SQLite and PostgreSQL, with problem-details errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from httpx import AsyncClient
from litestar.testing import AsyncTestClient

from helpers import load_demo
from zones.auth.tokens import issue_token
from zones.db import Database
from zones.server.app import create_app
from zones.settings import Settings

PROBLEM = "application/problem+json"


@pytest.fixture
async def client(db: Database) -> AsyncIterator[AsyncClient]:
    await load_demo(db)
    async with db.write_session() as session:
        token, _ = await issue_token(session, "anders.olsen@kff.example.dk")
    # The app gets its own engine: the test client serves it on an event loop of its own.
    app = create_app(Settings(database_url=db.engine.url.render_as_string(hide_password=False)))
    async with AsyncTestClient(app) as test_client:
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client


async def _site_id(client: AsyncClient) -> str:
    response = await client.get("/sites")
    return str(response.json()["items"][0]["id"])


async def test_health_reports_database_and_current_schema(client: AsyncClient, backend: str) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == backend
    assert body["schema_revision"] == body["expected_revision"]


async def test_sites_list_and_detail(client: AsyncClient) -> None:
    page = (await client.get("/sites")).json()
    assert page["total"] == 1
    site = page["items"][0]
    assert site["key"] == "kff-cph"
    assert site["working_days"] == ["mon", "tue", "wed", "thu", "fri"]
    detail = await client.get(f"/sites/{site['id']}")
    assert detail.json() == site


async def test_site_summary_gives_desks_per_person(client: AsyncClient) -> None:
    summary = (await client.get(f"/sites/{await _site_id(client)}/summary")).json()
    assert summary["desks"] == 95
    assert summary["headcount"] == 140
    assert summary["desks_per_person"] == 0.68
    assert summary["desks_by_activity"]["quiet"] == 30
    assert summary["room_seats"] == 30
    assert summary["desks_per_fte_reference"] == 0.7
    assert summary["planning_weights"]["team_gathering"] == 2000
    assert [floor["level"] for floor in summary["floors"]] == [1, 2]


async def test_zones_filter_by_activity_and_floor(client: AsyncClient) -> None:
    quiet = (await client.get("/zones", params={"activity": "quiet"})).json()
    assert {zone["key"] for zone in quiet["items"]} == {"1-quiet", "2-quiet"}
    floors = (await client.get("/floors", params={"site_id": await _site_id(client)})).json()["items"]
    second = next(floor for floor in floors if floor["level"] == 2)
    on_second = (await client.get("/zones", params={"floor_id": second["id"]})).json()
    assert on_second["total"] == 4
    facilitation = next(zone for zone in on_second["items"] if zone["activity"] == "facilitation")
    assert facilitation["outline"] == {"x": 0.0, "y": 11.0, "width": 20.0, "depth": 9.0}
    assert facilitation["volume_m3"] == pytest.approx(118.0 * 2.8)


async def test_desks_filter_by_attribute_on_both_databases(client: AsyncClient) -> None:
    accessible = (await client.get("/desks", params={"attribute": "accessible"})).json()
    assert accessible["total"] == 4
    assert all("accessible" in desk["attributes"] for desk in accessible["items"])
    booths = (await client.get("/desks", params={"bookable": "false"})).json()
    assert booths["total"] == 4
    assert all("phone-booth" in desk["attributes"] for desk in booths["items"])


async def test_lists_are_paginated(client: AsyncClient) -> None:
    page = (await client.get("/desks", params={"limit": 10, "offset": 90})).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (99, 10, 90, 9)
    codes = [desk["code"] for desk in page["items"]]
    assert codes == sorted(codes)


async def test_rooms_filter_by_capacity(client: AsyncClient) -> None:
    rooms = (await client.get("/rooms", params={"min_capacity": 10})).json()
    assert sorted(room["name"] for room in rooms["items"]) == ["Havnen", "Vesterbro"]


async def test_unknown_resource_is_a_problem_detail(client: AsyncClient) -> None:
    for path in ("/desks", "/zones", "/floors", "/rooms", "/sites"):
        response = await client.get(f"{path}/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["status"] == 404
        assert response.json()["title"] == "Not Found"


async def test_invalid_query_names_the_parameter(client: AsyncClient) -> None:
    response = await client.get("/desks", params={"limit": 0})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["invalid-params"][0]["name"] == "limit"
    response = await client.get("/zones", params={"activity": "loud"})
    assert response.status_code == 400
    assert response.json()["invalid-params"][0]["name"] == "activity"


async def test_openapi_documents_every_route_with_id_tags_and_problem_bodies(client: AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) >= 25
    assert all(op.get("operationId") and op.get("tags") for op in operations)
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    for path, item in document["paths"].items():
        for op in item.values():
            if "{" in path:
                assert PROBLEM in op["responses"]["404"]["content"], op["operationId"]
            if op["operationId"] not in ("getHealth", "getCalendarFeed"):  # open: no token needed
                assert PROBLEM in op["responses"]["401"]["content"], op["operationId"]
    page = await client.get("/schema")
    assert page.status_code == 200
    assert "<html" in page.text.lower()
