"""Signing in with a link by e-mail, through a real SMTP server process: a link signs in once, an
expired or used link is refused, an unknown address answers like a known one, and attempts are
rate-limited per e-mail address and per client address (behind a trusted proxy: the forwarded one)."""

from __future__ import annotations

import asyncio
import html
import logging
import mailbox
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from httpx import Response
from litestar.testing import AsyncTestClient, transport
from sqlalchemy import select

from sign_in_support import ANN, BO, START, Clock, seed_people
from smtp_support import free_port, smtp_server_fixture
from zones.auth.links import create_link, link_url, use_link
from zones.auth.ratelimit import count_in_database, delete_old_windows, window_of
from zones.db import Database
from zones.models import AuditEntry, AuditKind, Employee, SignInLink
from zones.server.app import create_app
from zones.settings import MailSettings, Settings, SignInSettings

smtp = smtp_server_fixture()
PUBLIC_URL = "http://zones.example.org"
HTML = {"Accept": "text/html", "Accept-Language": "en"}
PEER = "127.0.0.1"
FIELD = re.compile(r'name="(?P<name>csrf_token|token|next)" value="(?P<value>[^"]*)"')
LINK = re.compile(r"http://zones\.example\.org/sign-in/link\?token=\S+")


@pytest.fixture(autouse=True)
def peer_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test requests come from 127.0.0.1 (Litestar's test client says "testclient", not an address)."""
    parse = transport.TestClientTransport.parse_request

    def from_loopback(self: Any, request: Any) -> dict[str, Any]:
        scope = parse(self, request)
        scope["client"] = (PEER, 50000)
        return scope

    monkeypatch.setattr(transport.TestClientTransport, "parse_request", from_loopback)


@pytest.fixture
def auth_log() -> Iterator[list[str]]:
    """What `zones.auth` logs during the test."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Keep()
    logging.getLogger("zones.auth").addHandler(handler)
    yield lines
    logging.getLogger("zones.auth").removeHandler(handler)


@pytest.fixture
async def people(db: Database, tmp_path: Path) -> Database:
    await seed_people(db, tmp_path)
    return db


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def smtp_port(smtp_server: tuple[int, mailbox.Maildir]) -> int:
    return smtp_server[0]


Client = AsyncTestClient  # type: ignore[type-arg]
MakeClient = Callable[..., Any]


@pytest.fixture
def make_client(people: Database, clock: Clock) -> MakeClient:
    """An app on the test database; keyword arguments change its sign-in or mail settings."""
    url = people.engine.url.render_as_string(hide_password=False)

    @asynccontextmanager
    async def client(*, mail: MailSettings | None = None, **sign_in: Any) -> AsyncIterator[Client]:
        settings = Settings(
            database_url=url,
            release_interval_s=0,
            public_url=PUBLIC_URL,
            mail=mail or MailSettings(),
            sign_in=replace(SignInSettings(), **sign_in),
        )
        async with AsyncTestClient(create_app(settings, clock=clock)) as test_client:
            yield test_client

    return client


def mail_to(port: int) -> MailSettings:
    return MailSettings(enabled=True, smtp_host="127.0.0.1", smtp_port=port)


def form_fields(page: Response) -> dict[str, str]:
    """The hidden fields of the page's first form (the footer's language form comes later)."""
    fields: dict[str, str] = {}
    for found in FIELD.finditer(page.text):
        fields.setdefault(found["name"], html.unescape(found["value"]))
    return fields


async def ask_for_link(
    client: Client, email: str, *, next_path: str = "/", headers: dict[str, str] | None = None
) -> Response:
    """What a browser does: open the sign-in page, fill in the address, send the form."""
    page = await client.get("/sign-in", headers=HTML | (headers or {}))
    assert page.status_code == 200, page.text
    fields = form_fields(page)
    return await client.post(
        "/sign-in/link",
        data={"email": email, "next": next_path, "csrf_token": fields["csrf_token"]},
        headers=HTML | (headers or {}),
        follow_redirects=False,
    )


async def open_link(client: Client, url: str, *, headers: dict[str, str] | None = None) -> Response:
    """Open the link (GET: the confirm page), then press its button (POST)."""
    parts = urlsplit(url)
    page = await client.get(f"{parts.path}?{parts.query}", headers=HTML | (headers or {}))
    if page.status_code != 200:
        return page
    return await client.post(
        "/sign-in/link/use", data=form_fields(page), headers=HTML | (headers or {}), follow_redirects=False
    )


def received(maildir: mailbox.Maildir, count: int, timeout: float = 5.0) -> list[mailbox.MaildirMessage]:
    """The messages the SMTP server stored, once there are `count` (or the timeout passed)."""
    deadline = time.monotonic() + timeout
    while len(maildir) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return list(maildir)


def link_in(message: mailbox.MaildirMessage) -> str:
    body = message.get_payload(decode=True).decode()
    found = LINK.search(body)
    assert found, body
    return found.group(0)


async def audit_kinds(database: Database) -> list[tuple[AuditKind, str, str]]:
    async with database.read_session() as session:
        rows = await session.execute(
            select(AuditEntry.kind, AuditEntry.client_address, AuditEntry.detail).order_by(
                AuditEntry.created_at, AuditEntry.id
            )
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def make_link(database: Database, email: str, now: datetime) -> str:
    async with database.write_session() as session:
        person = (await session.scalars(select(Employee).where(Employee.email == email))).one()
        return link_url(PUBLIC_URL, await create_link(session, person.id, now, 15))


async def test_a_link_by_mail_signs_in_once_and_a_second_use_is_refused(
    make_client: MakeClient, people: Database, smtp_server: tuple[int, mailbox.Maildir]
) -> None:
    port, maildir = smtp_server
    async with make_client(mail=mail_to(port)) as client:
        asked = await ask_for_link(client, "ANN@Example.dk", next_path="/bookings/mine")
        assert asked.status_code == 303
        assert asked.headers["location"] == "/sign-in/link-sent?next=%2Fbookings%2Fmine"
        sent_page = await client.get(asked.headers["location"], headers=HTML)
        assert sent_page.status_code == 200 and "Check your e-mail" in sent_page.text

        [message] = received(maildir, 1)
        assert message["From"] == "Zones <bookings@zones.localhost>"
        assert message["To"] == f"Ann Holm <{ANN}>"
        assert message.get_content_type() == "text/plain"
        assert "15" in message.get_payload(decode=True).decode(), "the mail says how long the link works"
        url = link_in(message)
        async with people.read_session() as session:
            stored = (await session.scalars(select(SignInLink))).one()
        token = re.search(r"token=([^&\s]+)", url).group(1)  # type: ignore[union-attr]
        assert token not in stored.token_hash and len(stored.token_hash) == 64, "only the hash is stored"
        assert stored.expires_at == START + timedelta(minutes=15)

        for _ in range(2):  # a mail scanner fetching the link does not use it up
            assert (await client.get(urlsplit(url).path + "?" + urlsplit(url).query)).status_code == 200
        used = await open_link(client, url)
        assert used.status_code == 303, used.text
        assert used.headers["location"] == "/bookings/mine"
        assert "zones_session=" in used.headers["set-cookie"]
        me = await client.get("/me")
        assert me.status_code == 200 and me.json()["email"] == ANN

        client.cookies.clear()
        again = await open_link(client, url)
        assert again.status_code == 400
        assert "This link has expired or was used" in again.text
        page = await client.get("/sign-in", headers=HTML)
        replayed = await client.post(
            "/sign-in/link/use",
            data={"token": token, "next": "/", "csrf_token": form_fields(page)["csrf_token"]},
            headers=HTML,
            follow_redirects=False,
        )
        assert replayed.status_code == 400, "a used link cannot be replayed by POST either"
    kinds = [(kind, detail) for kind, _, detail in await audit_kinds(people)]
    assert kinds == [
        (AuditKind.LINK_SENT, "ANN@Example.dk"),
        (AuditKind.SIGN_IN, ""),
        (AuditKind.SIGN_IN_FAILED, "link already used"),
    ]


async def test_an_expired_link_is_refused(make_client: MakeClient, people: Database, clock: Clock) -> None:
    url = await make_link(people, ANN, clock())
    clock.now += timedelta(minutes=15)
    async with make_client() as client:
        page = await client.get(urlsplit(url).path + "?" + urlsplit(url).query, headers=HTML)
        assert page.status_code == 400 and "This link has expired or was used" in page.text
        fresh = await make_link(people, ANN, clock() - timedelta(minutes=14, seconds=59))
        confirm = await client.get(urlsplit(fresh).path + "?" + urlsplit(fresh).query, headers=HTML)
        assert confirm.status_code == 200
        clock.now += timedelta(seconds=2)  # expires while the confirm page is open
        pressed = await client.post(
            "/sign-in/link/use", data=form_fields(confirm), headers=HTML, follow_redirects=False
        )
        assert pressed.status_code == 400 and "ask for a new one" in pressed.text.lower()
        assert (await client.get("/me")).status_code == 401
    assert [(k, d) for k, _, d in await audit_kinds(people)] == [(AuditKind.SIGN_IN_FAILED, "link expired")]


async def test_an_unknown_address_answers_like_a_known_one_and_sends_nothing(
    make_client: MakeClient, people: Database, smtp_server: tuple[int, mailbox.Maildir]
) -> None:
    port, maildir = smtp_server
    async with make_client(mail=mail_to(port)) as client:
        known = await ask_for_link(client, ANN)
        unknown = await ask_for_link(client, "nobody@example.dk")
    assert (known.status_code, known.headers["location"]) == (
        unknown.status_code,
        unknown.headers["location"],
    )
    assert known.content == unknown.content
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())
    messages = received(maildir, 2, timeout=1.0)
    assert [m["To"] for m in messages] == [f"Ann Holm <{ANN}>"], "nothing is sent to an unknown address"
    async with people.read_session() as session:
        assert len((await session.scalars(select(SignInLink))).all()) == 1


async def test_bo_gets_his_mail_in_english_and_mail_off_sends_nothing(
    make_client: MakeClient, people: Database, smtp_server: tuple[int, mailbox.Maildir], auth_log: list[str]
) -> None:
    port, maildir = smtp_server
    async with make_client(mail=mail_to(port)) as client:
        assert (await ask_for_link(client, BO)).status_code == 303
    [message] = received(maildir, 1)
    assert message["Subject"] == "Your sign-in link for Zones"
    async with make_client() as client:  # mail off
        answer = await ask_for_link(client, ANN)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in/link-sent"
    assert len(received(maildir, 2, timeout=0.5)) == 1
    assert any("zones user link" in line for line in auth_log)


@pytest.mark.parametrize("email", ["", "   ", "not-an-address", "a@b", "two@@example.dk"])
async def test_an_address_that_is_not_one_shows_the_form_again_with_the_problem(
    make_client: MakeClient, email: str
) -> None:
    async with make_client() as client:
        answer = await ask_for_link(client, email)
    assert answer.status_code == 400
    assert "There is a problem" in answer.text
    assert 'href="#email"' in answer.text and 'id="email-error"' in answer.text
    expected = "Enter your work e-mail address" if not email.strip() else "in the right format"
    assert expected in answer.text


async def test_too_many_links_for_one_address_answer_429_with_retry_after(
    make_client: MakeClient, people: Database, clock: Clock
) -> None:
    async with make_client(link_limit_per_address=2) as client:
        for _ in range(2):
            assert (await ask_for_link(client, ANN)).status_code == 303
        refused = await ask_for_link(client, "Ann@example.dk")
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "900"
        assert "Too many attempts" in refused.text and refused.headers["content-type"].startswith("text/html")
        assert (await ask_for_link(client, "unknown@example.dk")).status_code == 303, "another address may"
        for _ in range(2):  # an unknown address is limited the same way: its count says nothing
            await ask_for_link(client, "unknown@example.dk")
        assert (await ask_for_link(client, "unknown@example.dk")).status_code == 429
        clock.now += timedelta(minutes=10)
        assert (await ask_for_link(client, ANN)).headers["retry-after"] == "300"
        clock.now += timedelta(minutes=5)
        assert (await ask_for_link(client, ANN)).status_code == 303, "a new window begins"


async def test_too_many_attempts_from_one_client_answer_429_as_a_problem_for_scripts(
    make_client: MakeClient, people: Database
) -> None:
    async with make_client(attempts_per_client=3) as client:
        for n in range(3):
            assert (await ask_for_link(client, f"person{n}@example.dk")).status_code == 303
        page = await client.get("/sign-in", headers=HTML)
        refused = await client.post(
            "/sign-in/link/use",
            data={"token": "made-up", "csrf_token": form_fields(page)["csrf_token"]},
            headers={"Accept": "application/json"},
        )
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["status"] == 429 and int(refused.headers["retry-after"]) == 900


async def test_behind_a_trusted_proxy_the_forwarded_address_is_limited_and_recorded(
    make_client: MakeClient, people: Database
) -> None:
    async with make_client(attempts_per_client=2, trusted_proxies=(PEER,)) as client:
        for n in range(2):
            forwarded = {"X-Forwarded-For": "203.0.113.7"}
            assert (await ask_for_link(client, f"p{n}@example.dk", headers=forwarded)).status_code == 303
        over = await ask_for_link(client, "p9@example.dk", headers={"X-Forwarded-For": "203.0.113.7"})
        assert over.status_code == 429
        other = await ask_for_link(client, "p9@example.dk", headers={"X-Forwarded-For": "198.51.100.4"})
        assert other.status_code == 303, "another client behind the same proxy has its own limit"
    addresses = {address for _, address, _ in await audit_kinds(people)}
    assert addresses == {"203.0.113.7", "198.51.100.4"}


async def test_without_trusted_proxies_x_forwarded_for_is_ignored(
    make_client: MakeClient, people: Database
) -> None:
    async with make_client(attempts_per_client=2) as client:
        for n in range(2):
            forwarded = {"X-Forwarded-For": f"203.0.113.{n}"}
            assert (await ask_for_link(client, f"p{n}@example.dk", headers=forwarded)).status_code == 303
        over = await ask_for_link(client, "p9@example.dk", headers={"X-Forwarded-For": "198.51.100.4"})
        assert over.status_code == 429, "a made-up header does not buy more attempts"
    assert {address for _, address, _ in await audit_kinds(people)} == {PEER}


async def test_unused_port_means_the_answer_still_comes_and_the_failure_is_logged(
    make_client: MakeClient, people: Database, auth_log: list[str]
) -> None:
    async with make_client(mail=mail_to(free_port())) as client:
        answer = await ask_for_link(client, ANN)
    assert answer.status_code == 303
    assert any("sign-in link to" in line and "not sent" in line for line in auth_log)


async def test_two_uses_of_one_link_at_once_sign_in_only_once(people: Database, clock: Clock) -> None:
    token = (await make_link(people, ANN, clock())).split("token=")[1]

    async def use() -> object:
        async with people.write_session() as session:
            return await use_link(session, token, clock() + timedelta(minutes=1))

    results = await asyncio.gather(use(), use())
    assert sum(result is not None for result in results) == 1


async def test_counts_of_windows_older_than_a_day_are_deleted(people: Database, clock: Clock) -> None:
    async with people.write_session() as session:
        for key in ("client:192.0.2.1", "client:192.0.2.2"):
            await count_in_database(session, key, window_of(clock(), 900)[0], clock())
    async with people.write_session() as session:
        assert await delete_old_windows(session, clock() + timedelta(hours=23)) == 0
        assert await delete_old_windows(session, clock() + timedelta(days=1, seconds=1)) == 2
