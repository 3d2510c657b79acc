"""The floor plan in a real browser, in Danish and English, on a desktop and a phone: the map, its
list and the confirmation page have no axe-core violations and no console or CSP errors; the map is
one tab stop whose arrow keys move between desks; a desk is booked with the keyboard alone; and a
phone 320 px wide never scrolls sideways."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser_support import DEVICES, LOCALES, SCREENSHOTS, Server, check_page, console_problems, open_page

every_page_view = pytest.mark.parametrize(
    ("locale", "device"), [(locale, device) for locale in LOCALES for device in DEVICES]
)


def sign_in(page: Page, server: Server, next_path: str = "/plan") -> None:
    """Sign in as the demo employee (the first "sign in as" button) and land on `next_path`."""
    page.goto(server.url(f"/sign-in?next={quote(next_path, safe='')}"))
    page.locator(".demo-people button").first.click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    if not page.url.startswith(server.url(next_path.split("?")[0])):
        page.goto(server.url(next_path))


def working_day(offset: int) -> date:
    """A weekday `offset` days or more from today (inside the demo's 21-day booking horizon)."""
    day = date.today() + timedelta(days=offset)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def focused(page: Page) -> dict[str, str | None]:
    return page.evaluate(
        """() => { const e = document.activeElement;
        return {tag: e.tagName.toLowerCase(), cls: e.getAttribute('class'), code: e.getAttribute('data-code'),
                x: e.getAttribute('data-x'), y: e.getAttribute('data-y')}; }"""
    )


def tab_to_map(page: Page) -> dict[str, str | None]:
    for _ in range(40):
        page.keyboard.press("Tab")
        now = focused(page)
        if (now["cls"] or "").startswith("desk "):
            return now
    raise AssertionError("Tab never reached the floor plan")


@every_page_view
def test_the_plan_its_list_and_the_confirmation_pass_axe(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    with open_page(browser, locale, device) as page:
        sign_in(page, server)
        expect(page.locator("svg.floor-map a.desk").first).to_be_attached()
        assert page.locator("svg.floor-map a.desk[tabindex='0']").count() == 1
        check_page(page, "plan")

        page.locator(".floor-tabs a:not([aria-current])").first.click()
        expect(page.locator(".floor-tabs a[aria-current=page]")).to_have_text("2nd floor")
        check_page(page, "plan-floor-2")

        # (found by address: the Danish words arrive with the catalogue)
        page.locator(".plan-list-link a[href^='/plan/list?']").click()
        expect(page.locator(".plan-list-link a[href^='/plan?']")).to_be_visible()
        check_page(page, "plan-list")

        page.goto(server.url("/plan?activity=quiet"))
        page.locator("a.desk-free").first.click()
        page.wait_for_url(lambda url: "/plan/book?" in url)
        expect(page.locator("main form button[type=submit]")).to_be_visible()
        check_page(page, "plan-confirm")


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
        sign_in(page, server)
        for path in ("/plan", "/plan/list"):
            page.goto(server.url(path))
            page.wait_for_load_state("load")
            width = page.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            assert width[0] <= width[1], f"{path} scrolls sideways at 320 px: {width}"
            page.screenshot(
                path=SCREENSHOTS / f"{path.strip('/').replace('/', '-')}-{locale}-320.png",
                full_page=True,
            )
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_the_map_is_one_tab_stop_and_the_arrow_keys_move_between_desks(
    browser: Browser, server: Server, locale: str
) -> None:
    with open_page(browser, locale, "desktop") as page:
        sign_in(page, server)
        requests: list[str] = []
        first = tab_to_map(page)
        page.on("request", lambda request: requests.append(request.url))
        tabindexes = page.eval_on_selector_all(
            "a.desk", "links => links.map(l => l.getAttribute('tabindex'))"
        )
        assert tabindexes.count("0") == 1 and set(tabindexes) == {"0", "-1"}

        page.keyboard.press("ArrowRight")
        right = focused(page)
        assert right["code"] != first["code"] and float(right["x"] or 0) > float(first["x"] or 0)
        assert abs(float(right["y"] or 0) - float(first["y"] or 0)) < 1, "stays in the row"
        page.keyboard.press("ArrowDown")
        down = focused(page)
        page.locator(".plan-map").screenshot(path=SCREENSHOTS / f"plan-keyboard-focus-{locale}.png")
        assert float(down["y"] or 0) > float(right["y"] or 0)
        page.keyboard.press("ArrowUp")
        assert focused(page)["code"] == right["code"]
        page.keyboard.press("ArrowLeft")
        assert focused(page)["code"] == first["code"]
        page.keyboard.press("ArrowRight")
        assert requests == [], "moving focus never calls the server"
        tabindexes = page.eval_on_selector_all(
            "a.desk", "links => links.map(l => l.getAttribute('tabindex'))"
        )
        assert tabindexes.count("0") == 1

        # Tab leaves the map; Shift+Tab comes back to the desk last focused.
        page.keyboard.press("Tab")
        assert not (focused(page)["cls"] or "").startswith("desk ")
        page.keyboard.press("Shift+Tab")
        assert focused(page)["code"] == right["code"]
        assert console_problems(page) == []


@pytest.mark.smoke
def test_a_desk_is_booked_with_the_keyboard_alone(browser: Browser, server: Server) -> None:
    day = working_day(15)
    with open_page(browser, "en", "desktop") as page:
        sign_in(page, server, f"/plan?day={day.isoformat()}&period=afternoon")
        desk = tab_to_map(page)
        for _ in range(60):  # on to a free desk (other tests may have booked some)
            if "desk-free" in (desk["cls"] or ""):
                break
            page.keyboard.press("ArrowRight")
            desk = focused(page)
        assert "desk-free" in (desk["cls"] or "")
        code = desk["code"]
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/plan/book?" in url)
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Book desk {code}")
        button = page.get_by_role("button", name=f"Book desk {code}")
        for _ in range(30):
            page.keyboard.press("Tab")
            if button.evaluate("b => b === document.activeElement"):
                break
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/plan?" in url and "booked=" in url)
        status = page.locator("#status")
        expect(status).to_contain_text(f"Desk {code} booked, ")
        expect(status).to_contain_text("afternoon")
        mine = page.locator(f"a.desk[data-code='{code}']")
        expect(mine).to_have_attribute("aria-label", re.compile(f"^Desk {code}, .*, your booking$"))
        check_page(page, "plan-booked")


@pytest.mark.parametrize("locale", LOCALES)
def test_a_refusal_shows_an_error_summary_that_takes_focus(
    browser: Browser, server: Server, locale: str
) -> None:
    with open_page(browser, locale, "phone") as page:
        sign_in(page, server, "/plan?activity=quiet")
        page.locator("a.desk-free").first.click()
        page.wait_for_url(lambda url: "/plan/book?" in url)
        saturday = working_day(3)
        saturday += timedelta(days=6 - saturday.isoweekday())
        page.locator("main form input[name=day]").evaluate(
            "(input, day) => { input.value = day }", saturday.isoformat()
        )
        with page.expect_navigation() as navigation:
            page.locator("main form button[type=submit]").click()
        response = navigation.value
        assert response is not None and response.status == 422
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(summary).to_contain_text({"da": "lørdag", "en": "Saturday"}[locale])
        check_page(page, "plan-refused")
