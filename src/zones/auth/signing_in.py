"""What every way of signing in shares: the client's address, where to go afterwards, the audit
trail, and beginning a session (a new id every time) with its cookie."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

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


def safe_next(target: str | None, *, sign_in_pages: bool = False) -> str:
    """Where to go after signing in: a path of this site only (never another host), and not back
    to the sign-in pages unless `sign_in_pages` (the language switcher returns there)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or (parts.path.startswith("/sign-in") and not sign_in_pages):
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
