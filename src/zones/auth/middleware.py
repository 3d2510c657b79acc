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

from zones.auth import Principal
from zones.auth.tokens import authenticate_token
from zones.server.state import AppState

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="zones"'}
SECURITY_SCHEME_NAME = "BearerToken"
security_schemes: dict[str, SecurityScheme | Reference] = {
    SECURITY_SCHEME_NAME: SecurityScheme(
        type="http", scheme="bearer", description="An API token from `zones user token EMAIL`"
    )
}


class BearerTokenMiddleware(AbstractAuthenticationMiddleware):
    """Authenticates `Authorization: Bearer <token>` on every route not excluded from auth."""

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException(
                "Send an API token as 'Authorization: Bearer <token>'", headers=CHALLENGE
            )
        state = AppState.of(connection.app)
        async with state.database.read_session() as session:
            principal = await authenticate_token(session, token.strip(), clock=state.clock)
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
