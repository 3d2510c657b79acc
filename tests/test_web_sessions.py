"""Signing in with a session: cookie flags, a new session id at every sign-in, CSRF, sign-out (here
and everywhere), idle and absolute expiry, the demo's "sign in as", security headers, the page
language — with sessions in the database and in Redis."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient, Response
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis
from sqlalchemy import func, select

from zones.auth.sessions import RedisSessions
from zones.db import Database
from zones.models import AuditEntry, AuditKind, Booking, Employee, Role, WebSession
from zones.server.app import create_app
from zones.server.state import AppState
from zones.settings import Settings, SignInSettings
from zones.web.security import CONTENT_SECURITY_POLICY

REDIS_URL = "redis://127.0.0.1:6379/0"
HTML = {"Accept": "text/html"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Web:
    db: Database
    clock: Clock
    app: Any
    client: AsyncClient
    people: dict[str, Employee] = field(default_factory=dict)

    @property
    def state(self) -> AppState:
        return AppState.of(self.app)

    async def csrf(self, path: str = "/sign-in") -> str:
        page = await self.client.get(path, headers=HTML)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found, page.text[:500]
        return found.group(1)

    async def demo_sign_in(self, who: str, client: AsyncClient | None = None) -> Response:
        client = client or self.client
        page = await client.get("/sign-in", headers=HTML)
        if page.status_code == 303:  # already signed in: sign in again from the start page's forms
            page = await client.get("/", headers=HTML)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token, page.text[:300]
        return await client.post(
            "/sign-in/demo",
            data={"csrf_token": token.group(1), "employee_id": str(self.people[who].id), "next": "/"},
        )

    async def forget_cached(self) -> None:
        self.state.session_cache.clear()

    async def flush_usage(self) -> None:
        """What the server's minute task does: write when sessions were last used. (The app runs
        on the test client's own loop, so Redis gets a client of this loop.)"""
        store = self.state.sessions
        if isinstance(store, RedisSessions):
            redis = Redis.from_url(REDIS_URL)
            try:
                await self.state.usage.flush(self.db, RedisSessions(store.settings, redis))
            finally:
                await redis.aclose()
        else:
            await self.state.usage.flush(self.db, store)  # type: ignore[arg-type]


async def _people(db: Database) -> dict[str, Employee]:
    tag = uuid.uuid4().hex[:6]
    people = {
        "ann": Employee(email=f"ann.{tag}@example.dk", name="Ann Andersen", role=Role.EMPLOYEE),
        "paula": Employee(email=f"paula.{tag}@example.dk", name="Paula Planner", role=Role.PLANNER),
        "adam": Employee(email=f"adam.{tag}@example.dk", name="Adam Admin", role=Role.ADMIN),
    }
    async with db.write_session() as session:
        session.add_all(people.values())
    return people


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _web(
    db: Database, store: str = "database", base_url: str = "http://testserver.local", **settings: Any
) -> AsyncIterator[Web]:
    clock = Clock()
    config = Settings(
        database_url=db.engine.url.render_as_string(hide_password=False),
        release_interval_s=0,
        demo=settings.pop("demo", True),
        redis_url=REDIS_URL if store == "redis" else "",
        **settings,
    )
    app = create_app(config, clock=clock)
    people = await _people(db)
    async with AsyncTestClient(app, base_url=base_url) as client:
        client.follow_redirects = False
        yield Web(db, clock, app, client, people)


@pytest.fixture
async def web(db: Database, store: str) -> AsyncIterator[Web]:
    async for made in _web(db, store):
        yield made


@pytest.fixture
async def web_db(db: Database) -> AsyncIterator[Web]:
    """Sessions in the database only (for tests about pages, not the session store)."""
    async for made in _web(db):
        yield made


async def _sessions(db: Database) -> int:
    async with db.read_session() as session:
        return int(await session.scalar(select(func.count()).select_from(WebSession)) or 0)


def _another_browser(web: Web) -> AsyncClient:
    """A second browser (its own cookies) on the same app."""
    return AsyncClient(
        transport=web.client._transport,  # type: ignore[attr-defined]
        base_url=str(web.client.base_url),
        follow_redirects=False,
    )


def _set_cookie(response: Response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


# --- signing in ---------------------------------------------------------------------------------


async def test_demo_sign_in_gives_an_httponly_lax_session_cookie(web: Web) -> None:
    signed_in = await web.demo_sign_in("ann")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = _set_cookie(signed_in, "zones_session").lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # served over http here
    me = await web.client.get("/me")
    assert me.status_code == 200 and me.json()["name"] == "Ann Andersen"
    page = await web.client.get("/", headers=HTML)
    assert "Ann Andersen" in page.text


async def test_over_https_the_cookie_is_secure_and_host_only(db: Database) -> None:
    async for web in _web(db, base_url="https://zones.example.dk", public_url="https://zones.example.dk"):
        signed_in = await web.demo_sign_in("ann")
        cookie = _set_cookie(signed_in, "__Host-zones_session").lower()
        assert "secure" in cookie and "httponly" in cookie and "domain=" not in cookie


async def test_every_sign_in_starts_a_new_session_and_a_planted_id_is_worthless(web: Web) -> None:
    web.client.cookies.set("zones_session", "planted-by-an-attacker", domain="testserver.local")
    first = await web.demo_sign_in("ann")
    first_id = web.client.cookies.get("zones_session")
    assert first_id and first_id != "planted-by-an-attacker"
    second = await web.demo_sign_in("paula")  # signing in again, as someone else
    second_id = web.client.cookies.get("zones_session")
    assert second_id != first_id and first.status_code == second.status_code == 303
    await web.forget_cached()
    stale = await web.client.get("/me", headers={"Cookie": f"zones_session={first_id}"})
    assert stale.status_code == 401  # the session it replaced ended
    assert (await web.client.get("/me")).json()["name"] == "Paula Planner"


async def test_a_normal_server_offers_no_demo_sign_in(db: Database) -> None:
    async for web in _web(db, demo=False):
        page = await web.client.get("/sign-in", headers=HTML)
        assert page.status_code == 200
        assert "/sign-in/demo" not in page.text and "Ann Andersen" not in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        refused = await web.client.post(
            "/sign-in/demo", data={"csrf_token": token.group(1), "employee_id": str(web.people["ann"].id)}
        )
        assert refused.status_code == 404
        assert "zones_session" not in web.client.cookies
        assert await _sessions(db) == 0


async def test_signed_out_browsers_are_sent_to_sign_in_and_scripts_get_401(web_db: Web) -> None:
    page = await web_db.client.get("/", headers=HTML)
    assert page.status_code == 303 and page.headers["location"] == "/sign-in"
    deep = await web_db.client.get("/bookings?when=all", headers=HTML)
    assert deep.headers["location"] == "/sign-in?next=%2Fbookings%3Fwhen%3Dall"
    api = await web_db.client.get("/bookings")
    assert api.status_code == 401 and api.headers["content-type"].startswith("application/problem+json")


async def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(web_db: Web) -> None:
    for asked, landed in [
        ("/bookings", "/bookings"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
    ]:
        web_db.client.cookies.clear()  # a new browser each time
        token = await web_db.csrf()
        answer = await web_db.client.post(
            "/sign-in/demo",
            data={"csrf_token": token, "employee_id": str(web_db.people["ann"].id), "next": asked},
        )
        assert answer.headers["location"] == landed


# --- the same principal as a token ------------------------------------------------------------------


async def test_a_session_carries_the_persons_role(web: Web) -> None:
    await web.demo_sign_in("ann")
    assert (await web.client.get("/plans")).status_code == 403
    await web.demo_sign_in("paula")
    assert (await web.client.get("/plans")).status_code == 200


# --- CSRF ---------------------------------------------------------------------------------------


async def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(web: Web) -> None:
    await web.demo_sign_in("ann")
    token = await web.csrf("/")
    body = {"shares_presence": False}
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
        refused = await web.client.patch("/me", json=body, headers=headers)
        assert refused.status_code == 403, (headers, refused.text)
    async with web.db.read_session() as session:
        assert (await session.get(Employee, web.people["ann"].id)).shares_presence is True  # type: ignore[union-attr]
    accepted = await web.client.patch("/me", json=body, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200 and accepted.json()["shares_presence"] is False


async def test_a_form_from_another_site_cannot_sign_out_or_book(web_db: Web) -> None:
    await web_db.demo_sign_in("ann")
    forged = await web_db.client.post("/sign-out", data={"csrf_token": "guess"}, headers=HTML)
    assert forged.status_code == 403 and "text/html" in forged.headers["content-type"]
    assert (await web_db.client.get("/me")).status_code == 200  # still signed in
    booking = await web_db.client.post("/bookings", json={"desk_id": str(uuid.uuid4()), "day": "2026-12-08"})
    assert booking.status_code == 403
    async with web_db.db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(Booking)) == 0


async def test_the_sign_in_forms_need_the_token_of_their_cookie(web_db: Web) -> None:
    await web_db.csrf()  # sets the pre-sign-in cookie
    refused = await web_db.client.post(
        "/sign-in/demo", data={"csrf_token": "x" * 43, "employee_id": str(web_db.people["ann"].id)}
    )
    assert refused.status_code == 403
    fresh = _another_browser(web_db)
    no_cookie = await fresh.post(
        "/sign-in/demo", data={"csrf_token": "x" * 43, "employee_id": str(web_db.people["ann"].id)}
    )
    assert no_cookie.status_code == 403
    assert await _sessions(web_db.db) == 0


async def test_bearer_token_calls_need_no_csrf_token(web_db: Web) -> None:
    from zones.auth.tokens import issue_token

    async with web_db.db.write_session() as session:
        token, _ = await issue_token(session, web_db.people["ann"].email, "script")
    answer = await web_db.client.patch(
        "/me", json={"shares_presence": False}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200


# --- signing out ------------------------------------------------------------------------------------


async def test_sign_out_ends_the_session_and_clears_the_cookie(web: Web) -> None:
    await web.demo_sign_in("ann")
    session_id = web.client.cookies.get("zones_session")
    token = await web.csrf("/")
    out = await web.client.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/signed-out"
    assert "max-age=0" in _set_cookie(out, "zones_session").lower()
    again = await web.client.get("/me", headers={"Cookie": f"zones_session={session_id}"})
    assert again.status_code == 401
    page = await web.client.get("/signed-out", headers=HTML)
    assert page.status_code == 200
    async with web.db.read_session() as session:
        kinds = list(await session.scalars(select(AuditEntry.kind).order_by(AuditEntry.created_at)))
    assert kinds == [AuditKind.SIGN_IN, AuditKind.SIGN_OUT]


async def test_sign_out_everywhere_ends_every_session_of_the_person(web: Web) -> None:
    other = _another_browser(web)
    await web.demo_sign_in("ann")
    await web.demo_sign_in("ann", other)
    await web.demo_sign_in(
        "paula",
        colleague := AsyncClient(
            transport=web.client._transport,
            base_url=str(web.client.base_url),  # type: ignore[attr-defined]
        ),
    )
    assert (await other.get("/me")).status_code == 200
    token = await web.csrf("/")
    out = await web.client.post("/sign-out/everywhere", data={"csrf_token": token})
    assert out.headers["location"] == "/signed-out?everywhere=1"
    assert (await other.get("/me")).status_code == 401
    assert (await web.client.get("/me")).status_code == 401
    assert (await colleague.get("/me")).status_code == 200  # someone else's sessions stay


# --- expiry ---------------------------------------------------------------------------------------


async def test_a_session_unused_for_eight_hours_ends(web: Web) -> None:
    await web.demo_sign_in("ann")
    web.clock.advance(hours=7, minutes=58)
    assert (await web.client.get("/me")).status_code == 200
    await web.flush_usage()
    web.clock.advance(hours=7, minutes=58)  # used 7 h 58 min ago: still alive
    await web.forget_cached()
    assert (await web.client.get("/me")).status_code == 200
    web.clock.advance(hours=8, minutes=1)
    assert (await web.client.get("/me")).status_code == 401  # the cache knows the idle limit too
    await web.forget_cached()
    assert (await web.client.get("/me")).status_code == 401


async def test_a_session_ends_thirty_days_after_sign_in_however_busy(db: Database, store: str) -> None:
    # An idle limit of 20 days lets the test use the session every 10 days.
    async for web in _web(db, store, sign_in=SignInSettings(session_idle_s=20 * 24 * 3600)):
        await web.demo_sign_in("ann")
        for _ in range(2):
            web.clock.advance(days=10)
            await web.forget_cached()
            assert (await web.client.get("/me")).status_code == 200
            await web.flush_usage()
        web.clock.advance(days=10, seconds=-1)
        assert (await web.client.get("/me")).status_code == 200
        web.clock.advance(seconds=1)
        assert (await web.client.get("/me")).status_code == 401  # used yesterday, but 30 days old


# --- headers and language ---------------------------------------------------------------------------


async def test_every_answer_carries_the_security_headers(web_db: Web) -> None:
    await web_db.demo_sign_in("ann")
    for path in ("/sign-in", "/", "/me", "/static/zones.css", "/health"):
        answer = await web_db.client.get(path, headers=HTML)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
    policy = CONTENT_SECURITY_POLICY
    assert (
        "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    )


async def test_pages_speak_the_browsers_language_then_the_choice_then_the_profile(web_db: Web) -> None:
    client = web_db.client
    danish = await client.get("/sign-in", headers={**HTML, "Accept-Language": "da-DK,da;q=0.9,en;q=0.8"})
    assert '<html lang="da">' in danish.text and "Log ind i Zones" in danish.text
    english = await client.get("/sign-in", headers={**HTML, "Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Sign in to Zones" in english.text
    token = await web_db.csrf()
    chosen = await client.post("/language", data={"csrf_token": token, "language": "da", "next": "/sign-in"})
    assert chosen.headers["location"] == "/sign-in"
    after = await client.get("/sign-in", headers={**HTML, "Accept-Language": "en"})
    assert '<html lang="da">' in after.text  # the switcher's choice beats the browser
    await web_db.demo_sign_in("ann")
    token = await web_db.csrf("/")
    await client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"})
    async with web_db.db.read_session() as session:
        assert (await session.get(Employee, web_db.people["ann"].id)).locale == "en"  # type: ignore[union-attr]
    client.cookies.delete("zones_lang")
    home = await client.get("/", headers={**HTML, "Accept-Language": "da"})
    assert '<html lang="en">' in home.text  # the profile beats the browser
