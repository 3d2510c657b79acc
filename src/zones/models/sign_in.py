"""Signing people in: web sessions, e-mail sign-in links, SSO attempts in flight, rate-limit
counters and the audit trail of sign-ins."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zones.models.base import Base, enum_column


class WebSession(Base):
    """A signed-in browser. The cookie holds a random id; only its hash is stored here."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the session id, hex."""
    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(16))
    """How the person signed in: `oidc`, `link` or `demo`."""
    csrf_token: Mapped[str] = mapped_column(String(64))
    """The token every state-changing request of this session must carry."""
    seen_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    """Last use, kept to the minute (idle expiry counts from here)."""
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    """The absolute end: sign-in time plus the session's lifetime."""


class SignInLink(Base):
    """A single-use sign-in link sent by e-mail; only its hash is stored."""

    __tablename__ = "sign_in_link"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))


class SsoAttempt(Base):
    """An OpenID Connect sign-in between the redirect to the provider and its answer.

    Keyed by the `state` sent to the provider (hashed), used once; holds the nonce and the PKCE
    verifier, so neither travels through the browser."""

    __tablename__ = "sso_attempt"

    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    nonce: Mapped[str] = mapped_column(String(128))
    code_verifier: Mapped[str] = mapped_column(String(128))
    return_to: Mapped[str] = mapped_column(String(500), default="/")
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class RateLimitHit(Base):
    """Attempts counted against a limit (`key`: what is limited, e.g. `link:address:…`) in one window."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("uq_rate_limit_hit_key_window", "key", "window_start", unique=True),)

    key: Mapped[str] = mapped_column(String(400))
    window_start: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    hits: Mapped[int] = mapped_column(Integer(), default=0)


class AuditKind(enum.StrEnum):
    """What an audit entry records."""

    SIGN_IN = "sign-in"
    SIGN_IN_FAILED = "sign-in-failed"
    SIGN_OUT = "sign-out"
    SIGN_OUT_EVERYWHERE = "sign-out-all"
    LINK_SENT = "link-sent"


class AuditEntry(Base):
    """One thing worth knowing afterwards: who signed in, when, how and from where."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_created_at", "created_at"),)

    kind: Mapped[AuditKind] = mapped_column(enum_column(AuditKind, 24))
    employee_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("employee.id", ondelete="SET NULL"), index=True
    )
    method: Mapped[str] = mapped_column(String(16), default="")
    """`oidc`, `link`, `demo` or `token`."""
    client_address: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[str] = mapped_column(String(500), default="")
    """For a failure, why (no raw secrets); for others, the e-mail address as given."""
