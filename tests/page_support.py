"""What the page tests share: the booking world served by a real app over https, and a client that
acts as a signed-in person's browser (their session cookie, the CSRF token as the form's field)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import Any, Final

import pytest
from httpx import AsyncClient, Response
from litestar.testing import AsyncTestClient

from booking_support import World, build_world
from zones.db import Database
from zones.server.app import create_app
from zones.settings import Settings, SignInSettings

LONG_SESSIONS: Final = SignInSettings(session_idle_s=90 * 24 * 3600, session_absolute_s=90 * 24 * 3600)
"""Sessions that outlast the days the tests move the clock through."""
PUBLIC_URL: Final = "https://zones.example.dk"
SESSION_COOKIE: Final = "__Host-zones_session"
"""The session cookie's name over https (the pages' feed links are https ones)."""


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def text_of(html: str) -> str:
    """What a page (or a fragment of one) says, with its whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", unescape(" ".join(parser.parts))).strip()


@dataclass
class Pages:
    """A signed-in person's browser: `who` names a person of the booking world."""

    world: World
    client: AsyncClient

    def headers(self, who: str, language: str = "en") -> dict[str, str]:
        session_id, csrf = self.world.sessions[who]
        return {
            "Cookie": f"{SESSION_COOKIE}={session_id}",
            "Accept": "text/html",
            "Accept-Language": language,
            "X-CSRF-Token": csrf,
        }

    async def get(self, who: str, path: str, language: str = "en", **params: Any) -> Response:
        headers = self.headers(who, language)
        headers.pop("X-CSRF-Token")
        return await self.client.get(path, params=params or None, headers=headers)

    async def post(
        self,
        who: str,
        path: str,
        data: dict[str, str] | None = None,
        *,
        csrf: bool = True,
        language: str = "en",
    ) -> Response:
        """A form post as the browser sends it: the session cookie, the CSRF token as a field
        (`csrf=False` leaves it out; a `csrf_token` in `data` is sent as it is)."""
        headers = self.headers(who, language)
        token = headers.pop("X-CSRF-Token")
        form = {"csrf_token": token} if csrf else {}
        return await self.client.post(path, data={**form, **(data or {})}, headers=headers)

    async def week(self, who: str, path: str = "/") -> str:
        page = await self.get(who, path)
        assert page.status_code == 200, page.text[:500]
        return page.text


@pytest.fixture
async def pages(db: Database) -> AsyncIterator[Pages]:
    """The booking world with a session for each of its people, served over https (no redirects
    followed: the tests look at each answer)."""
    world = await build_world(db)
    await world.start_sessions(LONG_SESSIONS)
    app = create_app(
        Settings(
            database_url=db.engine.url.render_as_string(hide_password=False),
            release_interval_s=0,
            sign_in=LONG_SESSIONS,
            public_url=PUBLIC_URL,
        ),
        clock=world.clock,
    )
    async with AsyncTestClient(app, base_url=PUBLIC_URL) as client:
        client.follow_redirects = False
        yield Pages(world, client)
