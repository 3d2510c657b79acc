"""The whole booking flow with the keyboard alone, as someone who cannot use a mouse does it: sign
in, open the floor plan for a free day from My week, move over the map with the arrow keys, book a
desk, go back to My week and cancel the booking, with nothing but Tab, Shift+Tab, Enter and the
arrow keys, and a visible focus at every stop along the way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .browser_support import LOCALES, Server, check_page, open_page

FOCUS_VISIBLE = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "nothing has focus";
  const focus = "rgb(255, 221, 0)";
  const style = getComputedStyle(e);
  const target = e.querySelector(".desk-target, .room-tile");
  const shown = style.backgroundColor === focus
    || (style.outlineStyle !== "none" && style.outlineColor === focus && style.outlineWidth !== "0px")
    || style.boxShadow.includes(focus)
    || (target !== null && getComputedStyle(target).fill === focus);
  const name = `<${e.tagName.toLowerCase()} class="${e.className.baseVal ?? e.className}">`;
  return shown ? "" : `no visible focus on ${name}`;
}"""
"""Whether the focused element shows the focus colour (a yellow background, outline or shadow, or
on the map a yellow desk or room): the house focus style, after GOV.UK Frontend."""


def focus_problem(page: Page) -> str:
    return str(page.evaluate(FOCUS_VISIBLE))


def tab_to(page: Page, target: Locator, *, limit: int = 250) -> int:
    """Press Tab until `target` has focus, checking at each stop that the focus is visible; returns
    the number of presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement"):
            assert focus_problem(page) == "", f"at the target: {focus_problem(page)}"
            return presses
        problem = focus_problem(page)
        assert problem == "", f"after {presses} Tab presses: {problem} ({page.url})"
    raise AssertionError(f"{limit} Tab presses never reached {target}")


def press_enter_and_wait(page: Page, url_part: str) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(lambda url: url_part in url)


@pytest.mark.smoke
@pytest.mark.parametrize("locale", LOCALES)
def test_sign_in_book_and_cancel_a_desk_with_the_keyboard_alone(
    browser: Browser, server: Server, locale: str
) -> None:
    with open_page(browser, locale, "desktop") as page:
        page.goto(server.url("/sign-in"))
        # Sign in: the demo offers a button per person.
        tab_to(page, page.locator(".demo-people button").nth(1 if locale == "da" else 2))
        press_enter_and_wait(page, "/")
        expect(page.locator("h1")).to_be_visible()

        # My week: the last day with no booking, and its "Find a desk".
        find = page.locator("a[href^='/plan?day=']").last
        href = find.get_attribute("href") or ""
        day = re.search(r"day=([0-9-]+)", href)
        assert day is not None, href
        tab_to(page, find)
        press_enter_and_wait(page, "/plan?")

        # The map is one tab stop; the arrow keys go from desk to desk, to a free one.
        first_desk = page.locator("a.desk[tabindex='0']")
        tab_to(page, first_desk)
        for _ in range(120):
            cls = page.evaluate("document.activeElement.getAttribute('class')") or ""
            if "desk-free" in cls:
                break
            page.keyboard.press("ArrowRight")
            assert focus_problem(page) == ""
        else:
            raise AssertionError("no free desk reached with the arrow keys")
        code = page.evaluate("document.activeElement.getAttribute('data-code')")
        press_enter_and_wait(page, "/plan/book?")

        # The confirmation: one button books.
        book = page.locator("main form[action='/plan/book'] button[type=submit]").first
        tab_to(page, book)
        press_enter_and_wait(page, "booked=")
        expect(page.locator("#status")).to_contain_text(code)
        expect(page.locator(f"a.desk[data-code='{code}']")).to_have_class(re.compile(r"\bdesk-mine\b"))

        # Back to My week through the header, and the booking is there to cancel.
        tab_to(page, page.locator("header a.brand"))
        press_enter_and_wait(page, server.url("/"))
        cancel = page.locator(f"#day-{day.group(1)} a[href$='/cancel']")
        expect(cancel).to_have_count(1)
        tab_to(page, cancel)
        press_enter_and_wait(page, "/cancel")
        confirm = page.locator("main form[action$='/cancel'] button[type=submit]")
        tab_to(page, confirm)
        press_enter_and_wait(page, "done=cancelled")
        expect(page.locator("#status")).to_contain_text(code)
        expect(page.locator(f"#day-{day.group(1)} a[href$='/cancel']")).to_have_count(0)
        check_page(page, "week-after-keyboard-flow")
