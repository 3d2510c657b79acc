"""The floor plan's drawing over HTTP: a desk taken by a teammate who shares their presence is drawn
as theirs and named (someone who opted out stays plain "taken"), accessible desks say so, the
workshop rooms are links inside their zone that say their seats and the day's bookings (in the list
too), and each zone's utilisation bar is as full as the share of its desks taken."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID, uuid4

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from booking_support import World, as_, weekday
from page_support import Pages, text_of
from zones.bookings import presence
from zones.bookings.context import BookingContext
from zones.bookings.desks import DeskBookings
from zones.bookings.floorplan import PlanRoom
from zones.bookings.plan_pages import DESK_CLEARANCE, room_tiles
from zones.bookings.rooms import RoomBookings
from zones.models import Desk, Employee, Floor, Period, Zone, team_membership

TUESDAY = weekday(1)
WEDNESDAY = weekday(2)


def links(html: str, kind: str) -> dict[str, dict[str, str]]:
    """Each desk (or room) link of the drawing by its code: its attributes and its inner markup."""
    found = {}
    for match in re.finditer(rf'<a [^>]*class="{kind}[ "][^>]*>(.*?)</a>', html, re.S):
        tag = match.group(0)[: match.group(0).index(">") + 1]
        attributes = {k: unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}
        attributes["inner"] = match.group(1)
        found[attributes["data-code"]] = attributes
    return found


async def book(world: World, who: str, code: str, day: date = TUESDAY) -> None:
    await as_(world, who, lambda ctx: DeskBookings(ctx).book(world.desk(code), day, Period.FULL))


async def name_of(world: World, who: str) -> str:
    async with world.db.read_session() as session:
        return (await session.get_one(Employee, world.people[who].employee_id)).name


async def opt_out(world: World, who: str) -> None:
    async with world.db.write_session() as session:
        await presence.share_presence(session, world.people[who], False)


async def share_a_team(world: World, one: str, other: str) -> bool:
    async with world.db.read_session() as session:
        teams = [
            set(
                await session.scalars(
                    select(team_membership.c.team_id).where(
                        team_membership.c.employee_id == world.people[who].employee_id
                    )
                )
            )
            for who in (one, other)
        ]
    return bool(teams[0] & teams[1])


async def floor_id(world: World, level: int) -> UUID:
    async with world.db.read_session() as session:
        return (await session.scalars(select(Floor.id).where(Floor.level == level))).one()


async def test_a_desk_taken_by_a_teammate_names_them_and_is_drawn_as_theirs(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "C1-04")  # ann's teammate
    assert await share_a_team(world, "ann", "bob")
    outsider = ""
    for who in world.people:
        if who not in ("ann", "bob") and not (
            await share_a_team(world, "ann", who) or await share_a_team(world, "bob", who)
        ):
            outsider = who
            break
    assert outsider, "someone in none of ann's and bob's teams"
    await book(world, outsider, "C1-05")
    bob = await name_of(world, "bob")
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat())
    assert page.status_code == 200, page.text
    desks = links(page.text, "desk")
    assert desks["C1-04"]["aria-label"] == f"Desk C1-04, Collaboration zone, taken by your teammate {bob}"
    assert desks["C1-04"]["class"] == "desk desk-teammate"
    assert desks["C1-04"]["aria-disabled"] == "true"
    initials = bob.split()[0][0] + bob.split()[-1][0]
    assert re.search(
        rf'<path class="desk-shape" d="M [^"]+ z"[^>]*/>\s*<text [^>]*>{initials}</text>',
        desks["C1-04"]["inner"],
    )
    assert desks["C1-05"]["aria-label"] == "Desk C1-05, Collaboration zone, taken"
    assert desks["C1-05"]["class"] == "desk desk-taken"
    assert "Taken by a teammate: diamond with their initials" in text_of(page.text)
    listed = await pages.get("ann", "/plan/list", day=TUESDAY.isoformat())
    row = re.search(
        r'<tr class="desk-row desk-row-teammate">\s*<th scope="row">C1-04</th>.*?</tr>', listed.text, re.S
    )
    assert row is not None and f"Taken by your teammate {bob}" in text_of(row.group(0))
    # Someone of none of bob's teams sees his desk as taken, without his name.
    seen_by_other = await pages.get(outsider, "/plan", day=TUESDAY.isoformat())
    assert links(seen_by_other.text, "desk")["C1-04"]["aria-label"] == "Desk C1-04, Collaboration zone, taken"
    assert bob not in seen_by_other.text


async def test_a_teammate_who_opted_out_of_presence_shows_as_plain_taken(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "C1-04")
    await opt_out(world, "bob")
    bob = await name_of(world, "bob")
    for path in ("/plan", "/plan/list"):
        page = await pages.get("ann", path, day=TUESDAY.isoformat())
        assert bob not in page.text, path
        assert "desk-teammate" not in page.text and "desk-row-teammate" not in page.text, path
    desks = links((await pages.get("ann", "/plan", day=TUESDAY.isoformat())).text, "desk")
    assert desks["C1-04"]["aria-label"] == "Desk C1-04, Collaboration zone, taken"
    assert desks["C1-04"]["class"] == "desk desk-taken"
    # Bob still sees his own booking as his.
    own = links((await pages.get("bob", "/plan", day=TUESDAY.isoformat())).text, "desk")
    assert own["C1-04"]["aria-label"] == "Desk C1-04, Collaboration zone, your booking"


async def test_accessible_desks_say_so_and_carry_a_ring(pages: Pages) -> None:
    world = pages.world
    async with world.db.read_session() as session:
        rows = await session.execute(
            select(Desk.code, Desk.attributes)
            .join(Zone, Zone.id == Desk.zone_id)
            .join(Floor, Floor.id == Zone.floor_id)
            .where(Floor.level == 1)
        )
        accessible = {code for code, attributes in rows.tuples() if "accessible" in attributes}
    assert accessible  # the demo has some on the first floor
    await book(world, "eve", "Q1-16")
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat())
    desks = links(page.text, "desk")
    for code, desk in desks.items():
        ring = 'class="desk-accessible-ring"' in desk["inner"]
        assert ring == (code in accessible), code
        assert (", accessible desk, " in desk["aria-label"]) == (code in accessible), code
    assert desks["Q1-16"]["aria-label"] == "Desk Q1-16, Quiet zone, accessible desk, taken"
    assert desks["C1-18"]["aria-label"] == "Desk C1-18, Collaboration zone, accessible desk, free"
    assert "Accessible desk: an extra black ring around it" in text_of(page.text)


async def test_rooms_are_links_in_their_zone_with_seats_and_the_days_bookings(pages: Pages) -> None:
    world = pages.world
    havnen, amager = world.rooms["W-HAVNEN"], world.rooms["W-AMAGER"]

    def at(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour))  # the site's local time

    def workshop(starts: datetime) -> Callable[[BookingContext], Any]:
        return lambda ctx: RoomBookings(ctx).book(
            havnen.id, "Workshop", starts, starts + timedelta(hours=1), []
        )

    for day, hour in ((TUESDAY, 9), (TUESDAY, 13), (WEDNESDAY, 9)):
        await as_(world, "ann", workshop(at(day, hour)))
    cancelled = await as_(
        world,
        "bob",
        lambda ctx: RoomBookings(ctx).book(amager.id, "Retro", at(TUESDAY, 10), at(TUESDAY, 11), []),
    )
    await as_(world, "bob", lambda ctx: RoomBookings(ctx).cancel(cancelled.id))
    floor = await floor_id(world, 2)
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat(), floor=str(floor))
    assert page.status_code == 200, page.text
    rooms = links(page.text, "room")
    assert sorted(rooms) == ["W-AMAGER", "W-HAVNEN", "W-VESTERBRO"]
    assert (
        rooms["W-HAVNEN"]["aria-label"] == "Room Havnen, facilitation zone, seats 14, booked 2 times that day"
    )
    assert rooms["W-VESTERBRO"]["aria-label"] == "Room Vesterbro, facilitation zone, seats 10, free all day"
    assert rooms["W-AMAGER"]["aria-label"] == "Room Amager, facilitation zone, seats 6, free all day"
    for code, room in rooms.items():
        link = urlsplit(room["href"])
        assert link.path == "/workshop-rooms"
        assert parse_qs(link.query) == {"day": [TUESDAY.isoformat()], "room": [str(world.rooms[code].id)]}
        assert room["role"] == "link" and "aria-disabled" not in room
        assert world.rooms[code].name in text_of(room["inner"])
    assert "14 seats" in text_of(rooms["W-HAVNEN"]["inner"]) and "2 bookings" in text_of(
        rooms["W-HAVNEN"]["inner"]
    )
    assert "Free all day" in text_of(rooms["W-AMAGER"]["inner"])
    # The tiles lie inside the facilitation zone's outline, clear of its label.
    group = re.search(
        r'<g role="group"[^>]*class="zone zone-facilitation">(.*?)</g>\s*(?:<g role|</svg>)', page.text, re.S
    )
    assert group is not None
    outline = re.search(r'<rect [^>]*class="zone-area"/>', group.group(1), re.S)
    assert outline is not None
    area = dict(re.findall(r'\s(x|y|width|height)="([\d.]+)"', outline.group(0)))
    x, y, w, h = (float(area[k]) for k in ("x", "y", "width", "height"))
    for tile in re.findall(r'<rect class="room-tile"[^>]*>', group.group(1)):
        t = {k: float(v) for k, v in re.findall(r' (x|y|width|height)="([\d.]+)"', tile)}
        assert x < t["x"] and t["x"] + t["width"] < x + w and y < t["y"] and t["y"] + t["height"] < y + h
    # Another day has its own count.
    wednesday = await pages.get("ann", "/plan", day=WEDNESDAY.isoformat(), floor=str(floor))
    assert links(wednesday.text, "room")["W-HAVNEN"]["aria-label"].endswith("seats 14, booked once that day")
    # The list shows the same rooms in a table.
    listed = await pages.get("ann", "/plan/list", day=TUESDAY.isoformat(), floor=str(floor))
    rows = {
        m.group(1): text_of(m.group(0))
        for m in re.finditer(
            r'<tr class="room-row">\s*<th scope="row">([^<]+)</th>.*?</tr>', listed.text, re.S
        )
    }
    assert rows == {
        "Amager": "Amager 6 Free all day See the day of room Amager",
        "Havnen": "Havnen 14 Booked 2 times that day See the day of room Havnen",
        "Vesterbro": "Vesterbro 10 Free all day See the day of room Vesterbro",
    }
    assert f'href="/workshop-rooms?day={TUESDAY.isoformat()}&amp;room={havnen.id}"' in listed.text


async def test_a_floor_without_rooms_draws_none(pages: Pages) -> None:
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat())
    assert links(page.text, "room") == {}
    assert "Workshop room: a tile" not in text_of(page.text)
    quiet = await pages.get(
        "ann", "/plan", day=TUESDAY.isoformat(), floor=str(await floor_id(pages.world, 2)), activity="quiet"
    )
    assert links(quiet.text, "room") == {}


async def test_each_zones_utilisation_bar_is_as_full_as_the_share_of_desks_taken(pages: Pages) -> None:
    world = pages.world
    for who, code in (("ann", "Q1-01"), ("bob", "Q1-02"), ("eve", "Q1-03"), ("part_timer", "C1-01")):
        await book(world, who, code)
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat())
    groups = re.findall(
        r'<g role="group"[^>]*>(.*?)<rect x="[^"]*" y="[^"]*" width="[^"]*" height="[^"]*"\s+fill="url',
        page.text,
        re.S,
    )
    assert len(groups) == 3
    seen = {}
    for group in groups:
        used = re.search(r'class="zone-use"[^>]*>([^<]*)</text>', group)
        assert used is not None
        taken, total = map(int, re.search(r"(\d+) of (\d+) taken", used.group(1)).groups())  # type: ignore[union-attr]
        bar = re.search(r'<g class="use-bar" aria-hidden="true">(.*?)</g>', group, re.S)
        assert bar is not None
        track = float(re.search(r'class="use-bar-track"[^>]* width="([\d.]+)"', bar.group(1)).group(1))  # type: ignore[union-attr]
        fill = float(re.search(r'class="use-bar-fill"[^>]* width="([\d.]+)"', bar.group(1)).group(1))  # type: ignore[union-attr]
        assert track > 0
        assert abs(fill - track * taken / total) < 0.1
        seen[used.group(1).split(" · ")[0]] = (taken, total)
    assert seen["Quiet zone"] == (3, 16)
    # A zone without desks to book (the workshop rooms) has no bar.
    rooms_floor = await pages.get(
        "ann", "/plan", day=TUESDAY.isoformat(), floor=str(await floor_id(world, 2))
    )
    facilitation = re.search(r'class="zone zone-facilitation">(.*?)</g>', rooms_floor.text, re.S)
    assert facilitation is not None and "use-bar" not in facilitation.group(1)
    assert "Facilitation zone · no desks to book" in text_of(rooms_floor.text)


async def test_the_plan_reads_teammates_and_rooms_in_one_statement_more(pages: Pages) -> None:
    """The teammates' desks come with the person's own (one statement), the rooms with their
    bookings in one more: the floor with rooms costs one statement more than a floor without."""
    world = pages.world
    await book(world, "bob", "C1-04")
    floors = {level: await floor_id(world, level) for level in (1, 2)}
    counts = {}
    for level, floor in floors.items():
        await pages.get("ann", "/plan", day=TUESDAY.isoformat(), floor=str(floor))  # warm
        statements: list[str] = []

        def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
            statements.append(statement)  # noqa: B023

        event.listen(Engine, "before_cursor_execute", count)
        try:
            page = await pages.get("ann", "/plan", day=TUESDAY.isoformat(), floor=str(floor))
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        assert page.status_code == 200
        counts[level] = [
            s for s in statements if s.lstrip().upper().startswith("SELECT") or "UNION" in s.upper()
        ]
    rooms = [s for s in counts[2] if "room_booking" in s]
    assert len(rooms) == 1
    teammates = [s for s in counts[1] if "team_membership" in s]
    assert len(teammates) == 1 and "desk_slot" in teammates[0]
    assert len(counts[2]) == len(counts[1])  # rooms are read on every floor, in the same one statement


async def test_rooms_of_a_zone_without_an_outline_are_listed_beside_the_map(pages: Pages) -> None:
    world = pages.world
    async with world.db.write_session() as session:
        zone = await session.get_one(Zone, world.zones["2-facilitation"].id)
        zone.x_m = zone.y_m = zone.width_m = zone.depth_m = None
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat(), floor=str(await floor_id(world, 2)))
    assert page.status_code == 200, page.text
    assert links(page.text, "room") == {}
    legend = page.text.split('<aside class="plan-legend"', 1)[1]
    listed = re.findall(r'<li><a href="([^"]+)" class="room-link">([^<]+)</a>(.*?)</li>', legend, re.S)
    assert [(name, text_of(rest)) for _, name, rest in listed] == [
        ("Amager", "(Facilitation · workshop rooms, 6 seats, free all day)"),
        ("Havnen", "(Facilitation · workshop rooms, 14 seats, free all day)"),
        ("Vesterbro", "(Facilitation · workshop rooms, 10 seats, free all day)"),
    ]
    amager = world.rooms["W-AMAGER"].id
    assert unescape(listed[0][0]) == f"/workshop-rooms?day={TUESDAY.isoformat()}&room={amager}"


def test_room_tiles_keep_clear_of_the_desks_and_give_up_when_they_do_not_fit() -> None:
    rooms = tuple(PlanRoom(uuid4(), f"R{i}", f"Room {i}", 8, True, 0) for i in range(4))
    # Desks along the top of a 400 x 300 zone: the tiles go in the band below them.
    tiles = room_tiles(rooms, 0.0, 100.0, 400.0, 300.0, [130.0, 170.0])
    assert tiles is not None and len(tiles) == 4
    for tile in tiles:
        assert tile.y >= 170.0 + DESK_CLEARANCE and tile.y + tile.height <= 400.0
        assert tile.x > 0.0 and tile.x + tile.width < 400.0
    assert [t.room.code for t in sorted(tiles, key=lambda t: (t.y, t.x))] == ["R0", "R1", "R2", "R3"]
    # No room between desk rows, or a zone too narrow for one tile: listed beside the map instead.
    assert room_tiles(rooms, 0.0, 0.0, 400.0, 100.0, [20.0, 80.0]) is None
    assert room_tiles(rooms, 0.0, 0.0, 80.0, 300.0, []) is None
    assert room_tiles((), 0.0, 0.0, 80.0, 300.0, []) == []
