"""API tokens: opaque bearer tokens, stored only as hashes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from zones.models.base import Base


class ApiToken(Base):
    """A bearer token for one employee; the secret itself is never stored."""

    __tablename__ = "api_token"

    employee_id: Mapped[UUID] = mapped_column(ForeignKey("employee.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the token, hex: tokens are 256-bit random, so no salt or slow hash is needed."""
    prefix: Mapped[str] = mapped_column(String(16))
    """The first characters, shown in listings so people can tell tokens apart."""
    expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    """When the token was last used, to the minute; recorded off the request path."""
