"""Authentication: an API token (`Authorization: Bearer …`) or a web session cookie, and role guards.

Both become the same `Principal`, so every rule and role check applies alike. A request with an
`Authorization` header is a script's and is judged by its token alone (its cookies are ignored, and
it needs no CSRF token: a browser cannot add that header to another site's request). A browser
that is not signed in and asks for a page is sent to the sign-in page instead of a 401.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware
from litestar.openapi.spec import Reference, SecurityScheme
from litestar.types import Receive, Scope, Send

from zones.auth import Principal
from zones.auth.sessions import SECURE_SESSION_COOKIE, SESSION_COOKIE, SessionCredential, session_hash
from zones.auth.tokens import authenticate_token, hash_token
from zones.server.session import close_request_session, request_session
from zones.server.state import AppState

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="zones"'}
SECURITY_SCHEME_NAME = "BearerToken"
security_schemes: dict[str, SecurityScheme | Reference] = {
    SECURITY_SCHEME_NAME: SecurityScheme(
        type="http", scheme="bearer", description="An API token from `zones user token EMAIL`"
    )
}
PUBLIC_PATHS = [
    "^/health",
    "^/schema",
    r"^/calendar/[^/]+\.ics$",  # a feed URL carries its own secret: calendar apps cannot send tokens
    "^/static/",
]
"""What anyone may reach, with no look at who they are."""
OPEN_PATHS = re.compile(r"^/(sign-in|signed-out|language)(/|$)")
"""Pages for people not (yet) signed in; someone who is signed in is still known there."""


def wants_page(scope: Scope) -> bool:
    """Whether the request is a browser asking for a page (not a script, not an HTMX fragment)."""
    if scope.get("method") not in ("GET", "HEAD"):
        return False
    headers = dict(scope.get("headers", ()))
    return (
        b"authorization" not in headers
        and b"hx-request" not in headers
        and b"text/html" in headers.get(b"accept", b"")
    )


def session_cookie_name(state: AppState) -> str:
    """The session cookie's name (with the `__Host-` prefix over https)."""
    return SECURE_SESSION_COOKIE if state.settings.secure_cookies else SESSION_COOKIE


class ZonesAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Authenticates every route not listed in `PUBLIC_PATHS`.

    The credential is looked up in the request's own session (the one its handler goes on with),
    unless this process looked it up in the last few seconds.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except NotAuthorizedException:
            if not wants_page(scope):
                raise
            target = scope.get("path", "/")
            if query := scope.get("query_string", b""):
                target += "?" + query.decode("latin-1")
            location = "/sign-in" if target == "/" else f"/sign-in?next={quote(target, safe='')}"
            start: Any = {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", location.encode())],
            }
            body: Any = {"type": "http.response.body", "body": b""}
            await send(start)
            await send(body)
        finally:
            await close_request_session(scope)  # also when auth refused before any handler ran

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        state = AppState.of(connection.app)
        authorization = connection.headers.get("authorization")
        if authorization is not None:
            return await self._by_token(connection, state, authorization)
        session_id = connection.cookies.get(session_cookie_name(state))
        if session_id:
            found = await self._by_session(connection, state, session_id)
            if found is not None:
                return found
        if OPEN_PATHS.match(connection.scope["path"]):
            return AuthenticationResult(user=None, auth=None)
        raise NotAuthorizedException(
            "Sign in, or send an API token as 'Authorization: Bearer <token>'", headers=CHALLENGE
        )

    async def _by_token(
        self, connection: ASGIConnection[Any, Any, Any, Any], state: AppState, authorization: str
    ) -> AuthenticationResult:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException(
                "Send an API token as 'Authorization: Bearer <token>'", headers=CHALLENGE
            )
        now = state.clock()
        token_hash = hash_token(token)
        principal = state.token_cache.get(token_hash, now)
        if principal is None:
            session = await request_session(connection.scope)
            principal = await authenticate_token(session, token, clock=state.clock, cache=state.token_cache)
        if principal is None:
            raise NotAuthorizedException("The token is unknown, expired or revoked", headers=CHALLENGE)
        state.usage.token_used(token_hash, now)
        return AuthenticationResult(user=principal, auth=token)

    async def _by_session(
        self, connection: ASGIConnection[Any, Any, Any, Any], state: AppState, session_id: str
    ) -> AuthenticationResult | None:
        now = state.clock()
        key = session_hash(session_id)
        found = state.session_cache.get(key, now)
        if found is None:
            session = await request_session(connection.scope)
            found = await state.sessions.find(session, session_id, now)
            if found is None:
                return None
            state.session_cache.put(key, found, found[1].valid_until)
        principal, credential = found
        state.usage.session_seen(credential, now)
        return AuthenticationResult(user=principal, auth=credential)


def authentication_middleware() -> DefineMiddleware:
    """The middleware, with the public paths left open."""
    return DefineMiddleware(ZonesAuthenticationMiddleware, exclude=PUBLIC_PATHS)


def signed_in_with_session(connection: ASGIConnection[Any, Any, Any, Any]) -> SessionCredential | None:
    """The request's session, if it is signed in with one (not with a token)."""
    auth = connection.scope.get("auth")
    return auth if isinstance(auth, SessionCredential) else None


def requires_planner(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: planners and admins only."""
    user = connection.user
    if not isinstance(user, Principal) or not user.is_planner:
        raise PermissionDeniedException("Only planners and admins may do this")
