"""The planner's pages in a real browser, in Danish and English, on a desktop and a phone: a planner
opens the office overview, adds a closure, looks at analytics and the plan runs, and reviews a
finished plan; every page has no axe-core violations, no console or CSP errors, never scrolls
sideways on a phone, and leaves a screenshot behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect

from .browser_support import DEVICES, LOCALES, Server, check_page, console_problems, open_page

every_page_view = pytest.mark.parametrize(
    ("locale", "device"), [(locale, device) for locale in LOCALES for device in DEVICES]
)
WORDS = {
    "da": {"overview": "Overblik over kontoret", "added": "Lukkedage tilføjet", "planning": "Planlægning"},
    "en": {"overview": "Office overview", "added": "Closure added", "planning": "Planning"},
}


def sign_in_as_planner(page: Page, server: Server, next_path: str = "/planning") -> None:
    """Sign in as the demo planner (the second "sign in as" button: employee, planner, admin)."""
    page.goto(server.url(f"/sign-in?next={quote(next_path, safe='')}"))
    page.locator(".demo-people button").nth(1).click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
    if not page.url.startswith(server.url(next_path)):
        page.goto(server.url(next_path))


WIDE_ELEMENTS = """
[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => !e.closest(".table-scroll"))
  .slice(0, 5)
  .map(e => `${e.tagName.toLowerCase()}.${e.className} (${Math.round(e.getBoundingClientRect().right)} px)`)
"""


def no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}: {page.evaluate(WIDE_ELEMENTS)}"


def look(page: Page, name: str) -> None:
    check_page(page, name)
    no_sideways_scroll(page)


def charts_drawn(page: Page) -> None:
    """Wait until the chart images have loaded (drawing them takes the server a moment)."""
    for _ in range(100):
        if page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the charts did not load")


def closure_day(locale: str, device: str) -> date:
    """A weekday a few weeks ahead, different for each view (so each adds its own closure)."""
    offset = 30 + 7 * (LOCALES.index(locale) * len(DEVICES) + list(DEVICES).index(device))
    day = date.today() + timedelta(days=offset)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


@every_page_view
def test_a_planner_opens_the_overview_adds_a_closure_and_reads_analytics_and_runs(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    words = WORDS[locale]
    with open_page(browser, locale, device) as page:
        sign_in_as_planner(page, server)
        expect(page.locator("nav.primary-nav a[href='/planning']")).to_have_text(words["planning"])
        expect(page.get_by_role("heading", level=1)).to_contain_text(words["overview"])
        expect(page.locator(".bar-row").first).to_be_visible()
        look(page, "planning-overview")

        page.locator(".planning-nav a[href='/planning/closures']").click()
        page.wait_for_url(lambda url: "/planning/closures" in url)
        look(page, "planning-closures")
        day = closure_day(locale, device)
        page.locator("#starts_on").fill(day.isoformat())
        page.locator("#place").select_option(index=2)  # the first floor's first zone
        page.locator("#reason").fill("Deep clean" if locale == "en" else "Hovedrengøring")
        page.locator("form[action='/planning/closures'] button[type=submit]").click()
        page.wait_for_url(lambda url: "done=closure-added" in url)
        expect(page.locator("#status")).to_contain_text(words["added"])
        look(page, "planning-closure-added")

        page.locator(".planning-nav a[href='/planning/analytics']").click()
        page.wait_for_url(lambda url: "/planning/analytics" in url)
        expect(page.locator("table.data-table").first).to_be_visible()
        charts_drawn(page)
        look(page, "planning-analytics")

        page.locator(".planning-nav a[href='/planning/runs']").click()
        page.wait_for_url(lambda url: "/planning/runs" in url)
        expect(page.locator("#week")).to_be_visible()
        look(page, "planning-runs")

        page.locator(".planning-nav a[href='/planning/staff']").click()
        page.wait_for_url(lambda url: "/planning/staff" in url)
        look(page, "planning-staff")
        page.locator(".planning-nav a[href='/planning/office']").click()
        page.wait_for_url(lambda url: "/planning/office" in url)
        look(page, "planning-office")
        assert console_problems(page) == []


def plan_in_the_servers_database(server: Server, week: str, folder: Path) -> str:
    """`zones plan` against the server's database (what a planner's run does, in a terminal): the id
    of the finished plan."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZONES_")} | {
        "ZONES_DATABASE_URL": server.database_url
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "zones",
            "plan",
            "--week",
            week,
            "--time-limit",
            "6",
            "--seed",
            "1",
            "--out",
            str(folder),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r"plan ([0-9a-f-]{36}) stored", done.stdout)
    assert found, done.stdout[-2000:]
    return found[1]


@pytest.fixture(scope="module")
def finished_plan(server: Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    monday = date.today() + timedelta(days=14 - date.today().weekday())
    year, week, _ = monday.isocalendar()
    return plan_in_the_servers_database(server, f"{year}-W{week:02d}", tmp_path_factory.mktemp("plan"))


@every_page_view
def test_a_planner_reviews_a_finished_plan(
    browser: Browser, server: Server, finished_plan: str, locale: str, device: str
) -> None:
    with open_page(browser, locale, device) as page:
        sign_in_as_planner(page, server, f"/planning/runs/{finished_plan}")
        expect(page.locator("table.heatmap")).to_be_visible()
        expect(page.locator("#run-progress")).to_have_count(0)
        if device == "desktop":  # who sits where: 140 people, too long a page for a phone's screenshot
            page.locator("details summary").first.click()
        look(page, "planning-review")
        assert console_problems(page) == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_planner_starts_a_run_follows_it_and_cancels_it(
    browser: Browser, server: Server, locale: str
) -> None:
    with open_page(browser, locale, "desktop") as page:
        sign_in_as_planner(page, server, "/planning/runs")
        far = date.today() + timedelta(weeks=20 + LOCALES.index(locale))
        year, week, _ = far.isocalendar()
        page.locator("#week").fill(f"{year}-W{week:02d}")
        page.locator("#time_limit").select_option("600")
        page.locator("form[action='/planning/runs'] button[type=submit]").click()
        page.wait_for_url(lambda url: re.search(r"/planning/runs/[0-9a-f-]{36}", url) is not None)
        expect(page.locator("#run-progress")).to_be_visible()
        expect(page.locator("#run-progress")).to_have_attribute("hx-trigger", "every 1s")
        look(page, "planning-run-progress")
        page.locator("#run-actions button[type=submit]").click()
        page.wait_for_url(lambda url: "done=" in url)
        expect(page.locator("#status strong")).to_be_visible()
        look(page, "planning-run-cancelled")
        assert console_problems(page) == []
