"""Load an office file into the database: create what is new, update what changed, remove the rest.

Loading is idempotent: the file is the truth for its site, matched by natural keys (site key, floor
level, zone key, desk and room code, neighbourhood key, team name), so re-running never duplicates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from zones.clock import Clock, utc_now
from zones.db.rows import assign_changed
from zones.errors import Conflict
from zones.models import (
    ACTIVE_STATUSES,
    Booking,
    Desk,
    Floor,
    Neighbourhood,
    Policy,
    PolicyThreshold,
    Room,
    RoomBooking,
    RoomBookingStatus,
    Site,
    Team,
    Zone,
)
from zones.office.policy import EffectivePolicy, effective_policy
from zones.office.spec import OfficeSpec, PolicySpec, ThresholdSpec


@dataclass
class LoadReport:
    """What loading an office file changed, per kind of thing."""

    site_key: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        """Whether the load wrote anything."""
        return bool(+self.created or +self.updated or +self.removed)

    @property
    def outcome(self) -> str:
        """What happened to the site: `created`, `updated` or `already up to date`."""
        if self.created["sites"]:
            return "created"
        return "updated" if self.changed else "already up to date"

    def lines(self) -> list[str]:
        """One line per kind: `desks: 95 (3 created, 1 updated, 0 removed)`."""
        kinds = ("floors", "neighbourhoods", "zones", "desks", "rooms", "teams", "policy", "thresholds")
        return [
            f"{kind}: {self.totals[kind]} ({self.created[kind]} created, {self.updated[kind]} updated,"
            f" {self.removed[kind]} removed)"
            for kind in kinds
        ]


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


class _Sync:
    """Matches existing rows to file entries by key and counts what changes."""

    def __init__(self, report: LoadReport, kind: str, existing: dict[Any, Any]) -> None:
        self.report, self.kind, self.existing, self.used = report, kind, existing, set[Any]()

    def upsert(self, key: Any, factory: type[Any], values: dict[str, Any]) -> Any:
        self.used.add(key)
        self.report.totals[self.kind] += 1
        row = self.existing.get(key)
        if row is None:
            row = factory(**values)
            self.existing[key] = row
            self.report.created[self.kind] += 1
        elif assign_changed(row, values):
            self.report.updated[self.kind] += 1
        return row

    def unused(self) -> list[Any]:
        gone = [row for key, row in self.existing.items() if key not in self.used]
        self.report.removed[self.kind] += len(gone)
        return gone


async def load_office(
    session: AsyncSession,
    office: OfficeSpec,
    defaults: PolicySpec,
    *,
    clock: Clock = utc_now,
) -> LoadReport:
    """Write `office` into the session's write transaction (which commits it or nothing).

    Raises `PlacesStillBooked` when the file drops a desk or room with bookings ahead of `clock`.
    """
    spec = office.site
    report = LoadReport(site_key=spec.key)
    site = await _existing_site(session, spec.key)
    site_values = {
        "name": spec.name,
        "timezone": spec.timezone,
        "country": spec.country,
        "working_days": sorted(day.iso for day in spec.working_days),
        "opens_at": _clock(spec.opens),
        "closes_at": _clock(spec.closes),
    }
    if site is None:
        site = Site(key=spec.key, floors=[], neighbourhoods=[], policy=None, **site_values)
        session.add(site)
        report.created["sites"] += 1
    elif assign_changed(site, site_values):
        report.updated["sites"] += 1

    neighbourhoods = _Sync(report, "neighbourhoods", {n.key: n for n in site.neighbourhoods})
    site.neighbourhoods = [
        neighbourhoods.upsert(n.key, Neighbourhood, {"key": n.key, "name": n.name})
        for n in office.neighbourhoods
    ]
    neighbourhoods.unused()
    await session.flush()  # neighbourhood ids are needed by zones and teams
    neighbourhood_ids = {n.key: n.id for n in site.neighbourhoods}

    floors = _Sync(report, "floors", {f.level: f for f in site.floors})
    old_zones = [zone for floor in site.floors for zone in floor.zones]
    zones = _Sync(report, "zones", {z.key: z for z in old_zones})
    desks = _Sync(report, "desks", {d.code: d for z in old_zones for d in z.desks})
    rooms = _Sync(report, "rooms", {r.code: r for z in old_zones for r in z.rooms})
    new_floors = []
    for floor_spec in office.floors:
        floor = floors.upsert(
            floor_spec.level,
            Floor,
            {
                "level": floor_spec.level,
                "name": floor_spec.name,
                "width_m": floor_spec.width_m,
                "depth_m": floor_spec.depth_m,
            },
        )
        new_zones = []
        for zone_spec in floor_spec.zones:
            outline = zone_spec.outline
            zone = zones.upsert(
                zone_spec.key,
                Zone,
                {
                    "key": zone_spec.key,
                    "name": zone_spec.name,
                    "activity": zone_spec.activity,
                    "area_m2": zone_spec.area_m2,
                    "ceiling_height_m": zone_spec.ceiling_height_m,
                    "occupancy_cap": zone_spec.occupancy_cap,
                    "neighbourhood_id": neighbourhood_ids.get(zone_spec.neighbourhood or ""),
                    "x_m": outline.x if outline else None,
                    "y_m": outline.y if outline else None,
                    "width_m": outline.width if outline else None,
                    "depth_m": outline.depth if outline else None,
                },
            )
            zone.desks = [
                desks.upsert(
                    d.code,
                    Desk,
                    {
                        "code": d.code,
                        "x_m": d.x,
                        "y_m": d.y,
                        "attributes": list(d.attributes),
                        "bookable": d.bookable,
                    },
                )
                for d in zone_spec.desks
            ]
            zone.rooms = [
                rooms.upsert(
                    r.code,
                    Room,
                    {
                        "code": r.code,
                        "name": r.name,
                        "capacity": r.capacity,
                        "attributes": list(r.attributes),
                        "bookable": r.bookable,
                    },
                )
                for r in zone_spec.rooms
            ]
            new_zones.append(zone)
        floor.zones = new_zones
        new_floors.append(floor)
    removed = {kind.kind: kind.unused() for kind in (desks, rooms, zones)}
    # Look at the stored bookings before the removals are flushed (and cascade to them).
    with session.no_autoflush:
        await _refuse_removing_booked_places(session, removed["desks"], removed["rooms"], clock())
    for rows in removed.values():
        for row in rows:
            await session.delete(row)
    site.floors = new_floors
    floors.unused()

    await _sync_teams(session, office, neighbourhood_ids, report)
    policy = effective_policy(defaults, office.policy, spec.country)
    await _sync_policy(session, site, policy, report)
    await session.flush()
    return report


async def _refuse_removing_booked_places(
    session: AsyncSession, desks: list[Desk], rooms: list[Room], now: datetime
) -> None:
    """Removing a desk or room would cascade to its bookings: refuse while any is still ahead."""
    today = now.date()
    problems = []
    if desks:
        rows = await session.execute(
            select(Desk.code, func.count())
            .join(Booking, Booking.desk_id == Desk.id)
            .where(
                Desk.id.in_([d.id for d in desks]), Booking.status.in_(ACTIVE_STATUSES), Booking.day >= today
            )
            .group_by(Desk.code)
            .order_by(Desk.code)
        )
        problems += [f"desk {code} has {n} upcoming booking(s)" for code, n in rows.all()]
    if rooms:
        rows = await session.execute(
            select(Room.code, func.count())
            .join(RoomBooking, RoomBooking.room_id == Room.id)
            .where(
                Room.id.in_([r.id for r in rooms]),
                RoomBooking.status == RoomBookingStatus.BOOKED,
                RoomBooking.ends_at >= now,
            )
            .group_by(Room.code)
            .order_by(Room.code)
        )
        problems += [f"room {code} has {n} upcoming booking(s)" for code, n in rows.all()]
    if problems:
        raise PlacesStillBooked(problems)


class PlacesStillBooked(Conflict):
    """An office file drops desks or rooms that still have bookings; nothing was changed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "places-still-booked",
            "Places still booked",
            "; ".join(problems)
            + ": cancel those bookings first, or keep the desk in the file with bookable = false",
            params={"problems": problems},
        )


async def _existing_site(session: AsyncSession, key: str) -> Site | None:
    statement = (
        select(Site)
        .where(Site.key == key)
        .options(
            selectinload(Site.floors).selectinload(Floor.zones).selectinload(Zone.desks),
            selectinload(Site.floors).selectinload(Floor.zones).selectinload(Zone.rooms),
            selectinload(Site.neighbourhoods),
            selectinload(Site.policy).selectinload(Policy.thresholds),
        )
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def _sync_teams(
    session: AsyncSession, office: OfficeSpec, neighbourhood_ids: dict[str, UUID], report: LoadReport
) -> None:
    """Teams named in the file are created or updated; other teams (from staff imports) stay."""
    if not office.teams:
        return
    names = [team.name.casefold() for team in office.teams]
    existing = await session.scalars(select(Team).where(func.lower(Team.name).in_(names)))
    teams = _Sync(report, "teams", {team.name.casefold(): team for team in existing})
    for spec in office.teams:
        team = teams.upsert(
            spec.name.casefold(),
            Team,
            {
                "name": spec.name,
                "kind": spec.kind,
                "ends_on": spec.ends_on,
                "neighbourhood_id": neighbourhood_ids.get(spec.neighbourhood or ""),
                "overlap_days": spec.overlap_days,
                "team_day": spec.team_day.iso if spec.team_day else None,
            },
        )
        session.add(team)


async def _sync_policy(
    session: AsyncSession, site: Site, policy: EffectivePolicy, report: LoadReport
) -> None:
    values = {
        "attendance_min_share": policy.attendance_min_share,
        "attendance_max_share": policy.attendance_max_share,
        "booking_horizon_days": policy.booking_horizon_days,
        "checkin_opens_minutes_before": policy.checkin_opens_minutes_before,
        "checkin_deadline_minutes_after": policy.checkin_deadline_minutes_after,
        "accessible_hold_days": policy.accessible_hold_days,
        "planning_weights": dict(policy.planning_weights),
    }
    report.totals["policy"] += 1
    if site.policy is None:
        site.policy = Policy(thresholds=[], **values)
        report.created["policy"] += 1
    elif assign_changed(site.policy, values):
        report.updated["policy"] += 1
    thresholds = _Sync(report, "thresholds", {t.metric: t for t in site.policy.thresholds})
    site.policy.thresholds = [
        thresholds.upsert(t.metric, PolicyThreshold, _threshold_values(t)) for t in policy.thresholds
    ]
    thresholds.unused()


def _threshold_values(threshold: ThresholdSpec) -> dict[str, Any]:
    return {
        "metric": threshold.metric,
        "direction": threshold.direction,
        "warning_at": threshold.warning,
        "breach_at": threshold.breach,
        "unit": threshold.unit,
        "source": threshold.source,
        "note": threshold.note,
        "counted_height_max_m": threshold.counted_height_max_m,
    }
