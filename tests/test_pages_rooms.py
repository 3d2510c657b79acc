"""The workshop room pages over HTTP: the rooms of a day with their busy hours in the site's time,
booking a room with attendees picked from staff through the room service (which queues the
invitations), the colleague search, refusals with their reason and one-click alternatives, and
cancelling, which only the organiser may do."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from booking_support import World, as_, weekday
from page_support import Pages, text_of
from zones.bookings.rooms import RoomBookings
from zones.models import Employee, OutboxMessage, RoomBooking, RoomBookingStatus

TUESDAY = weekday(1)
SATURDAY = weekday(5)
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Copenhagen wall-clock time, aware."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=COPENHAGEN)


def email(world: World, who: str) -> str:
    return world.people[who].email


async def book_room(
    world: World,
    who: str,
    code: str,
    start: datetime,
    end: datetime,
    attendees: list[str] | None = None,
    title: str = "Planning",
) -> RoomBooking:
    return await as_(  # type: ignore[no-any-return]
        world,
        who,
        lambda ctx: RoomBookings(ctx).book(world.rooms[code].id, title, start, end, attendees or []),
    )


async def room_bookings(world: World) -> list[RoomBooking]:
    async with world.db.read_session() as session:
        return list(
            await session.scalars(
                select(RoomBooking)
                .options(selectinload(RoomBooking.attendees))
                .order_by(RoomBooking.starts_at)
            )
        )


async def invitations(world: World, booking_id: UUID) -> list[OutboxMessage]:
    async with world.db.read_session() as session:
        return list(
            await session.scalars(select(OutboxMessage).where(OutboxMessage.room_booking_id == booking_id))
        )


def booking_fields(world: World, code: str, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "room": str(world.rooms[code].id),
        "day": TUESDAY.isoformat(),
        "start": "13:00",
        "end": "14:30",
        "title": "Service design workshop",
        "attendees": [],
    }
    fields.update(changes)
    return fields


def forms(html: str, action: str) -> list[dict[str, list[str]]]:
    """The fields of each form posting to `action` (hidden inputs and the submit button's value)."""
    found = []
    for body in re.findall(
        rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S
    ):
        fields: dict[str, list[str]] = {}
        for tag in re.findall(r"<(?:input|button)\b[^>]*>", body):
            attributes = {k: unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}
            if "name" in attributes and attributes.get("type") in ("hidden", "submit", None):
                fields.setdefault(attributes["name"], []).append(attributes.get("value", ""))
        found.append(fields)
    return found


def checkboxes(html: str) -> dict[str, bool]:
    """The attendee checkboxes of a page or fragment: address -> ticked."""
    boxes = {}
    for tag in re.findall(r'<input type="checkbox"[^>]*name="attendees"[^>]*>', html):
        value = unescape(re.search(r'value="([^"]*)"', tag).group(1))  # type: ignore[union-attr]
        boxes[value] = " checked" in tag
    return boxes


async def test_the_rooms_page_shows_each_room_with_its_busy_hours_in_the_site_time(pages: Pages) -> None:
    world = pages.world
    await book_room(world, "bob", "W-HAVNEN", at(TUESDAY, 9), at(TUESDAY, 11), title="Bob's secret")
    await book_room(world, "ann", "W-AMAGER", at(TUESDAY, 14), at(TUESDAY, 15, 30))
    page = await pages.get("ann", "/workshop-rooms", day=TUESDAY.isoformat())
    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "Rooms on Tuesday 1 December" in text
    for name, code, seats in (
        ("Havnen", "W-HAVNEN", 14),
        ("Vesterbro", "W-VESTERBRO", 10),
        ("Amager", "W-AMAGER", 6),
    ):
        assert f"{name} {code} Seats {seats}" in text
    assert "Projector, Whiteboard, Video conferencing" in text
    # Times are Copenhagen's (the bookings are stored in UTC, an hour earlier in December).
    assert "Booked 09:00–11:00" in text
    assert "Your booking 14:00–15:30: Planning" in text  # mine, with its title
    assert "secret" not in text  # someone else's title is not shown
    # The free whole hours link to the booking form; the busy ones do not.
    starts = {
        parse_qs(urlsplit(unescape(href)).query)["start"][0]
        for href in re.findall(r'<a class="slot" href="([^"]*)"', page.text)
        if str(world.rooms["W-HAVNEN"].id) in href
    }
    assert starts == {"08:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"}
    assert "Book Havnen from 11:00 to 12:00" in text
    # My room bookings lists mine for the next two weeks.
    mine = text.split("My room bookings", 1)[1]
    assert "Planning Tuesday 1 December, 14:00–15:30 · Amager You organise it." in mine


async def test_the_rooms_page_opens_on_today_and_steps_between_working_days(pages: Pages) -> None:
    page = await pages.get("ann", "/workshop-rooms")
    text = text_of(page.text)
    assert "Rooms on Monday 30 November" in text  # 08:00 on a working Monday
    assert 'href="/workshop-rooms?day=2026-12-01"' in page.text
    friday = await pages.get("ann", "/workshop-rooms", day=weekday(4).isoformat())
    assert 'href="/workshop-rooms?day=2026-12-07"' in friday.text  # over the weekend
    saturday = await pages.get("ann", "/workshop-rooms", day=SATURDAY.isoformat())
    assert "is not a working day at the office" in text_of(saturday.text)
    assert 'class="slot"' not in saturday.text
    far = await pages.get("ann", "/workshop-rooms", day=weekday(60).isoformat())
    assert "You can book rooms up to" in text_of(far.text) and 'class="slot"' not in far.text


async def test_a_room_chosen_on_the_floor_plan_comes_first_with_its_booking_form(pages: Pages) -> None:
    world = pages.world
    room = world.rooms["W-AMAGER"]
    page = await pages.get("ann", "/workshop-rooms", day=TUESDAY.isoformat(), room=str(room.id))
    cards = re.findall(r'<li class="room-card([^"]*)" id="room-([^"]*)"', page.text)
    assert cards[0] == (" room-chosen", str(room.id))
    assert all(css == "" for css, _ in cards[1:])
    assert f'href="/workshop-rooms/book?room={room.id}&amp;day={TUESDAY.isoformat()}"' in page.text
    assert f'name="room" value="{room.id}"' in page.text  # the day form keeps the choice


async def test_a_page_in_danish_writes_days_and_times_the_danish_way(pages: Pages) -> None:
    world = pages.world
    await book_room(world, "bob", "W-HAVNEN", at(TUESDAY, 9), at(TUESDAY, 11))
    page = await pages.get("ann", "/workshop-rooms", language="da", day=TUESDAY.isoformat())
    assert '<html lang="da">' in page.text
    text = text_of(page.text)
    assert format_date(TUESDAY, "EEEE d. MMMM", locale="da") == "tirsdag 1. december"
    assert "tirsdag 1. december" in text
    assert "09.00–11.00" in text  # "kl. 09.00", the "kl." in the sentence of the catalogue


async def test_booking_a_room_with_colleagues_invites_them(pages: Pages) -> None:
    world = pages.world
    fields = booking_fields(world, "W-HAVNEN", attendees=[email(world, "bob"), email(world, "eve")])
    answer = await pages.post("ann", "/workshop-rooms/book", fields)
    assert answer.status_code == 303, answer.text
    location = urlsplit(answer.headers["location"])
    query = parse_qs(location.query)
    assert (location.path, query["day"], query["done"]) == (
        "/workshop-rooms",
        [TUESDAY.isoformat()],
        ["booked"],
    )
    [booking] = await room_bookings(world)
    assert str(booking.id) == query["booking"][0]
    assert booking.room_id == world.rooms["W-HAVNEN"].id
    assert booking.title == "Service design workshop"
    assert booking.organiser_id == world.people["ann"].employee_id
    # 13:00–14:30 in Copenhagen is 12:00–13:30 UTC in December.
    assert (booking.starts_at, booking.ends_at) == (
        datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 13, 30, tzinfo=UTC),
    )
    assert {a.email for a in booking.attendees} == {email(world, who) for who in ("ann", "bob", "eve")}
    # The invitations go out as they do for the API: one per attendee in the outbox.
    sent = await invitations(world, booking.id)
    assert {m.recipient for m in sent} >= {email(world, "bob"), email(world, "eve")}
    assert {m.method for m in sent} == {"REQUEST"}

    after = await pages.get("ann", f"{location.path}?{location.query}")
    text = text_of(after.text)
    assert "Room booked Havnen, Tuesday 1 December, 13:00–14:30. The invitations are on their way" in text
    assert re.search(
        r'<div id="status" role="status" class="status status-shown"><p><strong>Room booked', after.text
    )
    assert "Service design workshop Tuesday 1 December, 13:00–14:30 · Havnen You organise it." in text
    bob = text_of((await pages.get("bob", "/workshop-rooms", day=TUESDAY.isoformat())).text)
    assert f"Organiser: {world.people['ann'].name}" in bob
    assert "Your booking 13:00–14:30: Service design workshop" in bob


async def test_the_form_offers_my_team_and_finds_active_colleagues_by_name_or_address(pages: Pages) -> None:
    world = pages.world
    room = str(world.rooms["W-HAVNEN"].id)
    form = await pages.get("ann", "/workshop-rooms/book", room=room, day=TUESDAY.isoformat())
    assert form.status_code == 200
    boxes = checkboxes(form.text)
    assert boxes.get(email(world, "bob")) is False  # a teammate, listed before any search
    assert email(world, "eve") not in boxes and email(world, "ann") not in boxes
    # The first free hour is offered; the times are the site's.
    assert '<option value="08:00" selected>08:00</option>' in form.text
    assert '<option value="09:00" selected>09:00</option>' in form.text

    # Without script: the search button asks for the form again, keeping what was filled in.
    eve = world.people["eve"]
    last_name = eve.name.split()[-1]
    searched = await pages.get(
        "ann",
        "/workshop-rooms/book",
        room=room,
        day=TUESDAY.isoformat(),
        start="10:00",
        end="12:00",
        title="Retro",
        attendees=email(world, "bob"),
        q=last_name.lower(),
    )
    boxes = checkboxes(searched.text)
    assert boxes[email(world, "bob")] is True and boxes[eve.email] is False
    assert 'value="Retro"' in searched.text
    assert (
        '<option value="10:00" selected>' in searched.text
        and '<option value="12:00" selected>' in searched.text
    )
    assert f"Colleagues found for “{last_name.lower()}”" in text_of(searched.text)
    by_address = await pages.get(
        "ann", "/workshop-rooms/book", room=room, day=TUESDAY.isoformat(), q=eve.email.upper()
    )
    assert checkboxes(by_address.text) == {**checkboxes(form.text), eve.email: False}

    # With HTMX: a fragment of checkboxes, and the count for the status region (out of band).
    headers = pages.headers("ann") | {"HX-Request": "true"}
    headers.pop("X-CSRF-Token")
    fragment = await pages.client.get(
        "/workshop-rooms/people",
        params={"q": eve.email, "room": room, "day": TUESDAY.isoformat()},
        headers=headers,
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert checkboxes(fragment.text) == {eve.email: False}
    assert 'id="people-status"' in fragment.text and 'hx-swap-oob="true"' in fragment.text

    # Nobody who has left is found, and a search is capped.
    async with world.db.write_session() as session:
        await session.execute(update(Employee).where(Employee.id == eve.employee_id).values(active=False))
    gone = await pages.get("ann", "/workshop-rooms/book", room=room, day=TUESDAY.isoformat(), q=eve.email)
    assert eve.email not in checkboxes(gone.text)
    assert "No active colleague matches" in text_of(gone.text)
    everyone = await pages.get(
        "ann", "/workshop-rooms/book", room=room, day=TUESDAY.isoformat(), q="example.dk"
    )
    found = re.search(r'<div id="people-found".*?</fieldset>', everyone.text, re.S)
    assert found is not None and len(checkboxes(found.group(0))) == 20
    assert "Only the first 20 are shown" in text_of(everyone.text)


async def test_the_search_fragment_keeps_colleagues_chosen_before(pages: Pages) -> None:
    world = pages.world
    eve = world.people["eve"]
    headers = pages.headers("ann") | {"HX-Request": "true"}
    headers.pop("X-CSRF-Token")
    fragment = await pages.client.get(
        "/workshop-rooms/people",
        params={
            "q": "zzzz-nobody",
            "attendees": [eve.email, email(world, "bob")],
            "day": TUESDAY.isoformat(),
        },
        headers=headers,
    )
    # Eve, ticked from an earlier search, stays ticked; Bob is in the team list, not repeated here.
    assert checkboxes(fragment.text) == {eve.email: True}
    assert "No active colleague matches" in fragment.text


async def test_a_clash_says_why_and_offers_free_rooms_that_book_in_one_click(pages: Pages) -> None:
    world = pages.world
    await book_room(world, "bob", "W-HAVNEN", at(TUESDAY, 9), at(TUESDAY, 11))
    people = [email(world, "bob"), email(world, "eve")]
    fields = booking_fields(
        world, "W-HAVNEN", start="10:00", end="11:30", title="Sprint review", attendees=people
    )
    refused = await pages.post("ann", "/workshop-rooms/book", fields)
    assert refused.status_code == 409
    text = text_of(refused.text)
    assert (
        "There is a problem Havnen is already booked for part of that time. You can book a free room instead"
        in text
    )
    assert '<a href="#start">' in refused.text
    # Nothing is lost: the title, times and attendees are as they were sent.
    assert 'value="Sprint review"' in refused.text
    assert (
        '<option value="10:00" selected>' in refused.text
        and '<option value="11:30" selected>' in refused.text
    )
    assert checkboxes(refused.text)[email(world, "bob")] is True
    offered = forms(refused.text, "/workshop-rooms/book")[:-1]  # the last is the form itself
    rooms = {str(room.id): code for code, room in world.rooms.items()}
    # Free rooms that seat everyone, smallest first.
    assert [rooms[f["room"][0]] for f in offered] == ["W-AMAGER", "W-VESTERBRO"]
    assert "Book Vesterbro instead" in text and "Book Amager instead" in text
    choice = offered[0]
    assert choice["attendees"] == people and choice["title"] == ["Sprint review"]
    booked = await pages.post(
        "ann", "/workshop-rooms/book", {k: v if len(v) > 1 else v[0] for k, v in choice.items()}
    )
    assert booked.status_code == 303, booked.text
    mine = [b for b in await room_bookings(world) if b.organiser_id == world.people["ann"].employee_id]
    assert [(b.room_id, b.title) for b in mine] == [(world.rooms["W-AMAGER"].id, "Sprint review")]
    assert {a.email for a in mine[0].attendees} == {email(world, "ann"), *people}


@pytest.mark.parametrize(
    ("changes", "status", "said", "target"),
    [
        ({"title": ""}, 422, "Enter a title for the booking", "title"),
        ({"start": "15:00", "end": "14:00"}, 422, "The end time must be after the start time.", "end"),
        ({"start": "07:00", "end": "09:00"}, 422, "The office is open from 08:00 to 17:00.", "start"),
        (
            {"day": SATURDAY.isoformat()},
            422,
            "Saturday 5 December is not a working day at the office.",
            "day",
        ),
        ({"day": weekday(60).isoformat()}, 422, "You can book 21 days ahead.", "day"),
        ({"day": "tuesday"}, 422, "Enter the day as a date", "day"),
        (
            {"attendees": ["not-staff@elsewhere.example.org"]},
            422,
            "is not an active colleague in Zones",
            "attendees",
        ),
    ],
)
async def test_a_refused_booking_says_why_next_to_the_field(
    pages: Pages, changes: dict[str, Any], status: int, said: str, target: str
) -> None:
    world = pages.world
    answer = await pages.post("ann", "/workshop-rooms/book", booking_fields(world, "W-VESTERBRO", **changes))
    assert answer.status_code == status, text_of(answer.text)
    assert said in text_of(answer.text)
    assert f'<a href="#{target}">' in answer.text
    assert "<title>Error:" in answer.text
    assert await room_bookings(world) == []


async def test_a_booking_too_big_for_the_room_and_one_in_the_past_are_refused(pages: Pages) -> None:
    world = pages.world
    async with world.db.read_session() as session:
        staff = list(await session.scalars(select(Employee.email).where(Employee.active).limit(8)))
    crowd = [e for e in staff if e != email(world, "ann")][:6]
    too_many = await pages.post(
        "ann", "/workshop-rooms/book", booking_fields(world, "W-AMAGER", attendees=crowd)
    )
    assert too_many.status_code == 422
    assert "Amager seats 6 people, and the booking has 7, you included." in text_of(too_many.text)
    world.clock.set_local(weekday(0), 10)
    past = await pages.post(
        "ann",
        "/workshop-rooms/book",
        booking_fields(world, "W-AMAGER", day=weekday(0).isoformat(), start="09:00", end="10:00"),
    )
    assert past.status_code == 422
    assert "That time is over. Choose a later time." in text_of(past.text)


async def test_a_refusal_in_danish_is_on_a_danish_page_with_danish_dates(pages: Pages) -> None:
    world = pages.world
    answer = await pages.post(
        "ann",
        "/workshop-rooms/book",
        booking_fields(world, "W-HAVNEN", day=SATURDAY.isoformat()),
        language="da",
    )
    assert answer.status_code == 422
    assert '<html lang="da">' in answer.text
    # Until the Danish catalogue has this page's sentences they are English, but the values are Danish.
    saturday = format_date(SATURDAY, "EEEE d. MMMM", locale="da")
    assert saturday == "lørdag 5. december"
    text = text_of(answer.text)
    assert saturday[:1].upper() + saturday[1:] in text
    assert "08.00" in text and "17.00" in text  # the opening hours in the time hint, Danish style


async def test_each_form_needs_the_csrf_token(pages: Pages) -> None:
    world = pages.world
    fields = booking_fields(world, "W-HAVNEN")
    assert (await pages.post("ann", "/workshop-rooms/book", fields, csrf=False)).status_code == 403
    forged = await pages.post("ann", "/workshop-rooms/book", {**fields, "csrf_token": "forged"}, csrf=False)
    assert forged.status_code == 403
    booking = await book_room(world, "ann", "W-HAVNEN", at(TUESDAY, 9), at(TUESDAY, 10))
    assert (
        await pages.post("ann", f"/workshop-rooms/bookings/{booking.id}/cancel", csrf=False)
    ).status_code == 403
    assert [b.status for b in await room_bookings(world)] == [RoomBookingStatus.BOOKED]


async def test_only_the_organiser_cancels_and_everyone_invited_hears_of_it(pages: Pages) -> None:
    world = pages.world
    booking = await book_room(
        world, "ann", "W-HAVNEN", at(TUESDAY, 9), at(TUESDAY, 10), [email(world, "bob")]
    )
    # Someone not invited cannot see it; an attendee cannot cancel it.
    outsider = await pages.post("eve", f"/workshop-rooms/bookings/{booking.id}/cancel")
    assert outsider.status_code == 404
    assert "We could not find that room booking" in text_of(outsider.text)
    attendee = await pages.post("bob", f"/workshop-rooms/bookings/{booking.id}/cancel")
    assert attendee.status_code == 403
    assert "Only the organiser can cancel this room booking." in text_of(attendee.text)
    bob_asks = await pages.get("bob", f"/workshop-rooms/bookings/{booking.id}/cancel")
    assert bob_asks.status_code == 403 and "Yes, cancel" not in bob_asks.text
    assert "Only the organiser can cancel this room booking." in text_of(bob_asks.text)
    assert [b.status for b in await room_bookings(world)] == [RoomBookingStatus.BOOKED]

    confirm = await pages.get("ann", f"/workshop-rooms/bookings/{booking.id}/cancel")
    assert "Cancel your room booking?" in text_of(confirm.text)
    [form] = forms(confirm.text, f"/workshop-rooms/bookings/{booking.id}/cancel")
    assert form["csrf_token"] and form["csrf_token"][0]
    cancelled = await pages.post("ann", f"/workshop-rooms/bookings/{booking.id}/cancel")
    assert cancelled.status_code == 303
    location = cancelled.headers["location"]
    assert parse_qs(urlsplit(location).query)["done"] == ["cancelled"]
    assert [b.status for b in await room_bookings(world)] == [RoomBookingStatus.CANCELLED]
    assert "CANCEL" in {m.method for m in await invitations(world, booking.id)}
    after = text_of((await pages.get("ann", location)).text)
    assert "Room booking cancelled Havnen, Tuesday 1 December, 09:00–10:00 is free for others again." in after
    assert "You have no room bookings in the next two weeks." in after
    # Cancelled, there is nothing more to confirm.
    again = await pages.get("ann", f"/workshop-rooms/bookings/{booking.id}/cancel")
    assert again.status_code == 404 and "Yes, cancel" not in again.text


async def test_a_planner_is_offered_what_the_service_lets_planners_do(pages: Pages) -> None:
    world = pages.world
    booking = await book_room(world, "ann", "W-HAVNEN", at(TUESDAY, 9), at(TUESDAY, 10), [])
    confirm = await pages.get("planner", f"/workshop-rooms/bookings/{booking.id}/cancel")
    assert confirm.status_code == 200
    assert "Cancel this room booking?" in text_of(confirm.text) and "Only the organiser" not in confirm.text
    assert (await pages.post("planner", f"/workshop-rooms/bookings/{booking.id}/cancel")).status_code == 303
    assert [b.status for b in await room_bookings(world)] == [RoomBookingStatus.CANCELLED]


@pytest.mark.parametrize("title", ["Two\rlines", "Bell\x07", "Nul\x00byte", "Escape\x1b[31m"])
async def test_a_title_must_be_one_line_as_the_api_says(pages: Pages, title: str) -> None:
    world = pages.world
    refused = await pages.post("ann", "/workshop-rooms/book", booking_fields(world, "W-HAVNEN", title=title))
    assert refused.status_code == 422, refused.text[:300]
    assert "Write the title on one line" in text_of(refused.text)
    assert await room_bookings(world) == []
    search = await pages.get("ann", "/workshop-rooms/book", room=str(world.rooms["W-HAVNEN"].id), q="\x00se")
    assert search.status_code == 200


async def test_the_room_pages_need_signing_in(pages: Pages) -> None:
    room = str(pages.world.rooms["W-HAVNEN"].id)
    for path in ("/workshop-rooms", f"/workshop-rooms/book?room={room}"):
        page = await pages.client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/sign-in"), path


async def test_odd_addresses_lead_somewhere_useful(pages: Pages) -> None:
    # The address a refused booking answered at (a reload, the language switcher) leads to the rooms.
    again = await pages.get("ann", "/workshop-rooms/book")
    assert (again.status_code, again.headers["location"]) == (303, "/workshop-rooms")
    missing = await pages.get("ann", "/workshop-rooms/book", room="not-a-room")
    assert missing.status_code == 404 and "Room not found" in missing.text
    unknown = await pages.post(
        "ann", "/workshop-rooms/book", booking_fields(pages.world, "W-HAVNEN", room=str(UUID(int=7)))
    )
    assert unknown.status_code == 404
    plain = await pages.get("ann", "/workshop-rooms/people", q="ann")
    assert plain.status_code == 303  # without HTMX the search is the form's


async def test_without_htmx_the_search_goes_to_the_form_keeping_the_colleagues_ticked(pages: Pages) -> None:
    world = pages.world
    room = str(world.rooms["W-HAVNEN"].id)
    ticked = [email(world, "bob"), email(world, "eve")]
    plain = await pages.get(
        "ann", "/workshop-rooms/people", q="sen", room=room, day=TUESDAY.isoformat(), attendees=ticked
    )
    assert plain.status_code == 303
    location = urlsplit(plain.headers["location"])
    assert location.path == "/workshop-rooms/book"
    query = parse_qs(location.query)
    assert query["attendees"] == ticked and query["q"] == ["sen"] and query["room"] == [room]
