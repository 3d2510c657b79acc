"""Bearer-token authentication and role guards.

Credentials are turned into a `Principal` by authenticators; API tokens are the one shipped today.
An OIDC authenticator (verifying the provider's JWTs and mapping the e-mail claim to an employee)
fits beside it without touching any controller.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware
from litestar.openapi.spec import Reference, SecurityScheme
from litestar.types import Receive, Scope, Send

from zones.auth import Principal
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


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Authenticates `Authorization: Bearer <token>` on every route not excluded from auth.

    The token is looked up in the request's own session (the one its handler goes on with), unless
    this process looked it up in the last few seconds.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            await close_request_session(scope)  # also when auth refused before any handler ran

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException(
                "Send an API token as 'Authorization: Bearer <token>'", headers=CHALLENGE
            )
        state = AppState.of(connection.app)
        token = token.strip()
        principal = state.token_cache.get(hash_token(token), state.clock())
        if principal is None:
            session = await request_session(connection.scope)
            principal = await authenticate_token(session, token, clock=state.clock, cache=state.token_cache)
        if principal is None:
            raise NotAuthorizedException("The token is unknown, expired or revoked", headers=CHALLENGE)
        return AuthenticationResult(user=principal, auth=token)


def authentication_middleware() -> DefineMiddleware:
    """The middleware, with the health check and the API documentation left open."""
    # A calendar feed URL carries its own secret: calendar apps cannot send bearer tokens.
    return DefineMiddleware(
        BearerTokenMiddleware, exclude=["^/health", "^/schema", r"^/calendar/[^/]+\.ics$"]
    )


def requires_planner(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: planners and admins only."""
    user = connection.user
    if not isinstance(user, Principal) or not user.is_planner:
        raise PermissionDeniedException("Only planners and admins may do this")
