"""The floor plan pages over HTTP: the drawing and the list show every desk of the floor with its
state and accessible name, the summary counts, and a desk is booked in two requests (confirm, then
POST) through the booking service, with a refusal's reason and alternatives on the page."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
from sqlalchemy import select

from booking_support import World, as_, weekday
from page_support import Pages, text_of
from zones.bookings.desks import DeskBookings
from zones.models import Booking, BookingSeries, BookingStatus, Desk, Floor, OutboxMessage, Period, Zone
from zones.web.csrf import token_matches

TUESDAY = weekday(1)


def desk_links(html: str) -> dict[str, dict[str, str]]:
    """Each desk control of the drawing by code: its attributes."""
    found = {}
    for tag in re.findall(r"<a [^>]*class=\"desk [^>]*>", html):
        attributes = {k: unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}
        found[attributes["data-code"]] = attributes
    return found


async def floor_desks(world: World, level: int) -> list[tuple[str, bool, str]]:
    async with world.db.read_session() as session:
        rows = await session.execute(
            select(Desk.code, Desk.bookable, Zone.activity)
            .join(Zone, Zone.id == Desk.zone_id)
            .join(Floor, Floor.id == Zone.floor_id)
            .where(Floor.level == level)
        )
        return [(code, bookable, activity.value) for code, bookable, activity in rows.all()]


async def book(world: World, who: str, code: str, day: Any = TUESDAY, period: Period = Period.FULL) -> None:
    await as_(world, who, lambda ctx: DeskBookings(ctx).book(world.desk(code), day, period))


async def bookings_of(world: World, who: str) -> list[tuple[str, Any, Period]]:
    async with world.db.read_session() as session:
        rows = await session.execute(
            select(Desk.code, Booking.day, Booking.period)
            .join(Desk, Desk.id == Booking.desk_id)
            .where(Booking.employee_id == world.people[who].employee_id)
        )
        return sorted((code, day, period) for code, day, period in rows.all())


async def test_the_plan_shows_every_desk_of_the_floor_with_its_state_and_name(pages: Pages) -> None:
    world = pages.world
    await book(world, "eve", "Q1-03")  # not in ann's teams (a teammate's desk is named: see below)
    await book(world, "ann", "Q1-05")
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat(), period="full")
    assert page.status_code == 200, page.text
    desks = desk_links(page.text)
    expected = await floor_desks(world, 1)
    assert sorted(desks) == sorted(code for code, _, _ in expected)
    names = {code: attributes["aria-label"] for code, attributes in desks.items()}
    assert names["Q1-03"] == "Desk Q1-03, Quiet zone, taken"
    assert names["Q1-05"] == "Desk Q1-05, Quiet zone, your booking"
    assert names["Q1-01"] == "Desk Q1-01, Quiet zone, free"
    assert names["Q1-PB1"] == "Desk Q1-PB1, Quiet zone, not bookable"
    for code, bookable, activity in expected:
        state = "not bookable" if not bookable else "free"
        if code == "Q1-03":
            state = "taken"
        elif code == "Q1-05":
            state = "your booking"
        zone = {"quiet": "Quiet zone", "collaboration": "Collaboration zone"}[activity]
        accessible = " accessible desk," if "accessible" in world.desks[code].attributes else ""
        assert names[code] == f"Desk {code}, {zone},{accessible} {state}"
        disabled = desks[code].get("aria-disabled") == "true"
        assert disabled == (state in ("taken", "not bookable")), code
        assert (
            desks[code]["class"]
            == "desk desk-"
            + {
                "free": "free",
                "taken": "taken",
                "your booking": "mine",
                "not bookable": "not-bookable",
            }[state]
        )
    # Every desk links to its confirmation page for the day shown.
    link = urlsplit(desks["Q1-01"]["href"])
    assert link.path == "/plan/book"
    assert parse_qs(link.query) == {
        "desk": [str(world.desk("Q1-01"))],
        "day": [TUESDAY.isoformat()],
        "period": ["full"],
    }
    text = text_of(page.text)
    to_book = sum(1 for _, b, _ in expected if b)
    quiet = sum(1 for _, b, a in expected if b and a == "quiet")
    assert f"{to_book - 2} of {to_book} desks free; quiet zone: {quiet - 2} free" in text
    assert "1st floor · Tuesday 1 December, whole day" in text
    assert "Quiet zone · 2 of 16 taken" in text
    assert text.index("Show as list") < page.text.index('<svg class="floor-map"')
    for pattern in ("pattern-quiet", "pattern-collaboration", "pattern-facilitation"):
        assert f'id="{pattern}"' in page.text
    assert 'src="/static/floorplan.js?v=' in page.text and "defer" in page.text


async def test_the_plan_opens_on_the_next_working_day_whole_day_first_floor(pages: Pages) -> None:
    page = await pages.get("ann", "/plan")
    text = text_of(page.text)
    assert "1st floor · Tuesday 1 December, whole day" in text
    assert 'aria-current="page">1st floor<' in page.text
    second = re.search(r'href="\?([^"]*)"[^>]*>2nd floor<', page.text)
    assert second is not None
    other = await pages.get("ann", "/plan?" + unescape(second.group(1)))
    assert "2nd floor · Tuesday 1 December, whole day" in text_of(other.text)
    assert all(code.startswith(("Q2", "C2", "S2")) or "2" in code for code in desk_links(other.text))
    assert "Facilitation zone · no desks to book" in text_of(other.text)


async def test_a_page_in_danish_writes_the_day_in_danish(pages: Pages) -> None:
    headers = pages.headers("ann", "da")
    page = await pages.client.get("/plan", params={"day": TUESDAY.isoformat()}, headers=headers)
    assert '<html lang="da">' in page.text
    assert "tirsdag 1. december" in text_of(page.text)


async def test_the_activity_filter_shows_only_those_zones(pages: Pages) -> None:
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat(), activity="quiet")
    expected = [code for code, _, activity in await floor_desks(pages.world, 1) if activity == "quiet"]
    assert sorted(desk_links(page.text)) == sorted(expected)
    assert '<option value="quiet" selected>' in page.text
    listed = await pages.get("ann", "/plan/list", day=TUESDAY.isoformat(), activity="collaboration")
    headings = re.findall(r"<h2 id=\"zone-list-\d+\">([^<]*)</h2>", listed.text)
    assert headings and all(unescape(h).startswith("Collaboration") for h in headings)


async def test_the_list_shows_the_same_desks_with_states_and_book_buttons(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "Q1-03")
    page = await pages.get("ann", "/plan/list", day=TUESDAY.isoformat())
    assert page.status_code == 200
    assert "<script" not in page.text.split("</head>")[1]
    headings = [unescape(h) for h in re.findall(r"<h2 id=\"zone-list-\d+\">([^<]*)</h2>", page.text)]
    assert headings == ["Quiet zone · north", "Collaboration · Culture", "Collaboration · Leisure"]
    rows = {
        m.group(1): text_of(m.group(0))
        for m in re.finditer(
            r'<tr class="desk-row[^"]*">\s*<th scope="row">([^<]+)</th>.*?</tr>', page.text, re.S
        )
    }
    assert sorted(rows) == sorted(code for code, _, _ in await floor_desks(world, 1))
    assert "Taken" in rows["Q1-03"] and "Book Q1-03" not in rows["Q1-03"]
    assert "Free" in rows["Q1-01"] and "Book Q1-01" in rows["Q1-01"]
    assert "Height-adjustable, Two screens, By a window" in rows["Q1-01"]
    assert "Not bookable" in rows["Q1-PB1"] and "Book" not in rows["Q1-PB1"]
    only_free = await pages.get("ann", "/plan/list", day=TUESDAY.isoformat(), free="1")
    shown = re.findall(r'<th scope="row">([^<]+)</th>', only_free.text)
    assert "Q1-03" not in shown and "Q1-PB1" not in shown and "Q1-01" in shown
    assert 'id="free" name="free" value="1" checked' in only_free.text
    # A list's button books at once, and comes back to the list with the message.
    booked = await pages.post(
        "ann",
        "/plan/book",
        {"desk": str(world.desk("Q1-01")), "day": TUESDAY.isoformat(), "period": "full", "view": "list"},
    )
    assert booked.status_code == 303
    assert booked.headers["location"].startswith("/plan/list?")
    after = await pages.get("ann", booked.headers["location"])
    assert "Desk Q1-01 booked, Tuesday 1 December, whole day" in text_of(after.text)


async def test_a_desk_is_booked_in_two_requests_and_the_plan_says_so(pages: Pages) -> None:
    world = pages.world
    confirm = await pages.get(
        "ann", "/plan/book", desk=str(world.desk("Q1-01")), day=TUESDAY.isoformat(), period="morning"
    )
    assert confirm.status_code == 200
    text = text_of(confirm.text)
    assert "Book desk Q1-01 in the quiet zone, Tuesday 1 December, morning" in text
    form = re.search(r'<form method="post" action="/plan/book">(.*?)</form>', confirm.text, re.S)
    assert form is not None and "Book desk Q1-01</button>" in form.group(1)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(1)))
    assert token_matches(fields["csrf_token"], world.sessions["ann"][1])
    booked = await pages.post("ann", "/plan/book", fields)
    assert booked.status_code == 303, booked.text
    assert await bookings_of(world, "ann") == [("Q1-01", TUESDAY, Period.MORNING)]
    location = urlsplit(booked.headers["location"])
    assert location.path == "/plan"
    plan = await pages.get("ann", booked.headers["location"])
    status = re.search(r'<div id="status" role="status" class="status status-shown">(.*?)</div>', plan.text)
    assert status is not None and text_of(status.group(1)).strip() == (
        "Desk Q1-01 booked, Tuesday 1 December, morning"
    )
    assert desk_links(plan.text)["Q1-01"]["aria-label"] == "Desk Q1-01, Quiet zone, your booking"
    async with world.db.read_session() as session:
        invites = list(await session.scalars(select(OutboxMessage)))
    assert len(invites) == 1  # the invite goes out as for any booking
    # The message is only shown for a desk that is the person's booking.
    forged = await pages.get("ann", "/plan", day=TUESDAY.isoformat(), booked="Q1-02")
    assert "status-shown" not in forged.text


async def test_a_refusal_shows_the_reason_and_an_alternative_that_books_in_one_post(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "Q1-03")
    fields = {"desk": str(world.desk("Q1-03")), "day": TUESDAY.isoformat(), "period": "full"}
    refused = await pages.post("ann", "/plan/book", fields)
    assert refused.status_code == 409
    text = text_of(refused.text)
    assert "There is a problem" in text
    assert "Desk Q1-03 is already booked on Tuesday 1 December, whole day." in text
    assert "<title>Error: " in refused.text
    alternatives = re.findall(
        r'<form method="post" action="/plan/book">(.*?)</form>',
        refused.text.split("alternatives-heading", 1)[1],
        re.S,
    )
    assert alternatives
    first = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', alternatives[0]))
    code = re.search(r"Book (\S+) instead", text_of(alternatives[0]))
    assert code is not None and code.group(1).startswith("Q1-")
    assert first["desk"] == str(world.desk(code.group(1)))
    booked = await pages.post("ann", "/plan/book", first)
    assert booked.status_code == 303
    assert await bookings_of(world, "ann") == [(code.group(1), TUESDAY, Period.FULL)]


async def test_a_rule_that_refuses_the_request_itself_answers_422_in_the_pages_language(pages: Pages) -> None:
    world = pages.world
    saturday = weekday(5)
    fields = {"desk": str(world.desk("Q1-01")), "day": saturday.isoformat(), "period": "full"}
    refused = await pages.post("ann", "/plan/book", fields)
    assert refused.status_code == 422
    assert "Saturday 5 December is not a working day at the office." in text_of(refused.text)
    headers = pages.headers("ann", "da")
    danish = await pages.client.post("/plan/book", data=fields, headers=headers)
    assert danish.status_code == 422 and "lørdag 5. december" in text_of(danish.text)
    assert await bookings_of(world, "ann") == []


async def test_booking_from_the_plan_needs_the_csrf_token(pages: Pages) -> None:
    world = pages.world
    fields = {"desk": str(world.desk("Q1-01")), "day": TUESDAY.isoformat(), "period": "full"}
    refused = await pages.post("ann", "/plan/book", fields, csrf=False)
    assert refused.status_code == 403
    forged = await pages.post("ann", "/plan/book", {**fields, "csrf_token": "forged"}, csrf=False)
    assert forged.status_code == 403
    assert await bookings_of(world, "ann") == []


async def test_the_confirmation_says_why_a_desk_cannot_be_booked(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "Q1-03")
    taken = await pages.get("ann", "/plan/book", desk=str(world.desk("Q1-03")), day=TUESDAY.isoformat())
    assert "Desk Q1-03 is taken, Tuesday 1 December, whole day." in text_of(taken.text)
    assert 'action="/plan/book"' not in taken.text
    booth = await pages.get("ann", "/plan/book", desk=str(world.desk("Q1-PB1")), day=TUESDAY.isoformat())
    assert "cannot be booked" in text_of(booth.text)
    missing = await pages.get("ann", "/plan/book", desk="not-a-desk")
    assert missing.status_code == 404


async def test_the_plan_needs_sign_in(pages: Pages) -> None:
    pages.client.cookies.clear()
    response = await pages.client.get("/plan", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code in (302, 303, 401)


# --- moving a booking from the plan -----------------------------------------------------------------


def forms(html: str, action: str) -> list[dict[str, str]]:
    """The fields of each form of the page that posts to `action`."""
    found = re.findall(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    return [
        {k: unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', form)} for form in found
    ]


def error_summary(html: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found, "no error summary"
    return text_of(found.group(0))


async def my_booking(
    world: World, who: str, code: str, day: Any = TUESDAY, period: Period = Period.FULL
) -> UUID:
    booking = await as_(world, who, lambda ctx: DeskBookings(ctx).book(world.desk(code), day, period))
    return booking.id  # type: ignore[no-any-return]


async def stored(world: World, booking_id: UUID) -> Booking:
    async with world.db.read_session() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        return booking


async def subjects(world: World) -> list[str]:
    async with world.db.read_session() as session:
        return [
            m.subject for m in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))
        ]


def move_fields(
    world: World, booking_id: UUID, code: str, day: Any = TUESDAY, period: str = "full"
) -> dict[str, str]:
    return {
        "booking": str(booking_id),
        "desk": str(world.desk(code)),
        "day": day.isoformat(),
        "period": period,
    }


async def test_the_plan_in_move_mode_says_what_moves_and_every_desk_leads_to_moving_it(pages: Pages) -> None:
    world = pages.world
    booking_id = await my_booking(world, "ann", "Q1-03")
    page = await pages.get("ann", "/plan", day=TUESDAY.isoformat(), period="full", move=str(booking_id))
    assert page.status_code == 200, page.text[:500]
    text = text_of(page.text)
    assert (
        "Moving your booking: desk Q1-03, Tuesday 1 December, whole day. "
        "Choose a new desk, or change the day or time." in text
    )
    assert f'href="/#day-{TUESDAY.isoformat()}">Stop moving</a>' in page.text
    link = urlsplit(desk_links(page.text)["Q1-01"]["href"])
    assert link.path == "/plan/move"
    assert parse_qs(link.query) == {
        "booking": [str(booking_id)],
        "desk": [str(world.desk("Q1-01"))],
        "day": [TUESDAY.isoformat()],
        "period": ["full"],
    }
    # The day, time, floor and list controls keep the mode.
    assert f'<input type="hidden" name="move" value="{booking_id}">' in page.text
    second = re.search(r'href="\?([^"]*)"[^>]*>2nd floor<', page.text)
    assert second is not None and parse_qs(unescape(second.group(1)))["move"] == [str(booking_id)]
    to_list = re.search(r'href="(/plan/list\?[^"]*)"', page.text)
    assert to_list is not None
    listed = await pages.get("ann", unescape(to_list.group(1)))
    assert "Moving your booking: desk Q1-03" in text_of(listed.text)
    assert 'action="/plan/book"' not in listed.text
    row = re.search(r'<th scope="row">Q1-01</th>.*?</tr>', listed.text, re.S)
    assert row is not None and "Move to Q1-01" in text_of(row.group(0))
    move_link = re.search(r'href="(/plan/move\?[^"]*)"', row.group(0))
    assert move_link is not None
    assert parse_qs(urlsplit(unescape(move_link.group(1))).query)["view"] == ["list"]
    # Without move= the plan is as it always was.
    plain = await pages.get("ann", "/plan", day=TUESDAY.isoformat())
    assert "Moving your booking" not in plain.text and 'name="move"' not in plain.text
    assert urlsplit(desk_links(plain.text)["Q1-01"]["href"]).path == "/plan/book"


async def test_someone_elses_or_a_missing_booking_cannot_be_moved(pages: Pages) -> None:
    world = pages.world
    booking_id = await my_booking(world, "ann", "Q1-03")
    for who, move in (("bob", str(booking_id)), ("ann", "not-a-booking"), ("ann", str(world.desk("Q1-01")))):
        page = await pages.get(who, "/plan", day=TUESDAY.isoformat(), move=move)
        assert page.status_code == 404, (who, move)
        assert "Booking not found" in text_of(page.text) and "Q1-03" not in page.text
    confirm = await pages.get("bob", "/plan/move", **move_fields(world, booking_id, "Q1-04"))
    assert confirm.status_code == 404
    for who in ("bob", "eve"):
        refused = await pages.post(who, "/plan/move", move_fields(world, booking_id, "Q1-04"))
        assert refused.status_code == 404
    assert await bookings_of(world, "ann") == [("Q1-03", TUESDAY, Period.FULL)]
    # A planner may move it, as the API allows.
    moved = await pages.post("planner", "/plan/move", move_fields(world, booking_id, "Q1-04"))
    assert moved.status_code == 303
    assert await bookings_of(world, "ann") == [("Q1-04", TUESDAY, Period.FULL)]


async def test_a_booking_moves_to_another_desk_in_two_requests(pages: Pages) -> None:
    world = pages.world
    booking_id = await my_booking(world, "ann", "Q1-03")
    before = await stored(world, booking_id)
    confirm = await pages.get("ann", "/plan/move", **move_fields(world, booking_id, "Q1-04"))
    assert confirm.status_code == 200, confirm.text[:500]
    text = text_of(confirm.text)
    assert "Move to desk Q1-04, Tuesday 1 December, whole day" in text
    assert "Desk Q1-03, Tuesday 1 December, whole day" in text  # what it is now
    [fields] = forms(confirm.text, "/plan/move")
    assert token_matches(fields["csrf_token"], world.sessions["ann"][1])
    assert "Move to desk Q1-04</button>" in confirm.text
    moved = await pages.post("ann", "/plan/move", fields)
    assert (moved.status_code, moved.headers["location"]) == (303, f"/?done=moved&booking={booking_id}")
    after = await stored(world, booking_id)
    assert (after.desk_id, after.day, after.period) == (world.desk("Q1-04"), TUESDAY, Period.FULL)
    assert after.sequence == before.sequence + 1
    assert await bookings_of(world, "ann") == [("Q1-04", TUESDAY, Period.FULL)]  # the one booking
    said = await subjects(world)
    assert len(said) == 2 and said[1].startswith("Moved: Desk Q1-04")
    week = await pages.get("ann", moved.headers["location"])
    status = re.search(r'<div id="status" role="status"[^>]*>(.*?)</div>', week.text, re.S)
    assert status is not None
    assert (
        text_of(status.group(1))
        == "Booking moved Your booking is now desk Q1-04, Tuesday 1 December, whole day."
    )
    # The old desk is free for others.
    plan = await pages.get("bob", "/plan", day=TUESDAY.isoformat())
    assert desk_links(plan.text)["Q1-03"]["class"] == "desk desk-free"
    await book(world, "bob", "Q1-03")


async def test_a_booking_moves_to_another_day_and_time(pages: Pages) -> None:
    world = pages.world
    wednesday = weekday(2)
    booking_id = await my_booking(world, "ann", "Q1-03")
    fields = move_fields(world, booking_id, "Q1-03", wednesday, "morning")
    confirm = await pages.get("ann", "/plan/move", **fields)
    assert "Move to desk Q1-03, Wednesday 2 December, morning" in text_of(confirm.text)
    moved = await pages.post("ann", "/plan/move", forms(confirm.text, "/plan/move")[0])
    assert moved.status_code == 303
    after = await stored(world, booking_id)
    assert (after.day, after.period, after.sequence) == (wednesday, Period.MORNING, 1)
    assert await bookings_of(world, "ann") == [("Q1-03", wednesday, Period.MORNING)]
    assert (await subjects(world))[-1].startswith("Moved: ")
    # Asking to move it to where it already is offers nothing to press.
    same = await pages.get("ann", "/plan/move", **fields)
    assert "Your booking is already at desk Q1-03, Wednesday 2 December, morning." in text_of(same.text)
    assert forms(same.text, "/plan/move") == []


async def test_a_refused_move_says_why_and_its_alternatives_move_in_one_post(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "Q1-04")
    booking_id = await my_booking(world, "ann", "Q1-03")
    refused = await pages.post("ann", "/plan/move", move_fields(world, booking_id, "Q1-04"))
    assert refused.status_code == 409
    assert "<title>Error: " in refused.text
    assert error_summary(refused.text) == (
        "There is a problem Desk Q1-04 is already booked on Tuesday 1 December, whole day. "
        "You can move to a free desk nearby instead."
    )
    alternatives = forms(refused.text.split("alternatives-heading", 1)[1], "/plan/move")
    assert alternatives and all(a["booking"] == str(booking_id) for a in alternatives)
    code = re.search(r"Move to (\S+) instead", text_of(refused.text))
    assert code is not None and alternatives[0]["desk"] == str(world.desk(code.group(1)))
    assert await bookings_of(world, "ann") == [("Q1-03", TUESDAY, Period.FULL)]  # unchanged so far
    moved = await pages.post("ann", "/plan/move", alternatives[0])
    assert moved.status_code == 303
    assert await bookings_of(world, "ann") == [(code.group(1), TUESDAY, Period.FULL)]
    danish = await pages.post("ann", "/plan/move", move_fields(world, booking_id, "Q1-04"), language="da")
    assert danish.status_code == 409 and "tirsdag 1. december" in error_summary(danish.text)


async def test_a_move_to_a_day_that_breaks_a_rule_answers_422_and_changes_nothing(pages: Pages) -> None:
    world = pages.world
    booking_id = await my_booking(world, "ann", "Q1-03")
    refused = await pages.post("ann", "/plan/move", move_fields(world, booking_id, "Q1-03", weekday(5)))
    assert refused.status_code == 422
    assert "Saturday 5 December is not a working day at the office." in error_summary(refused.text)
    assert await bookings_of(world, "ann") == [("Q1-03", TUESDAY, Period.FULL)]


async def test_a_checked_in_booking_can_change_desk_but_not_day(pages: Pages) -> None:
    world = pages.world
    monday = weekday(0)
    world.clock.set_local(monday, 7, 45)
    booking_id = await my_booking(world, "ann", "Q1-03", monday)
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).check_in(booking_id))
    plan = await pages.get("ann", "/plan", day=monday.isoformat(), move=str(booking_id))
    assert "You have checked in, so you can move to another desk for the same time" in text_of(plan.text)
    other_day = await pages.post("ann", "/plan/move", move_fields(world, booking_id, "Q1-03", TUESDAY))
    assert other_day.status_code == 409
    assert (
        "You have checked in, so you can move to another desk for the same time, but not to another day"
        in (error_summary(other_day.text))
    )
    assert await bookings_of(world, "ann") == [("Q1-03", monday, Period.FULL)]
    other_desk = await pages.post("ann", "/plan/move", move_fields(world, booking_id, "Q1-04", monday))
    assert other_desk.status_code == 303
    after = await stored(world, booking_id)
    assert (after.desk_id, after.day, after.status) == (world.desk("Q1-04"), monday, BookingStatus.CHECKED_IN)


async def test_an_ended_booking_cannot_be_moved(pages: Pages) -> None:
    world = pages.world
    booking_id = await my_booking(world, "ann", "Q1-03")
    await as_(world, "ann", lambda ctx: DeskBookings(ctx).cancel(booking_id))
    plan = await pages.get("ann", "/plan", day=TUESDAY.isoformat(), move=str(booking_id))
    assert plan.status_code == 409 and "This booking has ended" in text_of(plan.text)
    refused = await pages.post("ann", "/plan/move", move_fields(world, booking_id, "Q1-04"))
    assert refused.status_code == 409
    assert "This booking has ended, so it cannot be moved." in error_summary(refused.text)


async def test_moving_needs_the_csrf_token(pages: Pages) -> None:
    world = pages.world
    booking_id = await my_booking(world, "ann", "Q1-03")
    fields = move_fields(world, booking_id, "Q1-04")
    assert (await pages.post("ann", "/plan/move", fields, csrf=False)).status_code == 403
    forged = await pages.post("ann", "/plan/move", {**fields, "csrf_token": "forged"}, csrf=False)
    assert forged.status_code == 403
    assert await bookings_of(world, "ann") == [("Q1-03", TUESDAY, Period.FULL)]
    again = await pages.get("ann", "/plan/move")  # a reload of a refused move's address
    assert (again.status_code, again.headers["location"]) == (303, "/")


# --- a weekly series from the confirmation page ----------------------------------------------------


def series_fields(
    world: World, code: str, weekdays: list[str], until: str, start: Any = TUESDAY
) -> dict[str, Any]:
    return {
        "desk": str(world.desk(code)),
        "starts_on": start.isoformat(),
        "period": "full",
        "weekdays": weekdays,
        "until": until,
    }


async def test_the_confirmation_offers_a_weekly_series_folded_away(pages: Pages) -> None:
    world = pages.world
    confirm = await pages.get("ann", "/plan/book", desk=str(world.desk("Q1-01")), day=TUESDAY.isoformat())
    series = re.search(r'<details class="series">(.*?)</details>', confirm.text, re.S)
    assert series is not None
    text = text_of(series.group(1))
    assert text.startswith("Repeat every week")
    assert "Monday Tuesday Wednesday Thursday Friday" in text
    ticked = re.findall(r'name="weekdays" value="(\d)" checked', series.group(1))
    assert ticked == ["2"]  # the chosen day's weekday
    # Four weeks on would be 29 December; the booking horizon (21 days) ends on 21 December.
    assert 'name="until" value="2026-12-21"' in series.group(1)
    assert "Days after Monday 21 December cannot be booked yet." in text
    [fields] = forms(series.group(1), "/plan/book-series")
    assert fields["starts_on"] == TUESDAY.isoformat() and token_matches(
        fields["csrf_token"], world.sessions["ann"][1]
    )
    # The page's one primary action is still booking the day.
    assert len(re.findall(r'type="submit"', confirm.text.split("<main", 1)[1].split("</main>")[0])) == 1


async def test_a_weekly_series_books_the_matching_days_and_lists_the_others_with_reasons(
    pages: Pages,
) -> None:
    world = pages.world
    await book(world, "bob", "Q1-01", weekday(8))
    result = await pages.post("ann", "/plan/book-series", series_fields(world, "Q1-01", ["2"], "2026-12-29"))
    assert result.status_code == 200, result.text[:500]
    assert await bookings_of(world, "ann") == [
        ("Q1-01", weekday(1), Period.FULL),
        ("Q1-01", weekday(15), Period.FULL),
    ]
    text = text_of(result.text)
    assert "Weekly booking of desk Q1-01" in text and "Days booked: 2. Days not booked: 3." in text
    booked = re.search(r'<ul class="series-list" id="booked">(.*?)</ul>', result.text, re.S)
    assert booked is not None
    assert text_of(booked.group(1)) == "Tuesday 1 December Tuesday 15 December"
    refused = re.search(r'id="not-booked"[^>]*>(.*?)</ul>', result.text, re.S)
    assert refused is not None
    reasons = [text_of(item) for item in re.findall(r"<li>(.*?)</li>", refused.group(1), re.S)]
    beyond = "You can book 21 days ahead. The last day you can book now is Monday 21 December."
    assert reasons == [
        "Tuesday 8 December: Desk Q1-01 is already booked on Tuesday 8 December, whole day.",
        f"Tuesday 22 December: {beyond}",
        f"Tuesday 29 December: {beyond}",
    ]
    async with world.db.read_session() as session:
        series_ids = set(
            await session.scalars(select(Booking.series_id).where(Booking.desk_id == world.desk("Q1-01")))
        )
    assert len(series_ids - {None}) == 1  # both days belong to one series
    again = await pages.get("ann", "/plan/book-series")
    assert (again.status_code, again.headers["location"]) == (303, "/")


async def test_a_series_over_the_weekly_cap_says_which_days_and_why_in_danish(pages: Pages) -> None:
    world = pages.world
    fields = series_fields(world, "Q1-01", ["2", "3", "4", "5"], "2026-12-04")
    headers = pages.headers("ann", "da")
    result = await pages.client.post("/plan/book-series", data=fields, headers=headers)
    assert result.status_code == 200, result.text[:500]
    assert [day for _, day, _ in await bookings_of(world, "ann")] == [weekday(1), weekday(2), weekday(3)]
    refused = re.search(r'id="not-booked"[^>]*>(.*?)</ul>', result.text, re.S)
    assert refused is not None
    assert text_of(refused.group(1)).startswith("Fredag 4. december: ")
    assert "3 kontordage" in text_of(refused.group(1)) or "office days" not in text_of(refused.group(1))


async def test_a_series_where_no_day_can_be_booked_keeps_nothing_and_says_so(pages: Pages) -> None:
    world = pages.world
    result = await pages.post("ann", "/plan/book-series", series_fields(world, "Q1-01", ["6"], "2026-12-13"))
    assert result.status_code == 422
    assert "None of the days could be booked." in error_summary(result.text)
    assert "Saturday 5 December is not a working day at the office." in text_of(result.text)
    assert await bookings_of(world, "ann") == []
    async with world.db.read_session() as session:
        assert list(await session.scalars(select(BookingSeries))) == []


@pytest.mark.parametrize(
    ("weekdays", "until", "problems"),
    [
        ([], "2026-12-15", ["Choose at least one day of the week."]),
        (["2"], "2026-11-24", ["The last day cannot be before the first day, Tuesday 1 December."]),
        (["2"], "soon", ["Enter the last day of the series."]),
        (
            ["2"],
            "2028-01-04",
            ["A series can last at most a year. Choose Thursday 2 December 2027 or an earlier day."],
        ),
        ([], "", ["Choose at least one day of the week.", "Enter the last day of the series."]),
    ],
)
async def test_invalid_series_input_is_shown_again_with_the_problems(
    pages: Pages, weekdays: list[str], until: str, problems: list[str]
) -> None:
    world = pages.world
    result = await pages.post("ann", "/plan/book-series", series_fields(world, "Q1-01", weekdays, until))
    assert result.status_code == 422
    assert "<title>Error: Book desk Q1-01" in result.text
    assert error_summary(result.text) == " ".join(["There is a problem", *problems])
    series = re.search(r'<details class="series" open>(.*?)</details>', result.text, re.S)
    assert series is not None, "the series form is open again"
    assert f'name="until" value="{until}"' in series.group(1)  # what was typed is kept
    assert re.findall(r'name="weekdays" value="(\d)" checked', series.group(1)) == weekdays
    assert 'action="/plan/book"' in result.text  # booking the one day is still offered
    assert await bookings_of(world, "ann") == []


async def test_a_series_needs_the_csrf_token(pages: Pages) -> None:
    world = pages.world
    fields = series_fields(world, "Q1-01", ["2"], "2026-12-15")
    assert (await pages.post("ann", "/plan/book-series", fields, csrf=False)).status_code == 403
    assert await bookings_of(world, "ann") == []


async def test_a_public_holiday_is_refused_on_the_page_in_its_language(pages: Pages) -> None:
    world = pages.world
    christmas = date(2026, 12, 25)
    world.clock.set_local(date(2026, 12, 21), 8)
    fields = {"desk": str(world.desk("Q1-01")), "day": christmas.isoformat(), "period": "full"}
    refused = await pages.post("ann", "/plan/book", fields)
    assert refused.status_code == 422
    assert "Friday 25 December is a public holiday (Christmas Day)" in text_of(refused.text)
    danish = await pages.post("ann", "/plan/book", fields, language="da")
    assert danish.status_code == 422 and "fredag 25. december er en helligdag" in text_of(danish.text)
    assert await bookings_of(world, "ann") == []
