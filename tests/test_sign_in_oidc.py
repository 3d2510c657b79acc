"""Single sign-on with OpenID Connect, against a real provider (panva's `oidc-provider` on Node.js).

The browser is played by two HTTP clients, one per host, each with its own cookies: Zones (served
in process) and the provider (a Node.js process on a free port). A test follows the redirects from
one to the other, signs in at the provider's login and consent forms, and brings the provider's
answer back to Zones' callback. Refusals must leave nothing signed in.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from zones.auth.oidc import providers
from zones.clock import utc_now
from zones.db import Database
from zones.models import AuditEntry, AuditKind, Employee, Role, Site, SsoAttempt, WebSession
from zones.server.app import ZonesApp, create_app
from zones.settings import OidcSettings, Settings

JS = Path(__file__).resolve().parent / "js"
ZONES_URL = "http://testserver.local"
CALLBACK = f"{ZONES_URL}/sign-in/sso/callback"
CLIENT_ID = "zones"
CLIENT_SECRET = "zones-test-secret"
ID_TOKEN_TTL_S = 300
USERS: dict[str, dict[str, Any]] = {
    "ann": {"email": "ann@example.org", "email_verified": True, "name": "Ann Andersen", "groups": ["staff"]},
    "pia": {"email": "pia@example.org", "email_verified": True, "name": "Pia", "groups": ["zones-planners"]},
    "ada": {
        "email": "ada@example.org",
        "email_verified": True,
        "name": "Ada",
        "groups": ["zones-planners", "zones-admins"],
    },
    "nora": {"email": "nora@example.org", "email_verified": True, "name": "Nora Nielsen", "groups": []},
    "eve": {"email": "eve@example.org", "email_verified": False, "name": "Eve", "groups": []},
    "mallory": {"email": "ann@example.org", "email_verified": True, "tamper": {"aud": "another-app"}},
    "forger": {"email": "ann@example.org", "email_verified": True, "tamper": {"key": "unknown"}},
    "imposter": {"email": "ann@example.org", "email_verified": True, "tamper": {"key": "wrong"}},
    "ann-again": {
        "email": "ann@example.org",
        "email_verified": True,
        "tamper": {"nonce": "from-another-sign-in"},
    },
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _refuse_to_run(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the single sign-on tests")
    pytest.skip(reason)


def _node_ready() -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _refuse_to_run("Node.js (node and npm) is not installed")
        return
    if not (JS / "node_modules" / "oidc-provider").is_dir():
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            _refuse_to_run(f"npm ci failed: {result.stderr.strip()[-300:]}")


@dataclass(frozen=True)
class Provider:
    issuer: str


@contextmanager
def running_provider(folder: Path, **options: Any) -> Iterator[Provider]:
    """An OpenID provider on a free port, with Zones as its client and `USERS` as its people."""
    _node_ready()
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = folder / "provider.json"
    config.write_text(
        json.dumps(
            {
                "port": port,
                "issuer": issuer,
                "clients": [
                    {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [CALLBACK]}
                ],
                "id_token_ttl": ID_TOKEN_TTL_S,
                "users": USERS,
                **options,
            }
        )
    )
    with (folder / "provider.log").open("w") as log:
        process = subprocess.Popen(
            ["node", str(JS / "oidc_provider.mjs"), str(config)],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # "ready <issuer>" once it listens
            assert line.startswith("ready"), f"the OpenID provider did not start (exit {process.poll()})"
            yield Provider(issuer)
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """The OpenID provider, for the whole session; the person's claims are in the ID token."""
    with running_provider(tmp_path_factory.mktemp("oidc")) as running:
        yield running


@pytest.fixture(scope="session")
def userinfo_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """A provider that puts the person's claims (e-mail, name, groups) only in its userinfo answer."""
    with running_provider(
        tmp_path_factory.mktemp("oidc"), claims_in_id_token=False, groups_scope="profile"
    ) as running:
        yield running


class Clock:
    """Zones' clock: the real time, moved on when a test says."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> Any:
        return utc_now() + self.offset


@dataclass
class Browser:
    """One person's browser: cookies for Zones and, separately, for the provider."""

    zones: httpx.AsyncClient
    idp: httpx.AsyncClient
    clock: Clock
    db: Database

    async def start(self, next_path: str = "/") -> str:
        """Ask Zones to sign in with SSO; the provider URL it sends the browser to."""
        response = await self.zones.get("/sign-in/sso", params={"next": next_path})
        assert response.status_code == 303, response.text
        return str(response.headers["location"])

    async def at_provider(self, url: str, user: str, *, abort: bool = False) -> str:
        """Sign in at the provider as `user` (or cancel); the URL it sends the browser back to."""
        for _ in range(12):
            if url.startswith(ZONES_URL):
                return url
            response = await self.idp.get(url)
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            assert response.status_code == 200, response.text
            if abort:
                url = urljoin(url, urlsplit(url).path + "/abort")
                continue
            prompt = re.search(r'name="prompt" value="(\w+)"', response.text)
            assert prompt is not None, response.text
            answer = await self.idp.post(url, data={"prompt": prompt[1], "login": user})
            assert answer.is_redirect, answer.text
            url = urljoin(url, answer.headers["location"])
        raise AssertionError("the provider never sent the browser back to Zones")

    def close(self) -> None:
        """Close the browser: another person may use it next (no cookies at either host)."""
        self.zones.cookies.clear()
        self.idp.cookies.clear()

    async def back_at_zones(self, url: str) -> httpx.Response:
        return await self.zones.get(url.removeprefix(ZONES_URL))

    async def sign_in(self, user: str, next_path: str = "/") -> httpx.Response:
        """The whole round trip; Zones' answer to the provider's redirect."""
        return await self.back_at_zones(await self.at_provider(await self.start(next_path), user))


CLOCK = Clock()
_apps: dict[Settings, ZonesApp] = {}


def app_for(settings: Settings) -> ZonesApp:
    """Zones with these settings, built once (building the app is the slow part of a test; each
    test still starts and stops it, with its own empty database)."""
    if settings not in _apps:
        _apps[settings] = create_app(settings, clock=CLOCK)
    return _apps[settings]


async def make_browser(db: Database, settings: Settings) -> AsyncIterator[Browser]:
    app = app_for(settings)
    headers = {"accept": "text/html", "accept-language": "en"}
    async with (
        AsyncTestClient(app, base_url=ZONES_URL) as zones,
        httpx.AsyncClient(timeout=10, headers=headers) as idp,
    ):
        zones.headers.update(headers)
        zones.follow_redirects = False  # the browser here follows redirects itself, across hosts
        yield Browser(zones, idp, CLOCK, db)


def zones_settings(db: Database, provider: Provider, **oidc: Any) -> Settings:
    return Settings(
        database_url=db.engine.url.render_as_string(hide_password=False),
        release_interval_s=0,
        public_url=ZONES_URL,
        oidc=OidcSettings(
            issuer=provider.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            planner_groups=("zones-planners",),
            admin_groups=("zones-admins",),
            **oidc,
        ),
    )


async def seed(db: Database) -> None:
    """Two sites and the people Zones knows (Pia's address in other letters than the provider's)."""
    async with db.write_session() as session:
        sites = [
            Site(key=key, name=name, timezone="Europe/Copenhagen", country="DK", working_days=[1, 2, 3, 4, 5])
            for key, name in (("rad", "Rådhuset"), ("bib", "Biblioteket"))
        ]
        session.add_all(sites)
        await session.flush()
        for email, name, role in (
            ("ann@example.org", "Ann Andersen", Role.PLANNER),
            ("Pia@Example.ORG", "Pia Pedersen", Role.EMPLOYEE),
            ("ada@example.org", "Ada Adler", Role.EMPLOYEE),
            ("eve@example.org", "Eve Eriksen", Role.EMPLOYEE),
        ):
            session.add(Employee(email=email, name=name, role=role, home_site_id=sites[0].id, teams=[]))


@pytest.fixture
async def browser(db: Database, provider: Provider) -> AsyncIterator[Browser]:
    await seed(db)
    async for made in make_browser(db, zones_settings(db, provider)):
        yield made


async def sessions(db: Database) -> list[WebSession]:
    async with db.read_session() as session:
        return list((await session.scalars(select(WebSession))).all())


async def employee(db: Database, email: str) -> Employee | None:
    async with db.read_session() as session:
        found: Employee | None = await session.scalar(
            select(Employee).where(func.lower(Employee.email) == email.lower())
        )
        return found


async def failures(db: Database) -> list[AuditEntry]:
    async with db.read_session() as session:
        entries = await session.scalars(
            select(AuditEntry).where(AuditEntry.kind == AuditKind.SIGN_IN_FAILED).order_by(AuditEntry.id)
        )
        return list(entries.all())


async def assert_nothing_signed_in(browser: Browser, answer: httpx.Response, status: int) -> None:
    assert answer.status_code == status, answer.text
    assert "zones_session" not in answer.headers.get("set-cookie", "")
    assert not browser.zones.cookies.get("zones_session")
    assert await sessions(browser.db) == []
    home = await browser.zones.get("/")
    assert home.status_code == 303 and home.headers["location"].startswith("/sign-in")


async def test_signing_in_with_the_organisations_account_returns_to_the_page_asked_for(
    browser: Browser,
) -> None:
    to_provider = await browser.start("/bookings?day=2026-12-03")
    query = parse_qs(urlsplit(to_provider).query)
    assert to_provider.startswith(f"{urlsplit(to_provider).scheme}://127.0.0.1:")
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["client_id"] == [CLIENT_ID] and query["redirect_uri"] == [CALLBACK]
    assert query["scope"] == ["openid email profile"] and query["nonce"][0] and query["state"][0]
    async with browser.db.read_session() as session:
        attempt = (await session.scalars(select(SsoAttempt))).one()
    assert query["state"][0] not in (attempt.state_hash, attempt.nonce)  # only the state's hash is kept
    assert attempt.return_to == "/bookings?day=2026-12-03"

    answer = await browser.back_at_zones(await browser.at_provider(to_provider, "ann"))

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/bookings?day=2026-12-03"
    assert browser.zones.cookies.get("zones_session")
    [web_session] = await sessions(browser.db)
    assert web_session.method == "oidc"
    home = await browser.zones.get("/")
    assert home.status_code == 200 and "Ann Andersen" in home.text
    ann = await employee(browser.db, "ann@example.org")
    assert ann is not None and ann.role == Role.PLANNER  # no group maps to a role: she keeps hers
    async with browser.db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(SsoAttempt)) == 0  # used up
        entry = (await session.scalars(select(AuditEntry).where(AuditEntry.kind == AuditKind.SIGN_IN))).one()
    assert (entry.method, entry.employee_id) == ("oidc", ann.id)


async def test_groups_make_planners_and_admins(browser: Browser) -> None:
    assert (await browser.sign_in("pia")).status_code == 303  # Pia@Example.ORG in Zones
    browser.close()
    assert (await browser.sign_in("ada")).status_code == 303
    pia, ada = await employee(browser.db, "pia@example.org"), await employee(browser.db, "ada@example.org")
    assert pia is not None and pia.role == Role.PLANNER
    assert ada is not None and ada.role == Role.ADMIN
    assert len(await sessions(browser.db)) == 2


async def test_the_email_address_and_groups_may_come_from_the_userinfo_endpoint(
    db: Database, userinfo_provider: Provider
) -> None:
    await seed(db)
    async for browser in make_browser(db, zones_settings(db, userinfo_provider)):
        to_provider = await browser.start()
        code_answer = await browser.at_provider(to_provider, "pia")
        answer = await browser.back_at_zones(code_answer)
        assert answer.status_code == 303, answer.text
    pia = await employee(db, "pia@example.org")
    assert pia is not None and pia.role == Role.PLANNER
    assert [s.employee_id for s in await sessions(db)] == [pia.id]


async def test_someone_not_in_the_staff_list_is_told_to_ask_a_planner(browser: Browser) -> None:
    answer = await browser.sign_in("nora")
    await assert_nothing_signed_in(browser, answer, 403)
    assert "Ask a planner to add you" in answer.text
    assert await employee(browser.db, "nora@example.org") is None
    [failure] = await failures(browser.db)
    assert failure.method == "oidc" and "not in the staff list" in failure.detail


async def test_someone_not_in_the_staff_list_is_added_when_zones_may_create_people(
    db: Database, provider: Provider
) -> None:
    await seed(db)
    settings = zones_settings(db, provider, create_unknown=True)
    async for browser in make_browser(db, settings):
        answer = await browser.sign_in("nora", "/my-week")
        assert (answer.status_code, answer.headers["location"]) == (303, "/my-week")
    nora = await employee(db, "nora@example.org")
    assert nora is not None and (nora.name, nora.role, nora.active) == ("Nora Nielsen", Role.EMPLOYEE, True)
    async with db.read_session() as session:
        first_site = await session.scalar(select(Site.id).where(Site.name == "Biblioteket"))
    assert nora.home_site_id == first_site
    assert [s.employee_id for s in await sessions(db)] == [nora.id]


async def test_a_tampered_state_is_refused(browser: Browser) -> None:
    back = await browser.at_provider(await browser.start(), "ann")
    state = parse_qs(urlsplit(back).query)["state"][0]
    answer = await browser.back_at_zones(back.replace(state, state[:-2] + ("A" if state[-1] != "A" else "B")))
    await assert_nothing_signed_in(browser, answer, 400)
    assert "You are not signed in" in answer.text
    [failure] = await failures(browser.db)
    assert (failure.method, failure.detail) == ("oidc", "unknown or already used state")


async def test_an_answer_brought_to_another_browser_is_refused(browser: Browser) -> None:
    back = await browser.at_provider(await browser.start(), "ann")
    browser.zones.cookies.clear()  # a victim's browser, lured to the attacker's callback URL
    answer = await browser.back_at_zones(back)
    await assert_nothing_signed_in(browser, answer, 400)
    assert "another browser" in (await failures(browser.db))[0].detail


async def test_an_id_token_for_another_audience_is_refused(browser: Browser) -> None:
    answer = await browser.sign_in("mallory")
    await assert_nothing_signed_in(browser, answer, 400)
    [failure] = await failures(browser.db)
    assert "aud" in failure.detail and CLIENT_SECRET not in failure.detail


async def test_an_id_token_with_another_sign_ins_nonce_is_refused(browser: Browser) -> None:
    answer = await browser.sign_in("ann-again")
    await assert_nothing_signed_in(browser, answer, 400)
    [failure] = await failures(browser.db)
    assert "nonce" in failure.detail


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ("forger", "the ID token is signed with a key the provider does not publish"),
        ("imposter", "the ID token's signature is wrong"),
    ],
)
async def test_an_id_token_not_signed_by_the_provider_is_refused(
    browser: Browser, user: str, reason: str
) -> None:
    answer = await browser.sign_in(user)
    await assert_nothing_signed_in(browser, answer, 400)
    [failure] = await failures(browser.db)
    assert failure.detail == reason


async def test_a_replayed_answer_is_refused(browser: Browser) -> None:
    back = await browser.at_provider(await browser.start(), "ann")
    assert (await browser.back_at_zones(back)).status_code == 303
    [first] = await sessions(browser.db)
    replayed = await browser.back_at_zones(back)
    assert replayed.status_code == 400, replayed.text
    assert "zones_session" not in replayed.headers.get("set-cookie", "")
    assert [s.id for s in await sessions(browser.db)] == [first.id]
    [failure] = await failures(browser.db)
    assert failure.detail == "unknown or already used state"


async def test_an_expired_id_token_is_refused(browser: Browser) -> None:
    back = await browser.at_provider(await browser.start(), "ann")
    browser.clock.offset = timedelta(seconds=ID_TOKEN_TTL_S + 120)  # within the attempt's 10 minutes
    answer = await browser.back_at_zones(back)
    await assert_nothing_signed_in(browser, answer, 400)
    [failure] = await failures(browser.db)
    assert failure.detail == "the ID token has expired"


async def test_an_unverified_email_address_is_refused(browser: Browser) -> None:
    answer = await browser.sign_in("eve")
    await assert_nothing_signed_in(browser, answer, 400)
    assert "not verified" in (await failures(browser.db))[0].detail


async def test_cancelling_at_the_provider_signs_nothing_in(browser: Browser) -> None:
    back = await browser.at_provider(await browser.start(), "ann", abort=True)
    assert parse_qs(urlsplit(back).query)["error"] == ["access_denied"]
    answer = await browser.back_at_zones(back)
    await assert_nothing_signed_in(browser, answer, 400)
    assert (await failures(browser.db))[0].detail == "the provider answered access_denied"


async def test_a_provider_that_is_down_gets_a_clear_page(db: Database, provider: Provider) -> None:
    down = replace(provider, issuer=f"http://127.0.0.1:{_free_port()}")
    started = time.monotonic()
    async for browser in make_browser(db, zones_settings(db, down)):
        answer = await browser.zones.get("/sign-in/sso", params={"next": "/my-week"})
        assert answer.status_code == 503
        assert "reach your organisation" in answer.text and "link by e-mail" in answer.text
        assert 'href="/sign-in/sso?next=/my-week"' in answer.text
        await assert_nothing_signed_in(browser, answer, 503)
    assert time.monotonic() - started < 10


async def test_single_sign_on_is_not_there_when_not_configured(db: Database) -> None:
    settings = Settings(
        database_url=db.engine.url.render_as_string(hide_password=False),
        release_interval_s=0,
        public_url=ZONES_URL,
    )
    async with AsyncTestClient(create_app(settings), base_url=ZONES_URL) as zones:
        assert (await zones.get("/sign-in/sso")).status_code == 404
        assert (await zones.get("/sign-in/sso/callback?state=x&code=y")).status_code == 404


@pytest.fixture(autouse=True)
def _fresh_start() -> Iterator[None]:
    """Each test begins at the real time, with no provider documents cached."""
    CLOCK.offset = timedelta(0)
    providers.forget()
    yield
    providers.forget()
