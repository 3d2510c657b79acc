"""My week (the start page) and the profile, over HTTP with a signed-in browser's session: two weeks
of my bookings and nobody else's, cancelling (asked first, with CSRF), checking in only while it is
open, who of my teams is in (respecting opt-out), and the profile's presence choice and calendar
subscription. The role matrix of the API holds on the pages too."""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

import pytest

from booking_support import World, as_, weekday
from page_support import Pages, text_of
from zones.bookings.desks import DeskBookings
from zones.models import Booking, BookingStatus, Employee, Period


def day_card(html: str, day: date) -> str:
    """The part of My week about one day."""
    found = re.search(
        rf'<li class="day[^"]*" id="day-{day.isoformat()}".*?</li>\s*(?=<li class="day|</ol>)', html, re.S
    )
    assert found, f"{day} is not in My week"
    return found.group(0)


def days_listed(html: str) -> list[str]:
    return re.findall(r'<li class="day[^"]*" id="day-([0-9-]+)"', html)


def status_region(html: str) -> str:
    found = re.search(r'<div id="status" role="status"[^>]*>(.*?)</div>', html, re.S)
    assert found
    return text_of(found.group(1))


def error_summary(html: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found, "no error summary"
    return text_of(found.group(0))


async def book(world: World, who: str, desk: str, day: date, period: Period = Period.FULL) -> UUID:
    booking = await as_(world, who, lambda ctx: DeskBookings(ctx).book(world.desk(desk), day, period))
    return booking.id  # type: ignore[no-any-return]


async def status_of(world: World, booking_id: UUID) -> BookingStatus:
    async with world.db.read_session() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
        return booking.status


# --- My week --------------------------------------------------------------------------------------


async def test_my_week_lists_two_weeks_of_working_days_with_my_bookings_and_nobody_elses(
    pages: Pages,
) -> None:
    world = pages.world
    await book(world, "ann", "Q1-03", weekday(1))
    await book(world, "ann", "Q1-05", weekday(9), Period.MORNING)
    later = await book(world, "ann", "Q1-03", weekday(15))  # beyond the two weeks
    await book(world, "eve", "Q1-04", weekday(3))
    html = await pages.week("ann")

    working_days = [weekday(n).isoformat() for n in range(14) if weekday(n).isoweekday() <= 5]
    assert days_listed(html) == working_days  # Monday 30 November to Friday 11 December
    tuesday = text_of(day_card(html, weekday(1)))
    assert "Tuesday 1 December" in tuesday
    assert "Desk Q1-03" in tuesday and "Quiet zone · north" in tuesday and "Whole day" in tuesday
    assert "Booked" in tuesday
    assert "Desk Q1-05" in text_of(day_card(html, weekday(9))) and "Morning" in text_of(
        day_card(html, weekday(9))
    )
    thursday = day_card(html, weekday(3))
    assert "No booking" in text_of(thursday) and "Q1-04" not in thursday  # eve's booking is hers
    assert f'href="/plan?day={weekday(3).isoformat()}"' in thursday
    assert str(later) not in html


async def test_each_booking_offers_cancelling_and_the_calendar_file(pages: Pages) -> None:
    booking_id = await book(pages.world, "ann", "Q1-03", weekday(1))
    card = day_card(await pages.week("ann"), weekday(1))
    assert f'href="/week/bookings/{booking_id}/cancel"' in card
    assert "Cancel booking of desk Q1-03 on Tuesday 1 December" in text_of(card)
    assert f'href="/bookings/{booking_id}.ics"' in card
    ics = await pages.get("ann", f"/bookings/{booking_id}.ics")
    assert ics.status_code == 200 and "BEGIN:VCALENDAR" in ics.text
    assert "/week/bookings/" not in day_card(await pages.week("ann"), weekday(2))


async def test_each_booking_offers_moving_it_on_the_floor_plan(pages: Pages) -> None:
    world = pages.world
    booking_id = await book(world, "ann", "Q1-03", weekday(1))
    morning = await book(world, "ann", "Q1-05", weekday(2), Period.MORNING)
    html = await pages.week("ann")
    card = day_card(html, weekday(1))
    move = f'href="/plan?day={weekday(1).isoformat()}&amp;period=full&amp;move={booking_id}"'
    assert move in card
    assert "Move booking of desk Q1-03 on Tuesday 1 December" in text_of(card)
    assert f"move={morning}" in day_card(html, weekday(2)) and "period=morning" in day_card(html, weekday(2))
    assert "move=" not in day_card(html, weekday(3))  # a day without a booking offers booking instead
    plan = await pages.get("ann", f"/plan?day={weekday(1).isoformat()}&period=full&move={booking_id}")
    assert plan.status_code == 200
    assert "Moving your booking: desk Q1-03, Tuesday 1 December, whole day." in text_of(plan.text)


async def test_a_moved_booking_is_shown_on_its_new_day_with_a_confirmation(pages: Pages) -> None:
    world = pages.world
    booking_id = await book(world, "ann", "Q1-03", weekday(1))
    moved = await pages.post(
        "ann",
        "/plan/move",
        {
            "booking": str(booking_id),
            "desk": str(world.desk("Q1-04")),
            "day": str(weekday(3)),
            "period": "afternoon",
        },
    )
    assert (moved.status_code, moved.headers["location"]) == (303, f"/?done=moved&booking={booking_id}")
    html = await pages.week("ann", moved.headers["location"])
    assert status_region(html) == (
        "Booking moved Your booking is now desk Q1-04, Thursday 3 December, afternoon."
    )
    assert "No booking" in text_of(day_card(html, weekday(1)))
    thursday = text_of(day_card(html, weekday(3)))
    assert "Desk Q1-04" in thursday and "Afternoon" in thursday
    assert await status_of(world, booking_id) is BookingStatus.BOOKED  # the same booking, moved


@pytest.mark.parametrize(
    ("who", "allowed"), [("ann", True), ("bob", False), ("eve", False), ("planner", True)]
)
async def test_only_the_owner_and_planners_may_move_a_booking_through_the_pages(
    pages: Pages, who: str, allowed: bool
) -> None:
    world = pages.world
    booking_id = await book(world, "ann", "Q1-03", weekday(1))
    fields = {"booking": str(booking_id), "desk": str(world.desk("Q1-04")), "day": str(weekday(1))}
    done = await pages.post(who, "/plan/move", fields)
    async with world.db.read_session() as session:
        booking = await session.get(Booking, booking_id)
        assert booking is not None
    if allowed:
        assert done.status_code == 303 and booking.desk_id == world.desk("Q1-04")
    else:
        assert done.status_code == 404 and booking.desk_id == world.desk("Q1-03")
        assert "Q1-03" not in text_of(done.text)


async def test_moving_needs_the_forms_csrf_token(pages: Pages) -> None:
    world = pages.world
    booking_id = await book(world, "ann", "Q1-03", weekday(1))
    fields = {"booking": str(booking_id), "desk": str(world.desk("Q1-04")), "day": str(weekday(1))}
    assert (await pages.post("ann", "/plan/move", fields, csrf=False)).status_code == 403
    assert "Desk Q1-03" in text_of(day_card(await pages.week("ann"), weekday(1)))


async def test_today_stays_in_the_week_after_the_working_day_has_started(pages: Pages) -> None:
    world = pages.world
    world.clock.set_local(weekday(0), 15, 30)
    html = await pages.week("ann")
    assert days_listed(html)[0] == weekday(0).isoformat()
    today = day_card(html, weekday(0))
    assert "day-today" in today and "Today" in text_of(today)
    assert f'href="/plan?day={weekday(0).isoformat()}"' in today
    world.clock.set_local(weekday(5), 10, 0)  # a Saturday: the week starts on Monday
    assert days_listed(await pages.week("ann"))[0] == weekday(7).isoformat()


async def test_the_week_is_in_danish_for_a_danish_browser(pages: Pages) -> None:
    page = await pages.get("ann", "/", language="da")
    assert '<html lang="da">' in page.text
    assert "mandag 30. november".capitalize() in text_of(page.text)


# --- cancelling -----------------------------------------------------------------------------------


async def test_cancelling_asks_first_then_cancels_and_says_so(pages: Pages) -> None:
    world = pages.world
    booking_id = await book(world, "ann", "Q1-03", weekday(1))
    asked = await pages.get("ann", f"/week/bookings/{booking_id}/cancel")
    assert asked.status_code == 200
    question = text_of(asked.text)
    assert "Cancel your booking?" in question and "Q1-03" in question and "Tuesday 1 December" in question
    assert await status_of(world, booking_id) is BookingStatus.BOOKED  # asking changes nothing

    done = await pages.post("ann", f"/week/bookings/{booking_id}/cancel")
    assert done.status_code == 303
    assert done.headers["location"] == f"/?done=cancelled&booking={booking_id}"
    assert await status_of(world, booking_id) is BookingStatus.CANCELLED
    html = await pages.week("ann", done.headers["location"])
    assert (
        status_region(html) == "Booking cancelled Desk Q1-03 on Tuesday 1 December is free for others again."
    )
    assert "No booking" in text_of(day_card(html, weekday(1)))


async def test_cancelling_needs_the_forms_csrf_token(pages: Pages) -> None:
    world = pages.world
    booking_id = await book(world, "ann", "Q1-03", weekday(1))
    refused = await pages.post("ann", f"/week/bookings/{booking_id}/cancel", csrf=False)
    assert refused.status_code == 403
    forged = await pages.post(
        "ann", f"/week/bookings/{booking_id}/cancel", {"csrf_token": "forged"}, csrf=False
    )
    assert forged.status_code == 403
    assert await status_of(world, booking_id) is BookingStatus.BOOKED


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("ann", True), ("bob", False), ("eve", False), ("planner", True), ("admin", True)],
)
async def test_only_the_owner_and_planners_may_cancel_a_booking_through_the_page(
    pages: Pages, who: str, allowed: bool
) -> None:
    world = pages.world
    booking_id = await book(world, "ann", "Q1-03", weekday(1))
    asked = await pages.get(who, f"/week/bookings/{booking_id}/cancel")
    done = await pages.post(who, f"/week/bookings/{booking_id}/cancel")
    if allowed:
        assert (asked.status_code, done.status_code) == (200, 303)
        assert await status_of(world, booking_id) is BookingStatus.CANCELLED
    else:
        # Someone else's booking is as good as missing: the same answer as for a booking that
        # does not exist, with the week and an error summary.
        assert (asked.status_code, done.status_code) == (404, 404)
        summary = error_summary(done.text)
        assert "We could not find that booking" in summary and "Q1-03" not in summary
        assert await status_of(world, booking_id) is BookingStatus.BOOKED


# --- checking in ----------------------------------------------------------------------------------


async def test_check_in_is_offered_and_accepted_only_while_it_is_open(pages: Pages) -> None:
    world = pages.world
    world.clock.set_local(weekday(0), 7, 0)
    booking_id = await book(world, "ann", "Q1-03", weekday(0))  # 08:00–17:00; check-in 07:30–09:00
    check_in = f'action="/week/bookings/{booking_id}/check-in"'
    assert check_in not in await pages.week("ann")

    early = await pages.post("ann", f"/week/bookings/{booking_id}/check-in")
    assert early.status_code == 409
    assert error_summary(early.text) == (
        "There is a problem Check-in for desk Q1-03 opens at 07:30 on Monday 30 November."
    )
    assert f'href="#day-{weekday(0).isoformat()}"' in early.text
    assert "<title>Error: My week" in early.text
    assert await status_of(world, booking_id) is BookingStatus.BOOKED

    world.clock.set_local(weekday(0), 7, 45)
    card = day_card(await pages.week("ann"), weekday(0))
    assert check_in in card and "Check in at desk Q1-03" in text_of(card)
    done = await pages.post("ann", f"/week/bookings/{booking_id}/check-in")
    assert (done.status_code, done.headers["location"]) == (303, f"/?done=checked-in&booking={booking_id}")
    html = await pages.week("ann", done.headers["location"])
    assert status_region(html) == "You are checked in Desk Q1-03, Monday 30 November."
    card = day_card(html, weekday(0))
    assert "Checked in" in text_of(card) and check_in not in card


async def test_check_in_closes_at_the_deadline(pages: Pages) -> None:
    world = pages.world
    world.clock.set_local(weekday(0), 7, 0)
    booking_id = await book(world, "ann", "Q1-03", weekday(0))
    world.clock.set_local(weekday(0), 9, 5)
    assert f"/week/bookings/{booking_id}/check-in" not in await pages.week("ann")
    late = await pages.post("ann", f"/week/bookings/{booking_id}/check-in")
    assert late.status_code == 409
    assert "Check-in for desk Q1-03 on Monday 30 November has closed" in error_summary(late.text)


async def test_nobody_checks_in_for_someone_else(pages: Pages) -> None:
    world = pages.world
    world.clock.set_local(weekday(0), 7, 45)
    booking_id = await book(world, "ann", "Q1-03", weekday(0))
    refused = await pages.post("bob", f"/week/bookings/{booking_id}/check-in")
    assert refused.status_code == 404
    assert await status_of(world, booking_id) is BookingStatus.BOOKED


# --- who's in -------------------------------------------------------------------------------------


async def test_who_of_my_teams_is_in_respects_opting_out(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "Q1-04", weekday(2), Period.MORNING)
    await book(world, "eve", "Q1-06", weekday(2))  # not in ann's teams
    bob, eve = world.people["bob"].name, world.people["eve"].name
    card = text_of(day_card(await pages.week("ann"), weekday(2)))
    assert f"{bob} – desk Q1-04, morning" in card and eve not in card

    hidden = await pages.post("bob", "/profile/presence", {"hide_presence": "yes"})
    assert (hidden.status_code, hidden.headers["location"]) == (303, "/profile?done=presence-hidden#presence")
    card = text_of(day_card(await pages.week("ann"), weekday(2)))
    assert bob not in card and "Q1-04" not in card
    assert "Also in, not shown by name: 1" in card
    profile = await pages.get("bob", "/profile?done=presence-hidden")
    assert re.search(r'id="hide-presence"[^>]*checked', profile.text)
    assert "Your teams no longer see your name or desk" in status_region(profile.text)

    shown = await pages.post("bob", "/profile/presence", {})  # the box unticked
    assert shown.headers["location"] == "/profile?done=presence-shown#presence"
    assert bob in text_of(day_card(await pages.week("ann"), weekday(2)))
    async with world.db.read_session() as session:
        assert (await session.get(Employee, world.people["bob"].employee_id)).shares_presence  # type: ignore[union-attr]


async def test_i_am_not_listed_among_who_is_in(pages: Pages) -> None:
    world = pages.world
    await book(world, "ann", "Q1-03", weekday(2))
    card = day_card(await pages.week("ann"), weekday(2))
    assert world.people["ann"].name not in text_of(card.split('class="whos-in"')[1])


# --- the profile ----------------------------------------------------------------------------------


async def test_the_header_links_to_the_profile(pages: Pages) -> None:
    assert 'href="/profile"' in await pages.week("ann")
    profile = await pages.get("ann", "/profile")
    assert profile.status_code == 200
    said = text_of(profile.text)
    for heading in ("Language", "Who can see that you are in", "Calendar subscription", "Sign out"):
        assert heading in said
    assert 'action="/sign-out"' in profile.text and 'action="/sign-out/everywhere"' in profile.text


async def test_the_profile_creates_shows_once_and_stops_the_calendar_subscription(pages: Pages) -> None:
    profile = await pages.get("ann", "/profile")
    assert "Create calendar link" in text_of(profile.text) and "Stop subscription" not in profile.text

    created = await pages.post("ann", "/profile/calendar")
    assert created.status_code == 200
    url = re.search(
        r'id="feed-url"[^>]*value="(https://zones\.example\.dk/calendar/zf_[^"]+\.ics)"', created.text
    )
    webcal = re.search(
        r'id="feed-webcal"[^>]*value="(webcal://zones\.example\.dk/calendar/zf_[^"]+\.ics)"', created.text
    )
    assert url and webcal and webcal.group(1) == "webcal://" + url.group(1).removeprefix("https://")
    assert "readonly" in created.text and 'data-copy="feed-url"' in created.text
    assert "Calendar link created" in status_region(created.text)
    feed_path = url.group(1).removeprefix("https://zones.example.dk")
    feed = await pages.client.get(feed_path)
    assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text

    again = await pages.get("ann", "/profile")
    token = feed_path.split("/")[-1].removesuffix(".ics")
    assert token not in again.text  # only its hash is kept
    assert "Create new calendar link" in text_of(again.text) and "Stop subscription" in text_of(again.text)

    stopped = await pages.post("ann", "/profile/calendar/stop")
    assert (stopped.status_code, stopped.headers["location"]) == (
        303,
        "/profile?done=calendar-stopped#calendar",
    )
    assert (await pages.client.get(feed_path)).status_code == 404
    after = await pages.get("ann", stopped.headers["location"])
    assert "Subscription stopped" in status_region(after.text)
    assert "Stop subscription" not in after.text


async def test_a_new_calendar_link_replaces_the_old_one(pages: Pages) -> None:
    first = await pages.post("ann", "/profile/calendar")
    second = await pages.post("ann", "/profile/calendar")
    paths = [
        re.search(r'id="feed-url"[^>]*value="https://zones\.example\.dk([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        for page in (first, second)
    ]
    assert [(await pages.client.get(path)).status_code for path in paths] == [404, 200]


async def test_the_profile_needs_csrf_for_each_change(pages: Pages) -> None:
    for path in ("/profile/presence", "/profile/calendar", "/profile/calendar/stop"):
        assert (await pages.post("ann", path, csrf=False)).status_code == 403, path


async def test_the_profile_saves_the_language(pages: Pages) -> None:
    chosen = await pages.post(
        "ann", "/language", {"language": "da", "next": "/profile?done=language#language"}
    )
    assert (chosen.status_code, chosen.headers["location"]) == (303, "/profile?done=language#language")
    profile = await pages.get("ann", "/profile?done=language", language="en")
    assert '<html lang="da">' in profile.text
    assert re.search(r'id="language-da"[^>]*checked', profile.text)


async def test_pages_need_signing_in(pages: Pages) -> None:
    for path in ("/", "/profile"):
        page = await pages.client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")


async def test_going_again_to_an_address_a_form_answered_at_leads_back_to_the_page(pages: Pages) -> None:
    # A reload, or the footer's language switcher, after a refused check-in or a new calendar link.
    booking_id = await book(pages.world, "ann", "Q1-03", weekday(1))
    again = await pages.get("ann", f"/week/bookings/{booking_id}/check-in")
    assert (again.status_code, again.headers["location"]) == (303, "/")
    calendar = await pages.get("ann", "/profile/calendar")
    assert (calendar.status_code, calendar.headers["location"]) == (303, "/profile#calendar")


async def test_find_me_a_seat_books_for_the_days_activity_and_says_where(pages: Pages) -> None:
    world = pages.world
    await book(world, "bob", "C1-12", weekday(3))
    week = await pages.week("ann")
    assert "Find me a seat with my team" in week and "Find me a quiet seat" in week
    found = await pages.post("ann", "/week/find-a-seat", {"day": str(weekday(3)), "activity": "team"})
    assert found.status_code == 303, found.text[:300]
    assert found.headers["location"].startswith("/?done=found-team-neighbourhood&booking=")
    html = await pages.week("ann", found.headers["location"])
    assert status_region(html) == "Seat found Desk C1-08 on Thursday 3 December, in your team's area."
    again = await pages.post("ann", "/week/find-a-seat", {"day": str(weekday(3)), "activity": "focus"})
    assert again.status_code == 409  # one desk a day: the booking rules apply to the page too
    assert "There is a problem" in again.text


async def test_find_me_a_seat_needs_the_forms_csrf_token(pages: Pages) -> None:
    refused = await pages.post("ann", "/week/find-a-seat", {"day": str(weekday(3))}, csrf=False)
    assert refused.status_code == 403
