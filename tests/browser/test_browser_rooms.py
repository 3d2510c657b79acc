"""The workshop room pages in a real browser, in Danish and English, on a desktop and a phone: the
rooms of a day and the booking form (also with its error summary) have no axe-core violations and
no console or CSP errors; a room is booked with a colleague found by the search (HTMX) and shows in
My room bookings; without script the search still works; a phone 320 px wide never scrolls
sideways."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser_support import DEVICES, LOCALES, SCREENSHOTS, Server, check_page, console_problems, open_page

every_page_view = pytest.mark.parametrize(
    ("locale", "device"), [(locale, device) for locale in LOCALES for device in DEVICES]
)


def sign_in(page: Page, server: Server, next_path: str) -> None:
    """Sign in as the demo employee (the first "sign in as" button) and land on `next_path`."""
    page.goto(server.url(f"/sign-in?next={quote(next_path, safe='')}"))
    page.locator(".demo-people button").first.click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    if not page.url.startswith(server.url(next_path)):
        page.goto(server.url(next_path))


def working_day(offset: int) -> date:
    """A weekday `offset` days or more from today (inside the demo's 21-day booking horizon)."""
    day = date.today() + timedelta(days=offset)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def no_sideways_scroll(page: Page, what: str) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert width[0] <= width[1], f"{what} scrolls sideways: {width}"


@every_page_view
def test_the_rooms_and_the_booking_form_pass_axe(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    day = working_day(4)
    with open_page(browser, locale, device) as page:
        sign_in(page, server, f"/workshop-rooms?day={day.isoformat()}")
        expect(page.locator(".room-card").first).to_be_visible()
        check_page(page, "rooms")

        page.locator("a.room-book").first.click()
        page.wait_for_url(lambda url: "/workshop-rooms/book?" in url)
        expect(page.locator("#title")).to_be_visible()
        check_page(page, "rooms-book")

        # No title: the error summary takes focus and links to the field.
        with page.expect_navigation() as navigation:
            page.locator("form.room-form button.button:not(.button-secondary)").click()
        response = navigation.value
        assert response is not None and response.status == 422
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary.locator("a[href='#title']")).to_be_visible()
        check_page(page, "rooms-book-refused")


@pytest.mark.smoke
def test_a_room_is_booked_with_a_colleague_found_by_the_search(browser: Browser, server: Server) -> None:
    day = working_day(6)
    with open_page(browser, "en", "desktop") as page:
        sign_in(page, server, f"/workshop-rooms?day={day.isoformat()}")
        room = page.locator(".room-card").filter(has=page.locator("a.slot")).first
        name = room.locator(".room-name").inner_text().strip()
        room.locator("a.slot").first.click()
        page.wait_for_url(lambda url: "/workshop-rooms/book?" in url)
        page.locator("#title").fill("Journey mapping")

        # Typing asks for matching colleagues (HTMX); the count is said in the status region.
        page.locator("#q").press_sequentially("sen", delay=30)
        found = page.locator("#people-found input[type=checkbox]").first
        expect(found).to_be_visible()
        expect(page.locator("#people-status")).to_contain_text("Colleagues found for")
        person_id = found.get_attribute("id")
        colleague = page.locator(f"label[for='{person_id}']").evaluate("l => l.firstChild.textContent.trim()")
        found.check()
        check_page(page, "rooms-book-search")

        expect(page.get_by_role("button", name=f"Book {name}", exact=True)).to_have_count(1)
        page.locator("#title").press("Enter")  # Enter in a field books (the search is not the default)
        page.wait_for_url(lambda url: "done=booked" in url)
        expect(page.locator("#status")).to_contain_text("Room booked")
        booking = page.locator(".my-booking").filter(has_text="Journey mapping")
        expect(booking).to_contain_text(name)
        expect(booking).to_contain_text(colleague)
        check_page(page, "rooms-booked")
        assert console_problems(page) == []


def test_without_script_the_search_reloads_the_form_keeping_what_was_filled_in(
    browser: Browser, server: Server
) -> None:
    day = working_day(5)
    context = browser.new_context(
        locale="en-GB", java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    try:
        page = context.new_page()
        sign_in(page, server, f"/workshop-rooms?day={day.isoformat()}")
        page.locator("a.room-book").first.click()
        page.wait_for_url(lambda url: "/workshop-rooms/book?" in url)
        page.locator("#title").fill("Kick-off")
        page.locator("#q").fill("sen")
        page.get_by_role("button", name="Search", exact=True).click()
        page.wait_for_url(lambda url: "q=sen" in url)
        assert "csrf_token" not in page.url
        expect(page.locator("#title")).to_have_value("Kick-off")
        expect(page.locator("#people-found input[type=checkbox]").first).to_be_visible()
        expect(page.locator("#people-status")).to_contain_text("Colleagues found for")
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_a_phone_320_px_wide_never_scrolls_sideways(browser: Browser, server: Server, locale: str) -> None:
    context = browser.new_context(
        locale={"da": "da-DK", "en": "en-GB"}[locale],
        viewport={"width": 320, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        page = context.new_page()
        sign_in(page, server, f"/workshop-rooms?day={working_day(4).isoformat()}")
        page.wait_for_load_state("load")
        no_sideways_scroll(page, "/workshop-rooms at 320 px")
        page.screenshot(path=SCREENSHOTS / f"rooms-{locale}-320.png", full_page=True)
        page.locator("a.room-book").first.click()
        page.wait_for_url(lambda url: "/workshop-rooms/book?" in url)
        page.locator("#q").fill("sen")
        page.locator("#q").press("Enter")
        expect(page.locator("#people-found input[type=checkbox]").first).to_be_visible()
        no_sideways_scroll(page, "/workshop-rooms/book at 320 px")
        page.screenshot(path=SCREENSHOTS / f"rooms-book-{locale}-320.png", full_page=True)
    finally:
        context.close()
