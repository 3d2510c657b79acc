"""My week and the profile in a real browser, in Danish and English, on a desktop and a phone: the
demo employee signs in, sees a booking made through the JSON API in My week, cancels it (asked
first), and uses the profile's calendar link (copied by the small script) and its presence choice.
Every page has no axe-core violations and no console or CSP errors, leaves a screenshot behind, and
a phone 320 px wide never scrolls sideways.

Elements are found by address or structure, not by their words, so the tests pass before and after
the Danish catalogue has the new text."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser_support import DEVICES, LOCALES, Server, check_page, console_problems, open_page

every_page_view = pytest.mark.parametrize(
    ("locale", "device"), [(locale, device) for locale in LOCALES for device in DEVICES]
)
OFFICE_ZONE = ZoneInfo("Europe/Copenhagen")


def sign_in(page: Page, server: Server) -> None:
    """Sign in as the demo employee (the first "sign in as" button); the start page is My week."""
    page.goto(server.url("/sign-in"))
    page.locator(".demo-people button").first.click()
    page.wait_for_url(server.url("/"))


def csrf_token(page: Page) -> str:
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token
    return token


def api(page: Page, method: str, path: str, server: Server, **kwargs: Any) -> Any:
    """A JSON API call with the browser's session (and its CSRF header, as HTMX would send it)."""
    response = page.request.fetch(
        server.url(path), method=method, headers={"X-CSRF-Token": csrf_token(page)}, **kwargs
    )
    return response


def book_a_desk(page: Page, server: Server) -> tuple[str, date]:
    """Book a free desk on a coming working day the person has no booking on yet (other browser
    tests share the demo server and may have booked some days); returns the booking's id and day."""
    site = api(page, "GET", "/sites", server).json()["items"][0]
    mine = api(page, "GET", "/bookings?limit=500", server).json()["items"]
    taken_days = {booking["day"] for booking in mine}
    today = datetime.now(OFFICE_ZONE).date()
    for offset in range(1, 14):
        day = today + timedelta(days=offset)
        if day.isoweekday() > 5 or day.isoformat() in taken_days:
            continue
        availability = api(
            page, "GET", f"/availability?site_id={site['id']}&day={day.isoformat()}", server
        ).json()
        free = [
            desk
            for zone in availability["zones"]
            for desk in zone["desks"]
            if desk["free"] and "accessible" not in desk["attributes"]
        ]
        for desk in free[:3]:
            made = api(
                page, "POST", "/bookings", server, data={"desk_id": desk["desk_id"], "day": day.isoformat()}
            )
            if made.status == 201:
                return str(made.json()["id"]), day
    raise AssertionError("no day in the next two weeks could be booked")


def no_sideways_scrolling(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at {widths[1]} px: {widths[0]} px wide"


@every_page_view
def test_my_week_shows_a_booking_that_can_be_cancelled(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    with open_page(browser, locale, device) as page:
        sign_in(page, server)
        booking_id, day = book_a_desk(page, server)
        page.goto(server.url("/"))
        card = page.locator(f"#day-{day.isoformat()}")
        expect(card.locator(f"a[href='/bookings/{booking_id}.ics']")).to_be_visible()
        today = page.locator("li.day").first
        expect(today.locator(".day-heading")).to_be_visible()
        check_page(page, "my-week")

        card.locator(f"a[href='/week/bookings/{booking_id}/cancel']").click()
        page.wait_for_url(server.url(f"/week/bookings/{booking_id}/cancel"))
        expect(page.locator("dl.summary-list")).to_be_visible()
        check_page(page, "cancel-booking")

        page.locator(f"form[action='/week/bookings/{booking_id}/cancel'] button[type=submit]").click()
        page.wait_for_url(server.url(f"/?done=cancelled&booking={booking_id}"))
        expect(page.locator("#status strong")).to_be_visible()
        expect(page.locator(f"a[href='/week/bookings/{booking_id}/cancel']")).to_have_count(0)
        expect(page.locator(f"#day-{day.isoformat()} a[href='/plan?day={day.isoformat()}']")).to_be_visible()
        check_page(page, "my-week-cancelled")


@every_page_view
def test_the_profile_makes_copies_and_stops_a_calendar_link(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    with open_page(browser, locale, device) as page:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base)
        sign_in(page, server)
        page.locator("header a[href='/profile']").click()
        page.wait_for_url(server.url("/profile"))
        expect(page.locator("#hide-presence")).to_be_visible()
        check_page(page, "profile")

        page.locator("form[action='/profile/calendar'] button").click()
        page.wait_for_url(server.url("/profile/calendar"))
        url = page.locator("#feed-url")
        expect(url).to_have_attribute("readonly", "")
        assert "/calendar/zf_" in (url.input_value() or "")
        assert page.locator("#feed-webcal").input_value().startswith("webcal://")
        copy = page.locator("button[data-copy='feed-url']")
        expect(copy).to_be_visible()  # the script shows it
        check_page(page, "profile-calendar-link")
        copy.click()
        expect(page.locator("#status")).to_contain_text(copy.get_attribute("data-copied") or "?")
        assert page.evaluate("navigator.clipboard.readText()") == url.input_value()

        page.locator("form[action='/profile/calendar/stop'] button").click()
        page.wait_for_url(server.url("/profile?done=calendar-stopped#calendar"))
        expect(page.locator("form[action='/profile/calendar/stop']")).to_have_count(0)
        assert console_problems(page) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_presence_choice_is_kept(browser: Browser, server: Server, locale: str) -> None:
    with open_page(browser, locale, "desktop") as page:
        sign_in(page, server)
        page.goto(server.url("/profile"))
        box = page.locator("#hide-presence")
        box.check()
        page.locator("form[action='/profile/presence'] button[type=submit]").click()
        page.wait_for_url(server.url("/profile?done=presence-hidden#presence"))
        expect(page.locator("#hide-presence")).to_be_checked()
        check_page(page, "profile-presence-saved")
        page.locator("#hide-presence").uncheck()
        page.locator("form[action='/profile/presence'] button[type=submit]").click()
        page.wait_for_url(server.url("/profile?done=presence-shown#presence"))
        expect(page.locator("#hide-presence")).not_to_be_checked()


@pytest.mark.parametrize("locale", LOCALES)
def test_a_phone_320_px_wide_never_scrolls_sideways_on_my_pages(
    browser: Browser, server: Server, locale: str
) -> None:
    with open_page(browser, locale, "phone") as page:
        page.set_viewport_size({"width": 320, "height": 640})
        sign_in(page, server)
        booking_id, _ = book_a_desk(page, server)
        for path in ("/", f"/week/bookings/{booking_id}/cancel", "/profile"):
            page.goto(server.url(path))
            no_sideways_scrolling(page)
        page.locator("form[action='/profile/calendar'] button").click()
        page.wait_for_url(server.url("/profile/calendar"))
        no_sideways_scrolling(page)
        check_page(page, "profile-calendar-link-320")
        page.goto(server.url("/"))
        check_page(page, "my-week-320")
        api(page, "DELETE", f"/bookings/{booking_id}", server)


def free_desk_on_the_plan(page: Page, server: Server, day: date) -> str:
    """A free desk of the plan shown that anyone may book now (the last in code order)."""
    free = plain_free_desks(page, server, day)
    desks = page.locator("svg.floor-map a.desk-free")
    codes = [desks.nth(n).get_attribute("data-code") for n in range(desks.count())]
    return sorted(c for c in codes if c in free)[-1]


def plain_free_desks(page: Page, server: Server, day: date) -> set[str]:
    """Codes of the free desks on a day that anyone may book now (accessible desks are held back)."""
    site = api(page, "GET", "/sites", server).json()["items"][0]
    availability = api(
        page, "GET", f"/availability?site_id={site['id']}&day={day.isoformat()}", server
    ).json()
    return {
        desk["code"]
        for zone in availability["zones"]
        for desk in zone["desks"]
        if desk["free"] and "accessible" not in desk["attributes"]
    }


@every_page_view
def test_a_booking_is_moved_from_my_week_to_another_desk_on_the_plan(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    with open_page(browser, locale, device) as page:
        sign_in(page, server)
        booking_id, day = book_a_desk(page, server)
        page.goto(server.url("/"))
        page.locator(f"#day-{day.isoformat()} a[href*='move={booking_id}']").click()
        page.wait_for_url(lambda url: "/plan?" in url and f"move={booking_id}" in url)
        expect(page.locator("#move-notice")).to_be_visible()
        expect(page.locator(f"#move-notice a[href='/#day-{day.isoformat()}']")).to_be_visible()
        if device == "phone":
            no_sideways_scrolling(page)
        check_page(page, "plan-move")

        code = free_desk_on_the_plan(page, server, day)
        page.locator(f"svg.floor-map a.desk[data-code='{code}']").click()
        page.wait_for_url(lambda url: "/plan/move?" in url)
        expect(page.locator("h1")).to_contain_text(code)
        if device == "phone":
            no_sideways_scrolling(page)
        check_page(page, "move-confirm")

        page.locator("main form[action='/plan/move'] button[type=submit]").click()
        page.wait_for_url(server.url(f"/?done=moved&booking={booking_id}"))
        expect(page.locator("#status strong")).to_be_visible()
        expect(page.locator("#status")).to_contain_text(code)
        expect(page.locator(f"#day-{day.isoformat()} .booking-desk")).to_contain_text(code)
        booking = api(page, "GET", f"/bookings/{booking_id}", server).json()
        assert booking["desk_code"] == code and booking["sequence"] == 1
        api(page, "DELETE", f"/bookings/{booking_id}", server)


@every_page_view
def test_a_weekly_series_is_booked_from_the_confirmation_page(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    with open_page(browser, locale, device) as page:
        sign_in(page, server)
        # A weekday next week: the series runs from it to the last bookable day.
        start = datetime.now(OFFICE_ZONE).date() + timedelta(days=7)
        while start.isoweekday() > 5:
            start += timedelta(days=1)
        page.goto(server.url(f"/plan?day={start.isoformat()}"))
        code = free_desk_on_the_plan(page, server, start)
        page.locator(f"svg.floor-map a.desk[data-code='{code}']").click()
        page.wait_for_url(lambda url: "/plan/book?" in url)
        series = page.locator("details.series")
        expect(series.locator("form")).to_be_hidden()  # folded away until asked for
        series.locator("summary").click()
        expect(page.locator(f"#series-weekday-{start.isoweekday()}")).to_be_checked()
        if device == "phone":
            no_sideways_scrolling(page)
        check_page(page, "series-form")

        series.locator("button").click()
        page.wait_for_url(server.url("/plan/book-series"))
        expect(page.locator("#booked li").first).to_be_visible()
        if device == "phone":
            no_sideways_scrolling(page)
        check_page(page, "series-result")
        mine = api(page, "GET", "/bookings?limit=500", server).json()["items"]
        made = [
            b for b in mine if b["series_id"] and b["desk_code"] == code and b["day"] >= start.isoformat()
        ]
        assert made and made[0]["day"] == start.isoformat()
        for booking in made:
            api(page, "DELETE", f"/bookings/{booking['id']}", server)


@pytest.mark.parametrize("locale", LOCALES)
def test_invalid_series_input_shows_an_error_summary_and_keeps_the_input(
    browser: Browser, server: Server, locale: str
) -> None:
    with open_page(browser, locale, "desktop") as page:
        sign_in(page, server)
        start = datetime.now(OFFICE_ZONE).date() + timedelta(days=8)
        while start.isoweekday() > 5:
            start += timedelta(days=1)
        page.goto(server.url(f"/plan?day={start.isoformat()}"))
        code = free_desk_on_the_plan(page, server, start)
        page.locator(f"svg.floor-map a.desk[data-code='{code}']").click()
        page.wait_for_url(lambda url: "/plan/book?" in url)
        page.locator("details.series summary").click()
        page.locator(f"#series-weekday-{start.isoweekday()}").uncheck()
        page.locator("#series-until").fill((start - timedelta(days=3)).isoformat())
        with page.expect_navigation() as navigation:
            page.locator("details.series button").click()
        assert navigation.value is not None and navigation.value.status == 422
        expect(page.locator(".error-summary")).to_be_focused()
        expect(page.locator(".error-summary li")).to_have_count(2)
        expect(page.locator("#series-until")).to_have_value((start - timedelta(days=3)).isoformat())
        expect(page.locator("details.series form")).to_be_visible()
        check_page(page, "series-invalid")
