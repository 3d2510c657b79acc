"""The office model: sites, floors, zones, desks, rooms, people, teams and policies.

One model per module, all re-exported here so `from zones.models import Desk` works and
Alembic sees every table through `Base.metadata`.
"""

from advanced_alchemy.base import orm_registry

from zones.models.absence import Absence
from zones.models.api_token import ApiToken
from zones.models.base import Base
from zones.models.booking import (
    ACTIVE_STATUSES,
    Booking,
    BookingSeries,
    BookingStatus,
    DeskSlot,
    Half,
    Period,
    RoomAttendee,
    RoomBooking,
    RoomBookingStatus,
)
from zones.models.closure import Closure
from zones.models.desk import Desk
from zones.models.employee import Employee, Role
from zones.models.floor import Floor
from zones.models.job import JobStatus, QueuedJob
from zones.models.neighbourhood import Neighbourhood
from zones.models.office_version import OFFICE_VERSION, OfficeVersion, office_version_now
from zones.models.outbox import CalendarFeed, OutboxMessage, OutboxStatus
from zones.models.plan import ACTIVE_PLAN_STATUSES, Plan, PlanSeat, PlanStatus
from zones.models.policy import Policy, PolicyThreshold, ThresholdDirection
from zones.models.room import Room
from zones.models.sign_in import AuditEntry, AuditKind, RateLimitHit, SignInLink, SsoAttempt, WebSession
from zones.models.site import Site
from zones.models.team import Team, TeamKind, team_membership
from zones.models.zone import Activity, Zone

metadata = orm_registry.metadata

__all__ = (
    "ACTIVE_PLAN_STATUSES",
    "ACTIVE_STATUSES",
    "OFFICE_VERSION",
    "Absence",
    "Activity",
    "ApiToken",
    "AuditEntry",
    "AuditKind",
    "Base",
    "Booking",
    "BookingSeries",
    "BookingStatus",
    "CalendarFeed",
    "Closure",
    "Desk",
    "DeskSlot",
    "Employee",
    "Floor",
    "Half",
    "JobStatus",
    "Neighbourhood",
    "OfficeVersion",
    "OutboxMessage",
    "OutboxStatus",
    "Period",
    "Plan",
    "PlanSeat",
    "PlanStatus",
    "Policy",
    "PolicyThreshold",
    "QueuedJob",
    "RateLimitHit",
    "Role",
    "Room",
    "RoomAttendee",
    "RoomBooking",
    "RoomBookingStatus",
    "SignInLink",
    "Site",
    "SsoAttempt",
    "Team",
    "TeamKind",
    "ThresholdDirection",
    "WebSession",
    "Zone",
    "metadata",
    "office_version_now",
    "team_membership",
)
