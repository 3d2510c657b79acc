"""The floor plan of a day: a floor's zones with their outlines, every desk with its state for the
person looking (free, taken, their booking, a teammate's, not bookable), the workshop rooms with
their bookings that day, and the counts the page summarises.

Free and taken come from `presence.availability` (the same answer the API gives); this module
only adds what a drawing needs: the floor's size, zone outlines, the desks nobody can book, which
taken desks are the person's teammates' (as who's-in shows them) and the rooms.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from zones.bookings import presence
from zones.bookings.times import local_today, site_zone
from zones.errors import NotFound
from zones.models import (
    Activity,
    Desk,
    DeskSlot,
    Employee,
    Floor,
    Period,
    Room,
    RoomBooking,
    RoomBookingStatus,
    Site,
    Zone,
)
from zones.office.layout import LayoutCache

DeskState = Literal["free", "taken", "mine", "not-bookable"]
"""What booking the desk would meet."""
ShownState = Literal["free", "taken", "mine", "teammate", "not-bookable"]
"""What the plan shows: a desk's state, with "teammate" for a desk taken by someone of the person's
teams who shares their presence."""


@dataclass(frozen=True)
class PlanDesk:
    """A desk as the plan shows it."""

    id: UUID
    code: str
    attributes: tuple[str, ...]
    x_m: float | None
    y_m: float | None
    state: DeskState
    teammate: str | None = None
    """The name of the teammate who has the desk, when they share their presence (else None)."""

    @property
    def bookable_now(self) -> bool:
        """Whether the plan offers to book it."""
        return self.state == "free"

    @property
    def shown_state(self) -> ShownState:
        """The state the plan draws and names (booking still sees a teammate's desk as taken)."""
        return "teammate" if self.state == "taken" and self.teammate else self.state

    @property
    def accessible(self) -> bool:
        return "accessible" in self.attributes

    @property
    def teammate_initials(self) -> str:
        """The teammate's initials as the plan draws them: first and last name (e.g. "BB")."""
        names = (self.teammate or "").split()
        return "".join(n[0] for n in (names[:1] + names[1:][-1:])).upper()


@dataclass(frozen=True)
class PlanRoom:
    """A workshop room of a zone, with how many bookings it has on the plan's day."""

    id: UUID
    code: str
    name: str
    capacity: int
    bookable: bool
    bookings: int


@dataclass(frozen=True)
class PlanZone:
    """A zone of the floor with its outline (metres from the floor's origin) and its desks."""

    id: UUID
    name: str
    activity: Activity
    x_m: float | None
    y_m: float | None
    width_m: float | None
    depth_m: float | None
    desks: tuple[PlanDesk, ...]
    bookable: int
    taken: int
    rooms: tuple[PlanRoom, ...] = ()

    @property
    def free(self) -> int:
        return self.bookable - self.taken

    @property
    def utilisation(self) -> float:
        """The share of the bookable desks taken (0 when there are none)."""
        return self.taken / self.bookable if self.bookable else 0.0

    @property
    def drawn(self) -> bool:
        """Whether the office file gave the zone an outline."""
        return None not in (self.x_m, self.y_m, self.width_m, self.depth_m)


@dataclass(frozen=True)
class PlanFloor:
    id: UUID
    name: str
    level: int


@dataclass
class FloorPlan:
    """One floor of the person's site on a day and period, with every zone (or those of one activity)."""

    site_id: UUID
    site_name: str
    floors: list[PlanFloor]
    floor: PlanFloor
    width_m: float
    depth_m: float
    day: date
    period: Period
    activity: Activity | None
    zones: list[PlanZone] = field(default_factory=list)
    free_by_activity: dict[Activity, int] = field(default_factory=dict)
    """Free desks of the whole floor per activity (whatever the filter), for activities with desks."""

    @property
    def bookable(self) -> int:
        return sum(zone.bookable for zone in self.zones)

    @property
    def free(self) -> int:
        return sum(zone.free for zone in self.zones)

    def desk(self, code: str) -> PlanDesk | None:
        return next((d for zone in self.zones for d in zone.desks if d.code == code), None)


async def home_site(session: AsyncSession, employee_id: UUID) -> Site:
    """The person's home site, else the first site by name."""
    site = await session.scalar(
        select(Site).join(Employee, Employee.home_site_id == Site.id).where(Employee.id == employee_id)
    )
    site = site or await session.scalar(select(Site).order_by(Site.name).limit(1))
    if site is None:
        raise NotFound("There is no office yet", message_id="plan.no-site")
    return site


def next_working_day(site: Site, now: datetime) -> date:
    """The first of the site's working days after today (local time)."""
    day = local_today(site, now) + timedelta(days=1)
    for _ in range(7):
        if day.isoweekday() in site.working_days:
            return day
        day += timedelta(days=1)
    return day


async def floor_plan(
    session: AsyncSession,
    layouts: LayoutCache,
    site: Site,
    employee_id: UUID,
    day: date,
    period: Period,
    floor_id: UUID | None = None,
    activity: Activity | None = None,
) -> FloorPlan:
    """The plan of one floor of `site` (its lowest, unless `floor_id` names another)."""
    floors = [
        PlanFloor(f.id, f.name, f.level)
        for f in await session.scalars(select(Floor).where(Floor.site_id == site.id).order_by(Floor.level))
    ]
    if not floors:
        raise NotFound("The office has no floors yet", message_id="plan.no-floor")
    floor = next((f for f in floors if f.id == floor_id), floors[0])
    size = (await session.execute(select(Floor.width_m, Floor.depth_m).where(Floor.id == floor.id))).one()
    zones = sorted(
        await session.scalars(select(Zone).where(Zone.floor_id == floor.id)),
        key=lambda z: (z.y_m is None, z.y_m or 0.0, z.x_m or 0.0, z.key),
    )  # reading order: left to right, top to bottom
    desks: dict[UUID, list[Desk]] = {zone.id: [] for zone in zones}
    for desk in await session.scalars(select(Desk).where(Desk.zone_id.in_(desks.keys())).order_by(Desk.code)):
        desks[desk.zone_id].append(desk)
    free = await presence.availability(session, layouts, site.id, day, period, floor_id=floor.id)
    free_desks = {d.desk_id for z in free.zones for d in z.desks if d.free}
    taken = {z.zone_id: z.taken_desks for z in free.zones}
    mine, teammates = await _desks_of_me_and_teammates(session, employee_id, day, period)
    rooms = await _rooms(session, site, list(desks), day)
    plan = FloorPlan(
        site_id=site.id,
        site_name=site.name,
        floors=floors,
        floor=floor,
        width_m=size.width_m or _extent(zones, "x"),
        depth_m=size.depth_m or _extent(zones, "y"),
        day=day,
        period=period,
        activity=activity,
    )
    for zone in zones:
        placed = tuple(
            PlanDesk(
                d.id,
                d.code,
                tuple(d.attributes),
                d.x_m,
                d.y_m,
                _state(d, free_desks, mine),
                teammates.get(d.id) if d.id not in free_desks else None,
            )
            for d in desks[zone.id]
        )
        bookable = sum(1 for d in desks[zone.id] if d.bookable)
        if bookable:
            plan.free_by_activity[zone.activity] = plan.free_by_activity.get(zone.activity, 0) + (
                bookable - taken.get(zone.id, 0)
            )
        if activity is not None and zone.activity is not activity:
            continue
        plan.zones.append(
            PlanZone(
                zone.id,
                zone.name,
                zone.activity,
                zone.x_m,
                zone.y_m,
                zone.width_m,
                zone.depth_m,
                placed,
                bookable,
                taken.get(zone.id, 0),
                tuple(rooms.get(zone.id, ())),
            )
        )
    order = list(Activity)
    plan.free_by_activity = dict(sorted(plan.free_by_activity.items(), key=lambda item: order.index(item[0])))
    return plan


async def _desks_of_me_and_teammates(
    session: AsyncSession, employee_id: UUID, day: date, period: Period
) -> tuple[set[UUID], dict[UUID, str]]:
    """The desks the person holds in the period, and those their teammates hold who show their
    presence (desk -> name): one statement, the who's-in teams and opt-out rule."""
    rows = await session.execute(
        select(DeskSlot.desk_id, Employee)
        .join(Employee, Employee.id == DeskSlot.employee_id)
        .where(
            DeskSlot.day == day,
            DeskSlot.half.in_(period.halves),
            or_(
                DeskSlot.employee_id == employee_id,
                DeskSlot.employee_id.in_(presence.teammates(employee_id, day)),
            ),
        )
    )
    mine: set[UUID] = set()
    teammates: dict[UUID, str] = {}
    for desk_id, person in rows:
        if person.id == employee_id:
            mine.add(desk_id)
        elif presence.shows_presence(person, employee_id):
            teammates[desk_id] = person.name
    return mine, teammates


async def _rooms(
    session: AsyncSession, site: Site, zone_ids: list[UUID], day: date
) -> dict[UUID, list[PlanRoom]]:
    """The rooms of the zones (by zone, by code), each with its bookings that touch `day` (local)."""
    if not zone_ids:
        return {}
    zone = site_zone(site)
    starts = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    ends = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    bookings = (
        select(func.count(RoomBooking.id))
        .where(
            RoomBooking.room_id == Room.id,
            RoomBooking.status == RoomBookingStatus.BOOKED,
            RoomBooking.starts_at < ends,
            RoomBooking.ends_at > starts,
        )
        .correlate(Room)
        .scalar_subquery()
    )
    rooms: dict[UUID, list[PlanRoom]] = {}
    for room, count in await session.execute(
        select(Room, bookings).where(Room.zone_id.in_(zone_ids)).order_by(Room.code)
    ):
        rooms.setdefault(room.zone_id, []).append(
            PlanRoom(room.id, room.code, room.name, room.capacity, room.bookable, int(count or 0))
        )
    return rooms


def _state(desk: Desk, free: set[UUID], mine: set[UUID]) -> DeskState:
    if desk.id in mine:
        return "mine"
    if not desk.bookable:
        return "not-bookable"
    return "free" if desk.id in free else "taken"


def _extent(zones: list[Zone], axis: str) -> float:
    """The floor's size when the office file gave none: the farthest zone edge (or 10 m)."""
    ends = [
        (z.x_m + z.width_m) if axis == "x" else (z.y_m + z.depth_m)  # type: ignore[operator]
        for z in zones
        if None not in (z.x_m, z.y_m, z.width_m, z.depth_m)
    ]
    return max(ends, default=10.0)


async def desk_place(session: AsyncSession, desk_id: UUID) -> tuple[Desk, Zone, Floor] | None:
    """A desk with its zone and floor (for the confirmation page)."""
    row = (
        await session.execute(
            select(Desk, Zone, Floor)
            .join(Zone, Zone.id == Desk.zone_id)
            .join(Floor, Floor.id == Zone.floor_id)
            .where(Desk.id == desk_id)
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


__all__ = (
    "DeskState",
    "FloorPlan",
    "PlanDesk",
    "PlanRoom",
    "PlanZone",
    "ShownState",
    "desk_place",
    "floor_plan",
    "home_site",
)
