"""Pages every visitor shares: the language switcher, static files, error pages."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import CacheControlHeader, Cookie
from litestar.di import NamedDependency
from litestar.params import URLEncodedBody
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from msgspec import Struct
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.principal import Principal
from zones.auth.signing_in import safe_next
from zones.models import Employee
from zones.server.state import AppState
from zones.web.i18n import LOCALE_COOKIE, supported
from zones.web.render import environment

STATIC_MAX_AGE = 365 * 24 * 3600
"""Static URLs carry a fingerprint of their content (`static_url`), so browsers keep them a year."""


class LanguageChoice(Struct):
    language: str
    next: str = "/"


class StartPage(Controller):
    """The language switcher (the start page, My week, is `zones.bookings.pages`)."""

    include_in_schema = False

    @post("/language", name="language")
    async def choose_language(
        self,
        request: Request[Any, Any, Any],
        session: NamedDependency[AsyncSession],
        data: URLEncodedBody[LanguageChoice],
    ) -> Response[Any]:
        """Remember the language: in the profile when signed in, else in a cookie (a year)."""
        state = AppState.of(request.app)
        language = supported(data.language) or "en"
        user = request.scope.get("user")
        if isinstance(user, Principal):
            await session.execute(
                update(Employee).where(Employee.id == user.employee_id).values(locale=language)
            )
            state.session_cache.clear()
            state.token_cache.clear()
        response: Redirect = Redirect(safe_next(data.next, sign_in_pages=True), status_code=303)
        response.cookies.append(
            Cookie(
                key=LOCALE_COOKIE,
                value=language,
                max_age=365 * 24 * 3600,
                samesite="lax",
                httponly=True,
                secure=state.settings.secure_cookies,
            )
        )
        return response


static_files = create_static_files_router(
    path="/static",
    directories=[str(files("zones.web") / "static")],
    cache_control=CacheControlHeader(public=True, max_age=STATIC_MAX_AGE, immutable=True),
    include_in_schema=False,
    name="static",
)


async def send_page(scope: Any, send: Any, status: int, html: str) -> None:
    """Answer with a page from outside any handler (middleware refusing a request)."""
    body = html.encode()
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def problem_html(locale: str, title: str, text: str, csrf_token: str = "") -> str:
    """A plain error page in `locale` (the words are translated by the template)."""
    return (
        environment(locale)
        .get_template("problem.html")
        .render(
            locale=locale, user=None, csrf_token=csrf_token, path="/", message=None, title=title, text=text
        )
    )
