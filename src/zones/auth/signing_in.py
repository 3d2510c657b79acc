"""What every way of signing in shares: the client's address, where to go afterwards, the audit
trail, and beginning a session (a new id every time) with its cookie."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.middleware import session_cookie_name, signed_in_with_session
from zones.models import AuditEntry, AuditKind
from zones.server.state import AppState


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address: the peer, or, when the peer is a proxy listed in
    `ZONES_TRUSTED_PROXIES`, the nearest address in `X-Forwarded-For` that is not a trusted proxy."""
    peer = request.client.host if request.client else ""
    trusted = AppState.of(request.app).settings.sign_in.trusted_proxies
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if not _is_trusted(hop, trusted):
            return hop
    return forwarded[0] if forwarded else peer


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in trusted:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or parts.path.startswith("/sign-in"):
        return "/"
    return target


def audit(
    db: AsyncSession,
    request: Request[Any, Any, Any],
    kind: AuditKind,
    *,
    employee_id: UUID | None = None,
    method: str = "",
    detail: str = "",
) -> None:
    """Record a sign-in event in the request's transaction."""
    db.add(
        AuditEntry(
            kind=kind,
            employee_id=employee_id,
            method=method,
            client_address=client_address(request)[:64],
            detail=detail[:500],
        )
    )


async def begin_session(
    request: Request[Any, Any, Any], db: AsyncSession, employee_id: UUID, method: str, next_path: str
) -> Response[Any]:
    """Sign the person in: end the session the browser had (if any), start a new one under a new
    id, record it, and send the browser on with the new cookie."""
    state = AppState.of(request.app)
    previous = signed_in_with_session(request)
    if previous is not None:
        await state.sessions.end(db, previous.id_hash)  # type: ignore[union-attr]
        state.session_cache.forget(previous.id_hash)
    started = await state.sessions.start(db, employee_id, method, state.clock())  # type: ignore[union-attr]
    audit(db, request, AuditKind.SIGN_IN, employee_id=employee_id, method=method)
    response: Redirect = Redirect(safe_next(next_path), status_code=303)
    lifetime = int(state.settings.sign_in.session_absolute_s)
    response.cookies.append(session_cookie(state, started.session_id, max_age=lifetime))
    return response


def session_cookie(state: AppState, value: str, *, max_age: int | None = None) -> Cookie:
    """The session cookie: HttpOnly, SameSite=Lax, Secure over https; it lasts as long as the
    browser keeps it (the server ends the session itself)."""
    return Cookie(
        key=session_cookie_name(state),
        value=value,
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
        path="/",
        max_age=max_age,
    )
