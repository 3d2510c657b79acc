"""A booking world for tests: the demo office, people of each role, tokens and a movable clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select

from helpers import load_demo
from zones.auth import Principal
from zones.auth.sessions import DatabaseSessions
from zones.auth.tokens import issue_token
from zones.bookings.context import BookingContext
from zones.calendar.events import CalendarConfig
from zones.db import Database
from zones.models import Desk, Employee, Role, Room, Site, Team, Zone, team_membership
from zones.settings import SignInSettings

# Monday 30 November 2026, 08:00 in Copenhagen.
MONDAY = date(2026, 11, 30)
START = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


class Clock:
    """A clock tests can move."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set_local(self, day: date, hour: int, minute: int = 0) -> None:
        """Set the time to a Copenhagen wall-clock time."""
        from zoneinfo import ZoneInfo

        self.now = datetime(
            day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Europe/Copenhagen")
        ).astimezone(UTC)


@dataclass
class World:
    """The demo office loaded, with named people and their tokens."""

    db: Database
    clock: Clock
    site: Site
    people: dict[str, Principal] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    desks: dict[str, Desk] = field(default_factory=dict)
    zones: dict[str, Zone] = field(default_factory=dict)
    rooms: dict[str, Room] = field(default_factory=dict)
    calendar: CalendarConfig = field(default_factory=CalendarConfig)
    """Organizer and links of the invites the world's bookings write (Zones' defaults)."""
    sessions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Each person's web session id and its CSRF token (after `start_sessions`)."""
    credential: str = "token"
    """What `headers` sends: an API token, or (`session`) a session cookie with its CSRF token."""

    def context(self, session: Any, who: str) -> BookingContext:
        return BookingContext(session, self.people[who], clock=self.clock, calendar=self.calendar)

    def desk(self, code: str) -> UUID:
        return self.desks[code].id

    def headers(self, who: str, credential: str | None = None) -> dict[str, str]:
        if (credential or self.credential) == "session":
            session_id, csrf = self.sessions[who]
            return {"Cookie": f"zones_session={session_id}", "X-CSRF-Token": csrf}
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def start_sessions(self, settings: SignInSettings | None = None) -> None:
        """Sign everyone in with a web session (as the sign-in pages do), in the database."""
        async with self.db.write_session() as session:
            store = DatabaseSessions(settings or SignInSettings())
            for name, person in self.people.items():
                started = await store.start(session, person.employee_id, "demo", self.clock())
                self.sessions[name] = (started.session_id, started.credential.csrf_token)


async def build_world(db: Database) -> World:
    """Load the demo and pick: two teammates (ann, bob), an outsider (eve), a part-timer, a person who
    needs an accessible desk, a planner and an admin."""
    await load_demo(db)
    async with db.write_session() as session:
        site = (await session.scalars(select(Site))).one()
        desks = {d.code: d for d in await session.scalars(select(Desk))}
        zones = {z.key: z for z in await session.scalars(select(Zone))}
        rooms = {r.code: r for r in await session.scalars(select(Room))}
        team = (await session.scalars(select(Team).where(Team.name == "Libraries"))).one()
        members = list(
            await session.scalars(
                select(Employee)
                .join(team_membership)
                .where(team_membership.c.team_id == team.id)
                .where(Employee.role == Role.EMPLOYEE, Employee.contracted_share == 1.0)
                .order_by(Employee.email)
            )
        )
        members = [m for m in members if not m.needs]
        outsiders = list(
            await session.scalars(
                select(Employee)
                .where(Employee.role == Role.EMPLOYEE, Employee.contracted_share == 1.0)
                .where(
                    Employee.id.not_in(
                        select(team_membership.c.employee_id).where(team_membership.c.team_id == team.id)
                    )
                )
                .order_by(Employee.email)
            )
        )
        everyone = list(await session.scalars(select(Employee).order_by(Employee.email)))
        part_timer = next(e for e in everyone if e.contracted_share == 0.8 and e.role == Role.EMPLOYEE)
        needs_access = next(e for e in everyone if "accessible" in e.needs)
        planner = next(e for e in everyone if e.role == Role.PLANNER)
        admin = next(e for e in everyone if e.role == Role.ADMIN)
        chosen = {
            "ann": members[0],
            "bob": members[1],
            "eve": next(e for e in outsiders if e.needs == []),
            "part_timer": part_timer,
            "needs_access": needs_access,
            "planner": planner,
            "admin": admin,
        }
        world = World(db=db, clock=Clock(), site=site, desks=desks, zones=zones, rooms=rooms)
        for name, employee in chosen.items():
            world.people[name] = Principal.of(employee)
            world.tokens[name], _ = await issue_token(session, employee.email, "tests")
    return world


def weekday(offset_days: int) -> date:
    """A day relative to the test Monday."""
    return MONDAY + timedelta(days=offset_days)


async def as_(world: World, who: str, action: Callable[[BookingContext], Any]) -> Any:
    """Run one booking action in its own committed write transaction, as `who`."""
    async with world.db.write_session() as session:
        return await action(world.context(session, who))
