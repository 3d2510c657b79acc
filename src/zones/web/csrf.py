"""Cross-site request forgery: every state-changing request a browser makes must carry a token
that another site cannot know.

Signed in, the token is the session's own (stored with it on the server). Before signing in (the
sign-in forms, the language switcher) it is a random value in a cookie that the form repeats
(double submit). Forms send it as the field `csrf_token`; HTMX and scripts as the header
`X-CSRF-Token` (the base layout puts it in `hx-headers`). A request with an `Authorization` header
is a script's, authenticated by its token alone, and needs none.

Pages are sent compressed, so the token a page carries is masked afresh for every page (a random
pad, and the token XOR the pad): a secret repeated byte for byte in compressed answers that also
echo what the visitor sent could be guessed from their sizes (BREACH). Either form is accepted.
"""

from __future__ import annotations

import hmac
import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode
from binascii import Error as Base64Error
from typing import Any, Final, cast

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Send

from zones.auth.sessions import SessionCredential
from zones.server.problems import send_problem
from zones.web.i18n import N_

CSRF_COOKIE: Final = "zones_csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "x-csrf-token"
SCOPE_KEY: Final = "zones.csrf"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_TYPES: Final = ("application/x-www-form-urlencoded", "multipart/form-data")
REFUSAL_TITLE: Final = N_("This form has expired")
REFUSAL: Final = N_(
    "The form was out of date or came from another site, so nothing was changed. "
    "Go back, reload the page and try again."
)


def csrf_token(scope: Any) -> str:
    """The token the page being rendered must put in its forms, masked afresh for this page."""
    return mask(str(scope.get(SCOPE_KEY, "")))


def mask(token: str) -> str:
    """`token` under a new random pad: the pad, then the token XOR the pad (URL-safe base64)."""
    raw = token.encode()
    pad = secrets.token_bytes(len(raw))
    return urlsafe_b64encode(pad + bytes(a ^ b for a, b in zip(pad, raw, strict=True))).decode()


def unmask(given: str) -> bytes:
    """The token a masked value carries (b"" when it is not a masked value)."""
    try:
        both = urlsafe_b64decode(given.encode("ascii"))
    except (Base64Error, UnicodeEncodeError, ValueError):
        return b""
    half = len(both) // 2
    if not half or len(both) % 2:
        return b""
    return bytes(a ^ b for a, b in zip(both[:half], both[half:], strict=True))


def token_matches(given: str, expected: str) -> bool:
    """Whether a request's token is the expected one, masked or as it is."""
    if not given or not expected:
        return False
    wanted = expected.encode()
    as_sent = given.encode("utf-8", "surrogateescape")  # bytes: any text a client sends compares
    return hmac.compare_digest(as_sent, wanted) or hmac.compare_digest(unmask(given), wanted)


class CsrfMiddleware:
    """Checks the token on unsafe methods; runs after authentication (it needs the session)."""

    def __init__(self, app: ASGIApp, secure: bool = False) -> None:
        self.app = app
        self.secure = secure

    async def __call__(self, scope: Any, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        if b"authorization" in headers:
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = Request(scope, receive)
        auth = scope.get("auth")
        new_cookie = None
        if isinstance(auth, SessionCredential):
            expected = auth.csrf_token
        else:
            expected = request.cookies.get(CSRF_COOKIE, "")
            if len(expected) < 32:
                expected = new_cookie = secrets.token_urlsafe(32)
        scope[SCOPE_KEY] = expected
        if scope["method"] not in SAFE_METHODS:
            given = headers.get(CSRF_HEADER.encode(), b"").decode("latin-1")
            if not given and request.headers.get("content-type", "").startswith(FORM_TYPES):
                given = str((await request.form()).get(CSRF_FIELD, ""))
            if new_cookie is not None or not token_matches(given, expected):
                await refuse(request, send)
                return
        if new_cookie is None:
            await self.app(scope, receive, send)
            return
        cookie = Cookie(
            key=CSRF_COOKIE, value=new_cookie, httponly=True, samesite="lax", secure=self.secure, path="/"
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


async def refuse(request: Request[Any, Any, Any], send: Send) -> None:
    """403: a page for a browser's form, a problem detail for anything else."""
    from zones.web.i18n import LOCALE_COOKIE, negotiate
    from zones.web.pages import problem_html, send_page

    accept = request.headers.get("accept", "")
    if "text/html" in accept and "hx-request" not in request.headers:
        user = request.scope.get("user")
        locale = negotiate(
            profile=getattr(user, "locale", None),
            cookie=request.cookies.get(LOCALE_COOKIE),
            accept_language=request.headers.get("accept-language", ""),
            fallback="en",
        )
        html = problem_html(locale, REFUSAL_TITLE, REFUSAL)
        await send_page(request.scope, send, 403, html)
        return
    await send_problem(cast(Any, send), 403, REFUSAL)
