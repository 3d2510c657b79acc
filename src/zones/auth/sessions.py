"""Web sessions: a random id in an HttpOnly cookie, the session itself on the server.

In the database by default; in Redis when `ZONES_REDIS_URL` is set, so several servers share them
without a database write per sign-in. Either way a session ends when it has not been used for the
idle time (8 hours), at its absolute end (30 days after sign-in), at sign-out, or when the person
signs out everywhere. Every sign-in makes a new id (no session fixation). Use is recorded off the
request path (`zones.auth.usage`), to the minute.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Protocol
from uuid import UUID

import msgspec
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from zones.auth.principal import Principal
from zones.models import Employee, Role, WebSession
from zones.settings import SignInSettings

SESSION_COOKIE: Final = "zones_session"
SECURE_SESSION_COOKIE: Final = "__Host-zones_session"
"""The cookie's name over https: the `__Host-` prefix pins it to this host, path / and Secure."""
SEEN_RESOLUTION: Final = timedelta(minutes=1)


def session_hash(session_id: str) -> str:
    """What is stored of a session id: its SHA-256 (ids are 256-bit random, so no salt is needed)."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SessionCredential:
    """How a request is signed in with a session cookie (`request.auth`)."""

    id_hash: str
    csrf_token: str
    method: str
    """`oidc`, `link` or `demo`."""
    seen_at: datetime
    valid_until: datetime
    """When the session ends unless it is used again: its absolute end or its idle limit."""


@dataclass(frozen=True)
class StartedSession:
    """A session just begun: the id for the cookie (never stored) and its CSRF token."""

    session_id: str
    credential: SessionCredential
    expires_at: datetime


class SessionStore(Protocol):
    """Where sessions live: the database or Redis."""

    async def start(
        self, db: AsyncSession, employee_id: UUID, method: str, now: datetime
    ) -> StartedSession: ...

    async def find(
        self, db: AsyncSession, session_id: str, now: datetime
    ) -> tuple[Principal, SessionCredential] | None: ...

    async def end(self, db: AsyncSession, id_hash: str) -> None: ...

    async def end_all(self, db: AsyncSession, employee_id: UUID) -> int: ...

    async def touch(self, db: AsyncSession, seen: dict[str, datetime]) -> None:
        """Record when sessions were last used (`id_hash` → time), in one go."""
        ...


def _new(settings: SignInSettings, method: str, now: datetime) -> tuple[str, SessionCredential, datetime]:
    session_id = secrets.token_urlsafe(32)
    expires_at = now + timedelta(seconds=settings.session_absolute_s)
    credential = SessionCredential(
        session_hash(session_id),
        secrets.token_urlsafe(32),
        method,
        now,
        _valid_until(settings, now, expires_at),
    )
    return session_id, credential, expires_at


def _valid_until(settings: SignInSettings, seen_at: datetime, expires_at: datetime) -> datetime:
    return min(expires_at, seen_at + timedelta(seconds=settings.session_idle_s))


_PRINCIPAL_BY_SESSION = (
    select(
        Employee.id,
        Employee.email,
        Employee.name,
        Employee.role,
        Employee.locale,
        WebSession.csrf_token,
        WebSession.method,
        WebSession.seen_at,
        WebSession.expires_at,
    )
    .join(Employee, Employee.id == WebSession.employee_id)
    .where(WebSession.id_hash == bindparam("id_hash"), Employee.active.is_(True))
)


class DatabaseSessions:
    """Sessions in the `web_session` table, read in the request's own session (one SELECT)."""

    def __init__(self, settings: SignInSettings) -> None:
        self.settings = settings

    async def start(self, db: AsyncSession, employee_id: UUID, method: str, now: datetime) -> StartedSession:
        session_id, credential, expires_at = _new(self.settings, method, now)
        db.add(
            WebSession(
                id=uuid7(),
                id_hash=credential.id_hash,
                employee_id=employee_id,
                method=method,
                csrf_token=credential.csrf_token,
                seen_at=now,
                expires_at=expires_at,
            )
        )
        await db.flush()
        return StartedSession(session_id, credential, expires_at)

    async def find(
        self, db: AsyncSession, session_id: str, now: datetime
    ) -> tuple[Principal, SessionCredential] | None:
        id_hash = session_hash(session_id)
        connection = await db.connection()
        row = (await connection.execute(_PRINCIPAL_BY_SESSION, {"id_hash": id_hash})).one_or_none()
        if row is None:
            return None
        employee_id, email, name, role, locale, csrf, method, seen_at, expires_at = row
        valid_until = _valid_until(self.settings, seen_at, expires_at)
        if valid_until <= now:
            return None
        principal = Principal(employee_id, email, name, Role(role), locale)
        return principal, SessionCredential(id_hash, csrf, method, seen_at, valid_until)

    async def end(self, db: AsyncSession, id_hash: str) -> None:
        await db.execute(delete(WebSession).where(WebSession.id_hash == id_hash))

    async def end_all(self, db: AsyncSession, employee_id: UUID) -> int:
        result: Any = await db.execute(delete(WebSession).where(WebSession.employee_id == employee_id))
        return int(result.rowcount or 0)

    async def touch(self, db: AsyncSession, seen: dict[str, datetime]) -> None:
        for id_hash, at in seen.items():
            await db.execute(
                update(WebSession)
                .where(WebSession.id_hash == id_hash, WebSession.seen_at < at)
                .values(seen_at=at)
            )

    async def end_expired(self, db: AsyncSession, now: datetime) -> int:
        """Delete sessions past their end or idle for longer than the idle time."""
        idle_since = now - timedelta(seconds=self.settings.session_idle_s)
        result: Any = await db.execute(
            delete(WebSession).where((WebSession.expires_at <= now) | (WebSession.seen_at <= idle_since))
        )
        return int(result.rowcount or 0)


class _Stored(msgspec.Struct, frozen=True):
    employee_id: str
    csrf_token: str
    method: str
    seen_at: datetime
    expires_at: datetime


_EMPLOYEE_PRINCIPAL = select(
    Employee.id, Employee.email, Employee.name, Employee.role, Employee.locale
).where(Employee.id == bindparam("employee_id"), Employee.active.is_(True))


class RedisSessions:
    """Sessions in Redis: `zones:session:<hash>` expires by itself when idle or at its end, and
    `zones:sessions:<employee>` lists a person's sessions for signing out everywhere. The person
    (name, role) is still read from the database, so a changed role applies at once."""

    PREFIX: Final = "zones:session:"
    PERSON_PREFIX: Final = "zones:sessions:"

    def __init__(self, settings: SignInSettings, redis: Any) -> None:
        self.settings = settings
        self.redis = redis

    def _ttl(self, stored: _Stored, now: datetime) -> int:
        left = min(self.settings.session_idle_s, (stored.expires_at - now).total_seconds())
        return max(1, int(left))

    async def start(self, db: AsyncSession, employee_id: UUID, method: str, now: datetime) -> StartedSession:
        session_id, credential, expires_at = _new(self.settings, method, now)
        stored = _Stored(str(employee_id), credential.csrf_token, method, now, expires_at)
        person = self.PERSON_PREFIX + str(employee_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self.PREFIX + credential.id_hash, msgspec.json.encode(stored), ex=self._ttl(stored, now))
            pipe.sadd(person, credential.id_hash)
            pipe.expire(person, int(self.settings.session_absolute_s))
            await pipe.execute()
        return StartedSession(session_id, credential, expires_at)

    async def _stored(self, id_hash: str) -> _Stored | None:
        raw = await self.redis.get(self.PREFIX + id_hash)
        return None if raw is None else msgspec.json.decode(raw, type=_Stored)

    async def find(
        self, db: AsyncSession, session_id: str, now: datetime
    ) -> tuple[Principal, SessionCredential] | None:
        id_hash = session_hash(session_id)
        stored = await self._stored(id_hash)
        if stored is None:
            return None
        valid_until = _valid_until(self.settings, stored.seen_at, stored.expires_at)
        if valid_until <= now:
            return None
        connection = await db.connection()
        row = (
            await connection.execute(_EMPLOYEE_PRINCIPAL, {"employee_id": UUID(stored.employee_id)})
        ).one_or_none()
        if row is None:
            return None
        employee_id, email, name, role, locale = row
        principal = Principal(employee_id, email, name, Role(role), locale)
        credential = SessionCredential(id_hash, stored.csrf_token, stored.method, stored.seen_at, valid_until)
        return principal, credential

    async def end(self, db: AsyncSession, id_hash: str) -> None:
        stored = await self._stored(id_hash)
        await self.redis.delete(self.PREFIX + id_hash)
        if stored is not None:
            await self.redis.srem(self.PERSON_PREFIX + stored.employee_id, id_hash)

    async def end_all(self, db: AsyncSession, employee_id: UUID) -> int:
        person = self.PERSON_PREFIX + str(employee_id)
        hashes = await self.redis.smembers(person)
        keys = [self.PREFIX + (h.decode() if isinstance(h, bytes) else h) for h in hashes]
        ended = int(await self.redis.delete(*keys)) if keys else 0
        await self.redis.delete(person)
        return ended

    async def touch(self, db: AsyncSession, seen: dict[str, datetime]) -> None:
        for id_hash, at in seen.items():
            stored = await self._stored(id_hash)
            if stored is None or stored.seen_at >= at:
                continue
            fresher = msgspec.structs.replace(stored, seen_at=at)
            await self.redis.set(
                self.PREFIX + id_hash, msgspec.json.encode(fresher), ex=self._ttl(fresher, at), xx=True
            )
