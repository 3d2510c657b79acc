"""The employee's journeys in a real browser, each as a different person of the demo staff signed in
with an e-mail link: find a quiet desk on the plan, book it, see it in My week, download it to the
calendar (parsed with icalendar), cancel it; a booking refused because someone was quicker shows
the reason and an alternative that books in one click; find me a seat; check in."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from zones.db import create_database
from zones.models import Booking

from .browser_support import LOCALES, Server, check_page, open_page, sign_in_as

PEOPLE = {
    "journey": {"da": "anders.rasmussen@kff.example.dk", "en": "fatima.kristensen@kff.example.dk"},
    "quicker": {"da": "hanne.schmidt@kff.example.dk", "en": "henrik.mortensen@kff.example.dk"},
}
"""Who walks each journey (one person per journey and language, so no weekly cap gets in the way)."""
CHECKS_IN = "ida.frederiksen@kff.example.dk"
WORDS = {
    "da": {"cancelled": "Bookingen er aflyst", "found": "Plads fundet", "quiet": "stillezone"},
    "en": {"cancelled": "Booking cancelled", "found": "Seat found", "quiet": "quiet zone"},
}


def working_day(offset: int) -> date:
    day = date.today() + timedelta(days=offset)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def book_on_the_plan(page: Page, server: Server, day: date, *, activity: str = "quiet") -> str:
    """From the plan of `day` (desks of one activity), the first free desk, then its Book button:
    two clicks. Returns the desk's code."""
    page.goto(server.url(f"/plan?day={day.isoformat()}&activity={activity}"))
    desk = page.locator("a.desk-free").first
    code = desk.get_attribute("data-code") or ""
    desk.click()
    page.wait_for_url(lambda url: "/plan/book?" in url)
    page.locator("main form[action='/plan/book'] button[type=submit]").click()
    page.wait_for_url(lambda url: "booked=" in url)
    return code


@pytest.mark.parametrize("locale", LOCALES)
def test_a_quiet_desk_booked_on_the_plan_is_in_my_week_and_my_calendar_and_is_cancelled(
    browser: Browser, server: Server, locale: str
) -> None:
    day = working_day(9)
    with open_page(browser, locale, "desktop") as page:
        sign_in_as(page, server, PEOPLE["journey"][locale])
        code = book_on_the_plan(page, server, day)
        expect(page.locator("#status")).to_contain_text(code)
        expect(page.locator(f"a.desk[data-code='{code}']")).to_have_class(re.compile(r"\bdesk-mine\b"))
        assert (
            "quiet" in (page.locator(f"a.desk[data-code='{code}']").get_attribute("aria-label") or "").lower()
            or locale == "da"
        )

        page.locator("nav.primary-nav a[href='/']").click()
        card = page.locator(f"#day-{day.isoformat()}")
        expect(card).to_contain_text(code)
        with page.expect_download() as downloading:
            card.locator("a[href$='.ics']").click()
        ics = downloading.value.path().read_bytes()
        calendar = icalendar.Calendar.from_ical(ics)
        events = list(calendar.walk("VEVENT"))
        assert len(events) == 1 and str(calendar["METHOD"]) == "PUBLISH"
        assert events[0].decoded("DTSTART").date() == day
        assert code in str(events[0].get("SUMMARY")) + str(events[0].get("LOCATION"))

        card.locator("a[href$='/cancel']").click()
        page.locator("main form[action$='/cancel'] button[type=submit]").click()
        page.wait_for_url(lambda url: "done=cancelled" in url)
        expect(page.locator("#status")).to_contain_text(WORDS[locale]["cancelled"])
        expect(page.locator(f"#day-{day.isoformat()}")).not_to_contain_text(code)
        check_page(page, "week-cancelled")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_desk_someone_books_first_is_refused_with_an_alternative_that_books_in_one_click(
    browser: Browser, server: Server, locale: str
) -> None:
    day = working_day(10)
    with open_page(browser, locale, "desktop") as slow, open_page(browser, locale, "desktop") as quick:
        sign_in_as(slow, server, PEOPLE["journey"][locale])
        sign_in_as(quick, server, PEOPLE["quicker"][locale])
        slow.goto(server.url(f"/plan?day={day.isoformat()}&activity=quiet"))
        desk = slow.locator("a.desk-free").first
        code = desk.get_attribute("data-code") or ""
        desk.click()
        slow.wait_for_url(lambda url: "/plan/book?" in url)
        # Meanwhile the other person books that very desk.
        quick.goto(slow.url)
        quick.locator("main form[action='/plan/book'] button[type=submit]").click()
        quick.wait_for_url(lambda url: "booked=" in url)

        with slow.expect_navigation() as navigation:
            slow.locator("main form[action='/plan/book'] button[type=submit]").click()
        assert navigation.value is not None and navigation.value.status == 409
        summary = slow.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text(code)
        check_page(slow, "plan-refused-with-alternatives")
        alternative = slow.locator(".alternatives button[type=submit]").first
        other = re.search(r"[A-Z][A-Z0-9]*-[A-Z0-9]+", alternative.inner_text())
        assert other is not None and other.group(0) != code
        alternative.click()
        slow.wait_for_url(lambda url: "booked=" in url)
        expect(slow.locator("#status")).to_contain_text(other.group(0))
        expect(slow.locator(f"a.desk[data-code='{other.group(0)}']")).to_have_class(
            re.compile(r"\bdesk-mine\b")
        )


@pytest.mark.parametrize("locale", LOCALES)
def test_find_me_a_quiet_seat_books_one_from_my_week(browser: Browser, server: Server, locale: str) -> None:
    with open_page(browser, locale, "phone") as page:
        sign_in_as(page, server, PEOPLE["quicker"][locale])
        day = working_day(3)
        card = page.locator(f"#day-{day.isoformat()}")
        card.locator("button[value=focus]").click()
        page.wait_for_url(lambda url: "done=found-" in url)
        expect(page.locator("#status")).to_contain_text(WORDS[locale]["found"])
        expect(page.locator(f"#day-{day.isoformat()} a[href$='/cancel']")).to_have_count(1)
        check_page(page, "week-seat-found")


def _open_check_in_now(server: Server, desk_booking_day: date) -> None:
    """Arrange that the booking's check-in window is open now (the demo server keeps real time):
    it starts in five minutes and may be checked in for an hour."""
    now = datetime.now(UTC)

    async def shift() -> None:
        database = create_database(server.database_url or "")
        async with database.write_session() as session:
            await session.execute(
                update(Booking)
                .where(Booking.day == desk_booking_day, Booking.status == "booked")
                .values(starts_at=now + timedelta(minutes=5), check_in_by=now + timedelta(hours=1))
            )
        await database.dispose()

    with ThreadPoolExecutor(1) as thread:  # Playwright's sync API holds this thread's event loop
        thread.submit(asyncio.run, shift()).result()


def test_check_in_from_my_week(browser: Browser, server: Server) -> None:
    day = working_day(4)
    with open_page(browser, "en", "desktop") as page:
        sign_in_as(page, server, CHECKS_IN)
        code = book_on_the_plan(page, server, day, activity="collaboration")
        page.goto(server.url("/"))
        expect(page.locator(f"#day-{day.isoformat()} form[action$='/check-in']")).to_have_count(0)
        _open_check_in_now(server, day)
        page.reload()
        page.locator(f"#day-{day.isoformat()} form[action$='/check-in'] button").click()
        page.wait_for_url(lambda url: "done=checked-in" in url)
        expect(page.locator("#status")).to_contain_text(f"Desk {code}")
        expect(page.locator("#status")).to_contain_text("You are checked in")
        check_page(page, "week-checked-in")
