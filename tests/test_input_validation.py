"""Free text is checked at the edge: control characters and line breaks are refused with a problem
that names the field or parameter, on SQLite and PostgreSQL alike, and nothing is stored.

Also: reads never answer 409, and validation problems name inputs as the client sent them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from advanced_alchemy.exceptions import IntegrityError as RepositoryIntegrityError
from httpx import AsyncClient
from litestar import Litestar, get
from litestar.testing import AsyncTestClient, TestClient
from sqlalchemy import exc as database
from sqlalchemy import select

from booking_support import World, build_world, weekday
from zones.db import Database
from zones.models import Desk, RoomBooking
from zones.office.service import DeskService
from zones.server.app import create_app
from zones.server.problems import exception_handlers, problem_details_plugin
from zones.settings import Settings
from zones.text import SINGLE_LINE_PATTERN, SingleLine

PROBLEM = "application/problem+json"
CONTROL_TEXTS = {
    "nul": "Budget\x00review",
    "escape": "Budget \x1b[31mreview",
    "bell": "Budget\x07",
    "crlf": "Budget\r\nBcc: someone@example.com",
    "trailing line feed": "Budget\n",
    "c1 next line": "Budget\x85review",
    "line separator": "Budget\u2028review",
}


@pytest.fixture
async def api(db: Database) -> AsyncIterator[tuple[World, AsyncClient]]:
    world = await build_world(db)
    app = create_app(
        Settings(database_url=db.engine.url.render_as_string(hide_password=False), release_interval_s=0),
        clock=world.clock,
    )
    async with AsyncTestClient(app) as client:
        client.headers.update(world.headers("ann"))
        yield world, client


def _room_booking(world: World, **changes: Any) -> dict[str, Any]:
    day = weekday(1)
    return {
        "room_id": str(world.rooms["W-HAVNEN"].id),
        "title": "Kvartalsmøde",
        "starts_at": f"{day}T10:00:00",
        "ends_at": f"{day}T11:00:00",
        **changes,
    }


async def _stored_room_bookings(world: World) -> list[RoomBooking]:
    async with world.db.read_session() as session:
        return list(await session.scalars(select(RoomBooking)))


@pytest.mark.parametrize("title", CONTROL_TEXTS.values(), ids=CONTROL_TEXTS.keys())
async def test_a_room_booking_title_with_a_control_character_is_refused_naming_the_field(
    api: tuple[World, AsyncClient], title: str
) -> None:
    world, client = api
    response = await client.post("/room-bookings", json=_room_booking(world, title=title))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    [invalid] = response.json()["invalid-params"]
    assert invalid == {
        "name": "title",
        "reason": "must be one line of text without control characters",
        "source": "body",
    }
    assert await _stored_room_bookings(world) == []


async def test_a_room_booking_title_takes_danish_letters_emoji_and_spaces(
    api: tuple[World, AsyncClient],
) -> None:
    world, client = api
    title = "Kvartalsmøde på Østerbro – æøå ÆØÅ 🎉"
    response = await client.post("/room-bookings", json=_room_booking(world, title=title))
    assert response.status_code == 201, response.text
    assert [b.title for b in await _stored_room_bookings(world)] == [title]


async def test_attendee_addresses_with_line_breaks_are_refused_naming_the_entry(
    api: tuple[World, AsyncClient],
) -> None:
    world, client = api
    bob = world.people["bob"].email
    attendees = [bob, f"{bob}\r\nBcc: everyone@example.com"]
    response = await client.post("/room-bookings", json=_room_booking(world, attendees=attendees))
    assert response.status_code == 422, response.text
    assert response.json()["invalid-params"][0]["name"] == "attendees[1]"
    assert await _stored_room_bookings(world) == []
    created = await client.post("/room-bookings", json=_room_booking(world, attendees=[bob]))
    assert created.status_code == 201, created.text
    replaced = await client.put(
        f"/room-bookings/{created.json()['id']}/attendees", json={"attendees": ["eve@example.dk\x00"]}
    )
    assert replaced.status_code == 422, replaced.text
    assert replaced.json()["invalid-params"][0]["name"] == "attendees[0]"


@pytest.mark.parametrize("path", ["/desks", "/availability"])
async def test_a_query_filter_with_a_nul_is_refused_naming_the_parameter_never_409(
    api: tuple[World, AsyncClient], path: str
) -> None:
    world, client = api
    params = {"attribute": "\x00", "site_id": str(world.site.id), "day": str(weekday(1))}
    response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["detail"] == f"Validation failed for GET {path}"
    assert [(p["name"], p["source"]) for p in problem["invalid-params"]] == [("attribute", "query")]
    assert "U+0000" in problem["invalid-params"][0]["reason"]


async def test_clean_query_filters_still_work(api: tuple[World, AsyncClient]) -> None:
    _, client = api
    response = await client.get("/desks", params={"attribute": "accessible"})
    assert response.status_code == 200, response.text
    assert response.json()["items"]


async def test_a_value_the_database_cannot_search_for_is_422_not_409(db: Database, backend: str) -> None:
    """What advanced-alchemy raises when PostgreSQL refuses a NUL in a read, mapped by problems.py."""
    async with db.read_session() as session:
        if backend == "sqlite":
            assert (await DeskService(session=session).get_many_and_count(Desk.offers("\x00")))[1] == 0
            return
        with pytest.raises(RepositoryIntegrityError) as caught:
            await DeskService(session=session).get_many_and_count(Desk.offers("\x00"))
    response = _answer_to(caught.value)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/invalid-value"


def _answer_to(error: Exception) -> Any:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise error

    app = Litestar([boom], plugins=[problem_details_plugin()], exception_handlers=exception_handlers)  # type: ignore[arg-type]
    with TestClient(app) as client:
        return client.get("/boom")


def _wrapped(cause: Exception) -> RepositoryIntegrityError:
    error = RepositoryIntegrityError(detail="wrapped")
    error.__cause__ = cause
    return error


class _SqlState(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (_wrapped(database.IntegrityError("INSERT", {}, Exception("unique"))), 409),
        (_wrapped(database.DBAPIError("SELECT", {}, _SqlState("22021"))), 422),
        (_wrapped(database.DataError("SELECT", {}, Exception("numeric out of range"))), 422),
        (_wrapped(database.OperationalError("SELECT", {}, Exception("server went away"))), 500),
        (database.DBAPIError("INSERT", {}, _SqlState("22P05")), 422),
        (database.OperationalError("SELECT", {}, Exception("server went away")), 500),
    ],
    ids=["constraint", "invalid byte sequence", "data error", "connection lost", "raw", "raw connection"],
)
def test_only_a_refused_constraint_answers_409(error: Exception, status: int) -> None:
    response = _answer_to(error)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)


async def test_validation_problems_name_parameters_as_sent_and_do_not_echo_the_query(
    api: tuple[World, AsyncClient],
) -> None:
    _, client = api
    secret = "x" * 300
    response = await client.get("/bookings", params={"scope": "someday", "note": secret})
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["detail"] == "Validation failed for GET /bookings"
    assert [(p["name"], p["source"]) for p in problem["invalid-params"]] == [("scope", "query")]
    assert secret not in response.text
    listed = await client.get("/room-bookings", params={"scope": "later"})
    assert listed.json()["invalid-params"][0]["name"] == "scope"


async def test_a_long_invalid_value_is_not_echoed_whole(api: tuple[World, AsyncClient]) -> None:
    _, client = api
    response = await client.get("/bookings", params={"scope": "y" * 2000})
    assert response.status_code == 400, response.text
    assert all(len(p["reason"]) <= 200 for p in response.json()["invalid-params"])


def test_single_line_text_refuses_control_characters_and_keeps_ordinary_unicode() -> None:
    for text in CONTROL_TEXTS.values():
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(text, SingleLine)
    for text in ("Ann Holm", "Søren Ærø-Ødegård", "Budget 2028 🎉", "", "tab\u00a0nbsp"):
        assert msgspec.convert(text, SingleLine) == text


def test_the_openapi_document_states_the_rule_for_free_text(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'z.db'}", release_interval_s=0))
    with TestClient(app) as client:
        schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]
    title = schemas["RoomBookingCreate"]["properties"]["title"]
    attendee = schemas["AttendeesUpdate"]["properties"]["attendees"]["items"]
    for text in (title, attendee):
        assert text["pattern"] == SINGLE_LINE_PATTERN
