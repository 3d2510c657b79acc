"""The audit trail of signing in: listing what `zones.auth.signing_in.audit` recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from zones.db import Database
from zones.models import AuditEntry, AuditKind, Employee


@dataclass(frozen=True)
class AuditLine:
    """One audit entry as listed."""

    at: datetime
    kind: AuditKind
    email: str
    method: str
    client_address: str
    detail: str


async def list_audit(
    database: Database, *, limit: int, email: str | None = None, kind: AuditKind | None = None
) -> list[AuditLine]:
    """Audit entries, newest first, optionally of one person (by e-mail, any case) or one kind."""
    query = (
        select(
            AuditEntry.created_at,
            AuditEntry.kind,
            Employee.email,
            AuditEntry.method,
            AuditEntry.client_address,
            AuditEntry.detail,
        )
        .outerjoin(Employee, Employee.id == AuditEntry.employee_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    if email:
        query = query.where(func.lower(Employee.email) == email.strip().lower())
    if kind is not None:
        query = query.where(AuditEntry.kind == kind)
    async with database.read_session() as session:
        rows = (await session.execute(query)).all()
    return [
        AuditLine(at, kind_, address or "", method, client, detail)
        for at, kind_, address, method, client, detail in rows
    ]
