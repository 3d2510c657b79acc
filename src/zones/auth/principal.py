"""The authenticated caller, whatever the credential (an API token, or a web session after signing in)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from zones.models import Employee, Role


@dataclass(frozen=True)
class Principal:
    """An authenticated employee and what their role lets them do."""

    employee_id: UUID
    email: str
    name: str
    role: Role
    locale: str | None = None
    """The language the person chose for the web pages, if any."""

    @classmethod
    def of(cls, employee: Employee) -> Principal:
        return cls(employee.id, employee.email, employee.name, employee.role, employee.locale)

    @property
    def is_planner(self) -> bool:
        """Planners and admins manage the office and act on behalf of others."""
        return self.role in (Role.PLANNER, Role.ADMIN)

    def may_act_for(self, employee_id: UUID) -> bool:
        """Whether this caller may manage `employee_id`'s bookings."""
        return employee_id == self.employee_id or self.is_planner
