"""The floor plan's drawing in a real browser: the floor with the workshop rooms passes axe-core in
Danish and English on a desktop and a phone, and its rooms are reached with the arrow keys inside the
map's one tab stop (with a visible focus) and opened with Enter."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser_support import DEVICES, LOCALES, SCREENSHOTS, Server, check_page, console_problems, open_page

every_page_view = pytest.mark.parametrize(
    ("locale", "device"), [(locale, device) for locale in LOCALES for device in DEVICES]
)
ROOM_NAME = re.compile(r"^\w+ (Amager|Havnen|Vesterbro), [\w ]+, \D*\d+\D*, \w")
"""A room's accessible name: "Room Havnen, facilitation zone, seats 14, free all day" (or in Danish)."""
FOCUS_FILL = "rgb(255, 221, 0)"
"""The focus colour (`--focus`) a focused desk or room is filled with."""


def sign_in(page: Page, server: Server, next_path: str = "/plan") -> None:
    """Sign in as the demo employee (the first "sign in as" button) and land on `next_path`."""
    page.goto(server.url(f"/sign-in?next={quote(next_path, safe='')}"))
    page.locator(".demo-people button").first.click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    if not page.url.startswith(server.url(next_path.split("?")[0])):
        page.goto(server.url(next_path))


def open_rooms_floor(page: Page, server: Server) -> None:
    """Sign in and open the floor whose facilitation zone holds the workshop rooms."""
    sign_in(page, server)
    page.locator(".floor-tabs a", has_text="2nd floor").click()
    expect(page.locator(".floor-tabs a[aria-current=page]")).to_have_text("2nd floor")
    expect(page.locator("svg.floor-map a.room")).to_have_count(3)


def focused(page: Page) -> dict[str, str | None]:
    found: dict[str, str | None] = page.evaluate(
        """() => { const e = document.activeElement;
        return {cls: e.getAttribute('class'), code: e.getAttribute('data-code'),
                name: e.getAttribute('aria-label'), href: e.getAttribute('href')}; }"""
    )
    return found


@every_page_view
def test_the_floor_with_rooms_passes_axe(browser: Browser, server: Server, locale: str, device: str) -> None:
    with open_page(browser, locale, device) as page:
        open_rooms_floor(page, server)
        rooms = page.locator("svg.floor-map a.room")
        names = rooms.evaluate_all("links => links.map(l => l.getAttribute('aria-label'))")
        # (the room's name and seats, in words of either language: the Danish arrive with the catalogue)
        assert all(ROOM_NAME.match(name) for name in names), names
        assert page.locator("svg.floor-map g.use-bar[aria-hidden=true]").count() >= 3
        check_page(page, "plan-rooms")
        page.locator(".plan-list-link a[href^='/plan/list?']").click()
        expect(page.locator("table.room-table tr.room-row")).to_have_count(3)
        check_page(page, "plan-rooms-list")


@pytest.mark.smoke
@pytest.mark.parametrize("locale", LOCALES)
def test_rooms_are_reached_with_the_arrow_keys_and_opened_with_enter(
    browser: Browser, server: Server, locale: str
) -> None:
    with open_page(browser, locale, "desktop") as page:
        open_rooms_floor(page, server)
        # Rooms share the map's one tab stop with the desks: only one place has tabindex 0.
        tabindexes = page.eval_on_selector_all(
            "svg.floor-map a.desk, svg.floor-map a.room",
            "links => links.map(l => l.getAttribute('tabindex'))",
        )
        assert tabindexes.count("0") == 1 and set(tabindexes) == {"0", "-1"}
        for _ in range(40):
            page.keyboard.press("Tab")
            if (focused(page)["cls"] or "").startswith("desk "):
                break
        else:
            raise AssertionError("Tab never reached the floor plan")
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        for _ in range(12):  # down through the desk rows into the facilitation zone below
            page.keyboard.press("ArrowDown")
            if (focused(page)["cls"] or "").startswith("room"):
                break
        room = focused(page)
        assert (room["cls"] or "").startswith("room"), room
        assert ROOM_NAME.match(room["name"] or ""), room
        tile = page.locator(f"a.room[data-code='{room['code']}'] .room-tile")
        assert tile.evaluate("t => getComputedStyle(t).fill") == FOCUS_FILL, "a focused room shows its focus"
        page.locator(".plan-map").screenshot(path=SCREENSHOTS / f"plan-room-focus-{locale}.png")
        # The arrow keys move between the rooms, and back up to the desks.
        page.keyboard.press("ArrowRight")
        other = focused(page)
        assert (other["cls"] or "").startswith("room") and other["code"] != room["code"]
        page.keyboard.press("ArrowUp")
        assert (focused(page)["cls"] or "").startswith("desk ")
        page.keyboard.press("ArrowDown")
        back = focused(page)
        assert (back["cls"] or "").startswith("room")
        assert requests == [], "moving focus never calls the server"
        assert console_problems(page) == []
        # Tab leaves the map; Shift+Tab comes back to the room last focused.
        page.keyboard.press("Tab")
        assert not (focused(page)["cls"] or "").startswith(("desk ", "room"))
        page.keyboard.press("Shift+Tab")
        assert focused(page)["code"] == back["code"]
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/workshop-rooms?" in url)
        opened = parse_qs(urlsplit(page.url).query)
        assert urlsplit(page.url).path == "/workshop-rooms"
        assert opened["room"] and opened["day"] and f"room={opened['room'][0]}" in (back["href"] or "")
