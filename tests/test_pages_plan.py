"""The floor plan pages over HTTP: the drawing and the list show every desk of the floor with its
state and accessible name, the summary counts, and a desk is booked in two requests (confirm, then
POST) through the booking service, with a refusal's reason and alternatives on the page."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from booking_support import World, as_, weekday
from page_support import Pages, text_of
from zones.bookings.desks import DeskBookings
from zones.models import Booking, Desk, Floor, OutboxMessage, Period, Zone

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
        return sorted(rows.tuples().all())


async def test_the_plan_shows_every_desk_of_the_floor_with_its_state_and_name(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "Q1-03")
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
        assert names[code] == f"Desk {code}, {zone}, {state}"
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
    bookable = sum(1 for _, b, _ in expected if b)
    quiet = sum(1 for _, b, a in expected if b and a == "quiet")
    assert f"{bookable - 2} of {bookable} desks free; quiet zone: {quiet - 2} free" in text
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
    assert fields["csrf_token"] == world.sessions["ann"][1]
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
