"""Opaque API tokens: random, shown once, stored as SHA-256, revocable, optionally expiring."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.principal import Principal
from zones.clock import Clock, utc_now
from zones.errors import InvalidInput, NotFound
from zones.models import ApiToken, Employee, Role

V = TypeVar("V")
TOKEN_PREFIX = "zt_"
MAX_TOKEN_NAME = 100
"""The longest name a token may be given (what it is for)."""


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str = TOKEN_PREFIX) -> str:
    """A fresh token: 256 random bits, URL-safe, after a prefix that says what it is for."""
    return prefix + secrets.token_urlsafe(32)


async def issue_token(
    session: AsyncSession,
    email: str,
    name: str = "cli",
    expires_in: timedelta | None = None,
    *,
    clock: Clock = utc_now,
) -> tuple[str, ApiToken]:
    """Create a token for the employee with `email`: show it once, only its hash is stored.

    With `expires_in` the token works until exactly that long after now, and never after.
    """
    if expires_in is not None and expires_in <= timedelta(0):
        raise InvalidInput(
            "invalid-expiry",
            "Invalid expiry",
            "A token must stay valid for some time; give a positive number of days",
            message_id="token.expiry-not-positive",
            params={"expires_in_seconds": expires_in.total_seconds()},
        )
    employee = await session.scalar(select(Employee).where(func.lower(Employee.email) == email.lower()))
    if employee is None:
        raise _no_employee(email)
    if not employee.active:
        raise NotFound(
            f"{email} is not an active employee", message_id="employee.inactive", params={"email": email}
        )
    token = new_token()
    expires_at = clock() + expires_in if expires_in is not None else None
    row = ApiToken(
        employee_id=employee.id,
        name=name,
        token_hash=hash_token(token),
        prefix=token[:10],
        expires_at=expires_at,
    )
    session.add(row)
    await session.flush()
    return token, row


_TOKEN_TABLE, _EMPLOYEE_TABLE = ApiToken.__table__, Employee.__table__
_PRINCIPAL_BY_TOKEN = (
    select(
        _EMPLOYEE_TABLE.c.id,
        _EMPLOYEE_TABLE.c.email,
        _EMPLOYEE_TABLE.c.name,
        _EMPLOYEE_TABLE.c.role,
        _EMPLOYEE_TABLE.c.locale,
        _TOKEN_TABLE.c.expires_at,
    )
    .select_from(_TOKEN_TABLE.join(_EMPLOYEE_TABLE, _EMPLOYEE_TABLE.c.id == _TOKEN_TABLE.c.employee_id))
    .where(
        _TOKEN_TABLE.c.token_hash == bindparam("token_hash"),
        _TOKEN_TABLE.c.revoked_at.is_(None),
        _EMPLOYEE_TABLE.c.active.is_(True),
    )
)


async def authenticate_token(
    session: AsyncSession, token: str, *, clock: Clock = utc_now, cache: TokenCache[Principal] | None = None
) -> Principal | None:
    """The principal a token stands for, or None if it is unknown, revoked, expired or its owner left.

    With a `cache`, a token looked up in the last few seconds is not looked up again.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_hash = hash_token(token)
    now = clock()
    if cache is not None and (cached := cache.get(token_hash, now)) is not None:
        return cached
    connection = await session.connection()
    row = (await connection.execute(_PRINCIPAL_BY_TOKEN, {"token_hash": token_hash})).one_or_none()
    if row is None:
        return None
    employee_id, email, name, role, locale, expires_at = row
    if expires_at is not None and expires_at <= now:
        return None
    principal = Principal(employee_id, email, name, Role(role), locale)
    if cache is not None:
        cache.put(token_hash, principal, expires_at)
    return principal


class TokenCache(Generic[V]):
    """Credentials this server process looked up in the last `seconds` (API tokens, and sessions
    with their CSRF token), so a burst of requests from one person costs one lookup. A token
    revoked (or an employee who left) stops working within `seconds`; an expiring token never
    outlives its own expiry."""

    def __init__(
        self, seconds: float, max_entries: int = 50_000, monotonic: Callable[[], float] = time.monotonic
    ):
        self.seconds = seconds
        self.max_entries = max_entries
        self._monotonic = monotonic
        self._entries: dict[str, tuple[float, V, datetime | None]] = {}

    def get(self, token_hash: str, now: datetime) -> V | None:
        """The cached principal, or None if not cached, stale or expired."""
        entry = self._entries.get(token_hash)
        if entry is None:
            return None
        fresh_until, principal, expires_at = entry
        if fresh_until <= self._monotonic() or (expires_at is not None and expires_at <= now):
            del self._entries[token_hash]
            return None
        return principal

    def put(self, token_hash: str, principal: V, expires_at: datetime | None) -> None:
        """Remember a token that was found valid."""
        if self.seconds <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()  # a burst of many people: start again rather than keep a heap
        self._entries[token_hash] = (self._monotonic() + self.seconds, principal, expires_at)

    def clear(self) -> None:
        """Forget every token (after revoking tokens in this process, and in tests)."""
        self._entries.clear()

    def forget(self, token_hash: str) -> None:
        """Forget one credential (a session signed out in this process)."""
        self._entries.pop(token_hash, None)


async def revoke_tokens(session: AsyncSession, email: str, *, clock: Clock = utc_now) -> int:
    """Revoke every live token of the employee with `email`; returns how many."""
    employee_id = await session.scalar(select(Employee.id).where(func.lower(Employee.email) == email.lower()))
    if employee_id is None:
        raise _no_employee(email)
    tokens = list(
        await session.scalars(
            select(ApiToken).where(ApiToken.employee_id == employee_id, ApiToken.revoked_at.is_(None))
        )
    )
    now = clock()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def _no_employee(email: str) -> NotFound:
    return NotFound(
        f"no employee with e-mail {email}", message_id="employee.unknown", params={"email": email}
    )
