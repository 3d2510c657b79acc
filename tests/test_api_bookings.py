"""The booking API end to end: flows, problem details, and the whole auth matrix
(every endpoint × role × own / someone else's resource)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import cycle, product
from typing import Any
from uuid import UUID

import pytest
from httpx import AsyncClient
from litestar.testing import AsyncTestClient
from sqlalchemy import event, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from booking_support import World, as_, build_world, weekday
from zones.bookings.desks import DeskBookings
from zones.bookings.rooms import RoomBookings
from zones.closures.days import holiday_on
from zones.db import Database
from zones.models import Booking, Period, Policy
from zones.server.app import create_app
from zones.settings import Settings, SignInSettings

PROBLEM = "application/problem+json"


@dataclass
class Api:
    world: World
    client: AsyncClient

    async def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = self.world.headers(who) if who else {}
        return await self.client.request(method, path, headers=headers, **kwargs)


@pytest.fixture
async def api(db: Database) -> AsyncIterator[Api]:
    world = await build_world(db)
    app = create_app(
        Settings(
            database_url=db.engine.url.render_as_string(hide_password=False),
            release_interval_s=0,
            sign_in=LONG_SESSIONS,
        ),
        clock=world.clock,
    )
    async with AsyncTestClient(app) as client:
        yield Api(world, client)


LONG_SESSIONS = SignInSettings(session_idle_s=90 * 24 * 3600, session_absolute_s=90 * 24 * 3600)
"""Sessions that outlast the weeks the tests move the clock through (expiry has tests of its own)."""


async def test_book_see_move_check_in_and_cancel_over_http(api: Api) -> None:
    world = api.world
    created = await api.call(
        "ann", "POST", "/bookings", json={"desk_id": str(world.desk("Q1-03")), "day": str(weekday(1))}
    )
    assert created.status_code == 201, created.text
    booking = created.json()
    assert (booking["desk_code"], booking["zone_name"], booking["status"]) == (
        "Q1-03",
        "Quiet zone · north",
        "booked",
    )
    listed = (await api.call("ann", "GET", "/bookings")).json()
    assert [b["id"] for b in listed["items"]] == [booking["id"]]
    moved = await api.call("ann", "PATCH", f"/bookings/{booking['id']}", json={"period": "morning"})
    assert (moved.json()["period"], moved.json()["sequence"]) == ("morning", 1)
    world.clock.set_local(weekday(1), 8, 15)
    checked = await api.call("ann", "POST", f"/bookings/{booking['id']}/check-in")
    assert checked.json()["status"] == "checked_in"
    whos_in = (await api.call("bob", "GET", "/whos-in", params={"day": str(weekday(1))})).json()
    libraries = next(t for t in whos_in["teams"] if t["team"] == "Libraries")
    assert [(p["name"], p["desk"], p["checked_in"]) for p in libraries["present"]] == [
        (world.people["ann"].name, "Q1-03", True)
    ]
    opted_out = await api.call("ann", "PATCH", "/me", json={"shares_presence": False})
    assert opted_out.json()["shares_presence"] is False
    hidden = (await api.call("bob", "GET", "/whos-in", params={"day": str(weekday(1))})).json()
    libraries = next(t for t in hidden["teams"] if t["team"] == "Libraries")
    assert (libraries["present"], libraries["hidden"]) == ([], 1)
    cancelled = await api.call("ann", "DELETE", f"/bookings/{booking['id']}")
    assert cancelled.json()["status"] == "cancelled"


async def test_refusals_are_problem_details_naming_the_rule(api: Api) -> None:
    world = api.world
    body = {"desk_id": str(world.desk("Q1-03")), "day": str(weekday(1))}
    assert (await api.call("ann", "POST", "/bookings", json=body)).status_code == 201
    taken = await api.call("bob", "POST", "/bookings", json=body)
    assert taken.status_code == 409
    assert taken.headers["content-type"].startswith(PROBLEM)
    problem = taken.json()
    assert (problem["type"], problem["rule"], problem["title"]) == (
        "/problems/desk-taken",
        "desk-taken",
        "Desk is taken",
    )
    assert problem["alternatives"][0]["code"].startswith("Q1-")
    weekend = await api.call("bob", "POST", "/bookings", json={**body, "day": str(weekday(5))})
    assert (weekend.status_code, weekend.json()["rule"]) == (422, "not-a-working-day")
    unknown_field = await api.call("bob", "POST", "/bookings", json={**body, "desk": "x"})
    assert unknown_field.status_code == 400
    assert unknown_field.json()["invalid-params"][0]["name"] == "data"


async def test_a_series_reports_conflicts_over_http(api: Api) -> None:
    world = api.world
    await as_(world, "bob", lambda ctx: DeskBookings(ctx).book(world.desk("Q1-03"), weekday(3), Period.FULL))
    response = await api.call(
        "ann",
        "POST",
        "/bookings/series",
        json={
            "desk_id": str(world.desk("Q1-03")),
            "weekdays": ["tue", "thu"],
            "starts_on": str(weekday(0)),
            "until": str(weekday(11)),
            "period": "full",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [b["day"] for b in body["booked"]] == [str(weekday(1)), str(weekday(8)), str(weekday(10))]
    assert [(c["day"], c["rule"]) for c in body["conflicts"]] == [(str(weekday(3)), "desk-taken")]
    assert body["conflicts"][0]["alternatives"], "an alternative desk is offered"


async def test_concurrent_http_requests_for_one_desk_give_one_booking(api: Api) -> None:
    world = api.world
    people = ["ann", "bob", "eve", "part_timer", "needs_access", "planner", "admin"]
    body = {"desk_id": str(world.desk("C1-02")), "day": str(weekday(2))}
    responses = await asyncio.gather(*(api.call(p, "POST", "/bookings", json=body) for p in people))
    assert sorted(r.status_code for r in responses) == [201] + [409] * (len(people) - 1)


async def test_missing_or_bad_tokens_are_refused_with_a_challenge(api: Api) -> None:
    missing = await api.client.get("/sites")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert missing.headers["content-type"].startswith(PROBLEM)
    bad = await api.client.get("/sites", headers={"Authorization": "Bearer zt_not-a-real-token"})
    assert bad.status_code == 401
    assert (await api.client.get("/health")).status_code == 200
    assert (await api.client.get("/schema/openapi.json")).status_code == 200


# --- the auth matrix ------------------------------------------------------------------------------

ROLES = ["anonymous", "ann", "bob", "eve", "planner", "admin"]
"""ann owns the resources; bob is ann's teammate and a room attendee; eve is unrelated."""


def _slots() -> Iterator[tuple[str, date, Period]]:
    """Fresh half-days (each with its own desk) so every mutating case gets a booking of its own."""
    desks = cycle(
        [f"C1-{n:02d}" for n in range(1, 18)] + [f"L1-{n:02d}" for n in range(1, 16)]
    )  # not accessible
    days = [
        weekday(d) for d in range(1, 39) if weekday(d).isoweekday() <= 5 and not holiday_on("DK", weekday(d))
    ]
    for day, period in product(days, (Period.MORNING, Period.AFTERNOON)):
        yield next(desks), day, period


async def _expand_policy(world: World) -> None:
    """Let one person hold many bookings, so the matrix is about permissions, not the weekly cap."""
    async with world.db.write_session() as session:
        await session.execute(update(Policy).values(attendance_max_share=1.0, booking_horizon_days=40))


EXPECTED: dict[str, dict[str, int]] = {
    # endpoint: status per role (anonymous, ann = owner, bob, eve, planner, admin)
    "GET /sites": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /sites/{site}": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /sites/{site}/summary": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /floors": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /zones": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /desks": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /desks/{desk}": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /rooms": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /availability": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /whos-in": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /me": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "PATCH /me": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /bookings": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /bookings?employee_id={ann}": dict(anonymous=401, ann=200, bob=403, eve=403, planner=200, admin=200),
    "GET /bookings/{booking}": dict(anonymous=401, ann=200, bob=404, eve=404, planner=200, admin=200),
    "POST /bookings": dict(anonymous=401, ann=201, bob=201, eve=201, planner=201, admin=201),
    "POST /bookings for ann": dict(anonymous=401, ann=201, bob=403, eve=403, planner=201, admin=201),
    "POST /bookings/series for ann": dict(anonymous=401, ann=201, bob=403, eve=403, planner=201, admin=201),
    "PATCH /bookings/{booking}": dict(anonymous=401, ann=200, bob=404, eve=404, planner=200, admin=200),
    "DELETE /bookings/{booking}": dict(anonymous=401, ann=200, bob=404, eve=404, planner=200, admin=200),
    "POST /bookings/{booking}/check-in": dict(
        anonymous=401, ann=200, bob=404, eve=404, planner=200, admin=200
    ),
    "POST /room-bookings for ann": dict(anonymous=401, ann=201, bob=403, eve=403, planner=201, admin=201),
    "GET /room-bookings": dict(anonymous=401, ann=200, bob=200, eve=200, planner=200, admin=200),
    "GET /room-bookings/{room_booking}": dict(
        anonymous=401, ann=200, bob=200, eve=404, planner=200, admin=200
    ),
    "PUT /room-bookings/{room_booking}/attendees": dict(
        anonymous=401, ann=200, bob=403, eve=404, planner=200, admin=200
    ),
    "GET /plans": dict(anonymous=401, ann=403, bob=403, eve=403, planner=200, admin=200),
    "DELETE /room-bookings/{room_booking}": dict(
        anonymous=401, ann=200, bob=403, eve=404, planner=200, admin=200
    ),
}


@pytest.mark.parametrize("credential", ["token", "session"])
async def test_every_endpoint_answers_every_role_as_specified(api: Api, credential: str) -> None:
    """With API tokens, and signed in with a web session (cookie and CSRF token) as a browser is."""
    world = api.world
    if credential == "session":
        await world.start_sessions(LONG_SESSIONS)
        world.credential = "session"
    await _expand_policy(world)
    world.clock.set_local(weekday(0), 7, 0)
    slots = _slots()
    ann = world.people["ann"].employee_id
    room_slots = (
        (day, hour)
        for day in (
            weekday(d)
            for d in range(1, 39)
            if weekday(d).isoweekday() <= 5 and not holiday_on("DK", weekday(d))
        )
        for hour in range(8, 16)
    )

    async def fresh_booking() -> str:
        desk, day, period = next(slots)
        booking = await as_(world, "ann", lambda ctx: DeskBookings(ctx).book(world.desk(desk), day, period))
        return str(booking.id)

    async def fresh_room_booking() -> str:
        day, hour = next(room_slots)
        start = datetime(day.year, day.month, day.day, hour)
        booking = await as_(
            world,
            "ann",
            lambda ctx: RoomBookings(ctx).book(
                world.rooms["W-HAVNEN"].id,
                "Planning",
                start,
                start + timedelta(minutes=50),
                [world.people["bob"].email],
            ),
        )
        return str(booking.id)

    def new_desk_body(employee: Any | None = None) -> dict[str, Any]:
        desk, day, period = next(slots)
        body: dict[str, Any] = {"desk_id": str(world.desk(desk)), "day": str(day), "period": period.value}
        if employee is not None:
            body["employee_id"] = str(employee)
        return body

    patch_targets = iter([f"S2-{n:02d}" for n in range(1, 16)])
    mismatches = []
    for endpoint, by_role in EXPECTED.items():
        for role in ROLES:
            who = None if role == "anonymous" else role
            method, _, rest = endpoint.partition(" ")
            path = rest.split(" ")[0]
            kwargs: dict[str, Any] = {}
            if "{booking}" in path:
                path = path.replace("{booking}", await fresh_booking())
            if "{room_booking}" in path:
                path = path.replace("{room_booking}", await fresh_room_booking())
            path = (
                path.replace("{site}", str(world.site.id))
                .replace("{desk}", str(world.desk("Q1-01")))
                .replace("{ann}", str(ann))
            )
            if path.startswith("/availability"):
                kwargs["params"] = {"site_id": str(world.site.id), "day": str(weekday(1))}
            if path.startswith("/whos-in"):
                kwargs["params"] = {"day": str(weekday(1))}
            if endpoint == "POST /bookings":
                kwargs["json"] = new_desk_body()
            if endpoint == "POST /bookings for ann":
                kwargs["json"] = new_desk_body(ann)
            if endpoint == "POST /bookings/series for ann":
                desk, day, period = next(slots)
                kwargs["json"] = {
                    "desk_id": str(world.desk(desk)),
                    "weekdays": [day.strftime("%a").lower()],
                    "starts_on": str(day),
                    "until": str(day),
                    "employee_id": str(ann),
                    "period": period.value,
                }
            if endpoint == "PATCH /me":
                kwargs["json"] = {"shares_presence": True}
            elif endpoint.startswith("PATCH"):
                kwargs["json"] = {"desk_id": str(world.desk(next(patch_targets)))}
            if endpoint.endswith("check-in"):
                kwargs = {}
            if endpoint == "POST /room-bookings for ann":
                day, hour = next(room_slots)
                kwargs["json"] = {
                    "room_id": str(world.rooms["W-VESTERBRO"].id),
                    "title": "T",
                    "starts_at": f"{day}T{hour:02d}:00:00",
                    "ends_at": f"{day}T{hour:02d}:45:00",
                    "organiser_id": str(ann),
                }
            if endpoint.startswith("PUT"):
                kwargs["json"] = {"attendees": [world.people["eve"].email]}
            if endpoint.endswith("check-in"):
                # Check-in opens half an hour before the start: put the clock there for this call.
                booking_id = path.split("/")[2]
                async with world.db.read_session() as session:
                    stored = await session.get_one(Booking, UUID(booking_id))
                world.clock.now = stored.starts_at - timedelta(minutes=5)
            response = await api.call(who, method, path, **kwargs)
            world.clock.set_local(weekday(0), 7, 0)
            if response.status_code != by_role[role]:
                mismatches.append(
                    f"{endpoint} as {role}: {response.status_code} (expected {by_role[role]}) "
                    f"{response.text[:160]}"
                )
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith(PROBLEM), endpoint
    assert mismatches == []


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (IntegrityError("COMMIT", {}, Exception("uq_desk_slot_desk (forced at commit)")), 409),
        (OperationalError("COMMIT", {}, Exception("the database went away (forced at commit)")), 500),
    ],
    ids=["constraint", "connection"],
)
async def test_a_failed_commit_never_answers_success_and_stores_nothing(
    api: Api, failure: Exception, status: int
) -> None:
    def fail_commit(session: Session) -> None:
        raise failure

    desk = api.world.desk("Q1-03")
    event.listen(Session, "before_commit", fail_commit)
    try:
        response = await api.call(
            "ann", "POST", "/bookings", json={"desk_id": str(desk), "day": str(weekday(1))}
        )
    finally:
        event.remove(Session, "before_commit", fail_commit)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    listed = (await api.call("ann", "GET", "/bookings", params={"scope": "all"})).json()
    assert listed["items"] == []
    retried = await api.call("ann", "POST", "/bookings", json={"desk_id": str(desk), "day": str(weekday(1))})
    assert retried.status_code == 201, "the failed attempt left nothing behind that blocks a new booking"


@pytest.mark.parametrize(
    ("starts", "ends", "status"),
    [
        ("06:00", "07:00", 422),
        ("07:30", "08:30", 422),
        ("16:30", "17:30", 422),
        ("08:00", "09:00", 201),
        ("16:00", "17:00", 201),
    ],
)
async def test_room_bookings_keep_to_the_sites_opening_hours(
    api: Api, starts: str, ends: str, status: int
) -> None:
    day = weekday(1)
    response = await api.call(
        "ann",
        "POST",
        "/room-bookings",
        json={
            "room_id": str(api.world.rooms["W-HAVNEN"].id),
            "title": "Early start",
            "starts_at": f"{day}T{starts}:00",
            "ends_at": f"{day}T{ends}:00",
        },
    )
    assert response.status_code == status, response.text
    if status == 422:
        problem = response.json()
        assert (problem["type"], problem["rule"]) == (
            "/problems/outside-opening-hours",
            "outside-opening-hours",
        )
        assert (problem["opens"], problem["closes"]) == ("08:00", "17:00")
        assert "08:00–17:00 (Europe/Copenhagen)" in problem["detail"]
        listed = await api.call("ann", "GET", "/room-bookings", params={"scope": "all"})
        assert listed.json()["items"] == []
