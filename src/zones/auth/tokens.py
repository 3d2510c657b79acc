"""Opaque API tokens: random, shown once, stored as SHA-256, revocable, optionally expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.auth.principal import Principal
from zones.clock import Clock, utc_now
from zones.errors import InvalidInput, NotFound
from zones.models import ApiToken, Employee

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


async def authenticate_token(
    session: AsyncSession, token: str, *, clock: Clock = utc_now
) -> Principal | None:
    """The principal a token stands for, or None if it is unknown, revoked, expired or its owner left."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = clock()
    row = (
        await session.execute(
            select(ApiToken, Employee)
            .join(Employee, Employee.id == ApiToken.employee_id)
            .where(ApiToken.token_hash == hash_token(token))
        )
    ).one_or_none()
    if row is None:
        return None
    api_token, employee = row
    if api_token.revoked_at is not None or not employee.active:
        return None
    if api_token.expires_at is not None and api_token.expires_at <= now:
        return None
    return Principal.of(employee)


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
