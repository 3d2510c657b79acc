"""Rendering pages: one Jinja environment per language, the context every page shares, and the
answers a page gives (HTML, or an HTMX fragment)."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files
from typing import Any, Final, cast

import jinja2
from babel.dates import format_date, format_datetime
from litestar import Request, Response
from litestar.enums import MediaType
from sqlalchemy import select

from zones import __version__
from zones.auth.principal import Principal
from zones.models import Site
from zones.server.state import AppState
from zones.web.csrf import CSRF_FIELD, CSRF_HEADER, csrf_token
from zones.web.i18n import LANGUAGE_NAMES, LOCALE_COOKIE, LOCALES, locale_of_country, negotiate, translations

HTMX_FILE: Final = "htmx-2.0.11.min.js"
"""HTMX, pinned to the 2.0 line and shipped in the package (its licence beside it)."""
SCOPE_LOCALE: Final = "zones.locale"


@cache
def static_url(name: str) -> str:
    """The URL of a packaged static file, with a fingerprint of its content (so it may be cached
    for a year and still change with a release)."""
    content = (files("zones.web") / "static" / name).read_bytes()
    return f"/static/{name}?v={hashlib.sha256(content).hexdigest()[:10]}"


@cache
def environment(locale: str) -> jinja2.Environment:
    """The templates, speaking `locale`."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("zones.web", "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        static=static_url,
        htmx_file=HTMX_FILE,
        language_names=LANGUAGE_NAMES,
        locales=LOCALES,
        version=__version__,
        csrf_field=CSRF_FIELD,
        csrf_header=CSRF_HEADER,
    )
    env.filters["long_date"] = lambda day: format_date(
        day, "EEEE d. MMMM" if locale == "da" else "EEEE d MMMM", locale=locale
    )
    env.filters["date_time"] = lambda moment: format_datetime(moment, "short", locale=locale)
    return env


async def page_locale(request: Request[Any, Any, Any]) -> str:
    """The language of the page for this request (`zones.web.i18n`), worked out once."""
    known = cast(dict[str, Any], request.scope).get(SCOPE_LOCALE)
    if known:
        return str(known)
    user = request.scope.get("user")
    profile = user.locale if isinstance(user, Principal) else None
    state = AppState.of(request.app)
    fallback = state.settings.default_locale
    accept = request.headers.get("accept-language", "")
    cookie = request.cookies.get(LOCALE_COOKIE)
    if not (profile or cookie or accept or fallback):
        async with state.database.read_session() as session:
            country = await session.scalar(select(Site.country).order_by(Site.name).limit(1))
        fallback = locale_of_country(country)
    locale = negotiate(profile=profile, cookie=cookie, accept_language=accept, fallback=fallback)
    cast(dict[str, Any], request.scope)[SCOPE_LOCALE] = locale
    return locale


async def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """A page (or an HTMX fragment) in the request's language."""
    locale = await page_locale(request)
    user = request.scope.get("user")
    html = (
        environment(locale)
        .get_template(template)
        .render(
            locale=locale,
            user=user if isinstance(user, Principal) else None,
            csrf_token=csrf_token(request.scope),
            path=request.url.path,
            message=context.pop("message", None),
            link_minutes=f"{AppState.of(request.app).settings.sign_in.link_minutes:g}",
            **context,
        )
    )
    return Response(
        html,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={"cache-control": "no-store", "vary": "Cookie, Accept-Language", **(headers or {})},
    )


def gettext_for(locale: str) -> Any:
    """The catalogue's `gettext` for text built outside templates (flash messages)."""
    return translations(locale).gettext
