"""What the browser tests share: a real Zones server with the demo office, Debian's chromium driven
by Playwright, and `check_page`, which runs axe-core on a page and keeps a screenshot of it.

Screenshots land in `test-output/screenshots/<name>-<locale>-<desktop|phone>.png` under the clone,
for people to look at (the folder is ignored by git).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote
from weakref import WeakKeyDictionary

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, ConsoleMessage, Page

from conftest import create_postgres_database, drop_postgres_database
from server_support import zones_serve

REPO: Final = Path(__file__).resolve().parents[2]
SCREENSHOTS: Final = REPO / "test-output" / "screenshots"
CHROMIUM: Final = Path(os.environ.get("ZONES_TEST_CHROMIUM", "/usr/bin/chromium"))
LOCALES: Final = ("da", "en")
BROWSER_LOCALE: Final = {"da": "da-DK", "en": "en-GB"}
"""What each language's browser says in `Accept-Language` (and `navigator.language`)."""
DEVICES: Final[dict[str, dict[str, Any]]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}
AXE: Final = Axe()
AXE_OPTIONS: Final = {"resultTypes": ["violations"]}
"""Every axe-core rule that applies (WCAG 2.x A and AA, and best practices)."""

CSP_LISTENER: Final = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
"""Runs before the page's own scripts (Playwright injects it past the page's CSP)."""
MAIN_DOCUMENT_STATUS: Final = re.compile(
    r"Failed to load resource: the server responded with a status of [45]"
)


def chromium_path() -> Path:
    """Debian's chromium, or skip the browser tests (fail them under CI, where they must run)."""
    if CHROMIUM.exists():
        return CHROMIUM
    reason = f"no chromium at {CHROMIUM} (apt-get install chromium; never `playwright install`)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser tests must run")
    pytest.skip(reason)


# Server ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    base: str
    folder: Path
    database_url: str

    def url(self, path: str) -> str:
        return self.base + path


@contextmanager
def database_for(backend: str, folder: Path) -> Iterator[str | None]:
    """A new empty database of `backend` for a demo server (None: the server's own SQLite file in
    `folder`). PostgreSQL's is created and dropped on a thread of its own: while Playwright's sync
    API is open, this thread's event loop counts as running."""
    if backend == "sqlite":
        yield None
        return
    with ThreadPoolExecutor(1) as thread:
        url = thread.submit(create_postgres_database).result()
        try:
            yield url
        finally:
            thread.submit(drop_postgres_database, url).result()


@contextmanager
def demo_server(
    folder: Path,
    *,
    database_url: str | None = None,
    port: int | None = None,
    settings: dict[str, str] | None = None,
) -> Iterator[Server]:
    """`zones demo --no-serve` on a fresh database (`database_url`, else a SQLite file in `folder`),
    then `ZONES_DEMO=1 zones serve` on a free port (or `port`), both as subprocesses of this Python
    (so they run the code under test), with any further ZONES_* `settings`."""
    database_url = database_url or f"sqlite:///{folder / 'zones.db'}"
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("ZONES_")}
        | {
            "ZONES_DATABASE_URL": database_url,
            "ZONES_DATA_DIR": str(folder),
            "ZONES_RELEASE_INTERVAL": "0",
            "ZONES_WORKERS": "1",
        }
        | (settings or {})
    )
    log_path = folder / "server.log"
    with log_path.open("w") as log:
        loaded = subprocess.run(
            [sys.executable, "-m", "zones", "demo", "--no-serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=120,
        )
    if loaded.returncode != 0:
        pytest.fail(f"`zones demo --no-serve` failed: {log_path.read_text()[-3000:]}")
    with zones_serve(env | {"ZONES_DEMO": "1"}, folder, "demo-server", port) as base:
        yield Server(base, folder, database_url)


def sign_in_link(server: Server, email: str) -> str:
    """`zones user link EMAIL` against the server's database: what an administrator would send."""
    env = {"ZONES_DATABASE_URL": server.database_url, "ZONES_PUBLIC_URL": server.base}
    done = subprocess.run(
        [sys.executable, "-m", "zones", "user", "link", email],
        env={**{k: v for k, v in os.environ.items() if not k.startswith("ZONES_")}, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return next(word for word in done.stdout.split() if word.startswith(server.base))


def sign_in_as(page: Page, server: Server, email: str) -> None:
    """Sign in as anyone on the staff list with an e-mail sign-in link, and land on My week."""
    page.goto(sign_in_link(server, email))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(server.url("/"))


# Pages ----------------------------------------------------------------------------------------


@dataclass
class Visit:
    """What a test expects of one browser tab, and what the tab reported on its console."""

    locale: str
    device: str
    console: list[tuple[str, str]] = field(default_factory=list)
    """(what was reported, the URL it was about)"""


_visits: WeakKeyDictionary[Page, Visit] = WeakKeyDictionary()


@contextmanager
def open_page(browser: Browser, locale: str, device: str) -> Iterator[Page]:
    """A tab in a fresh browser context that speaks `locale` on a `device` ("desktop" or "phone")."""
    context = browser.new_context(locale=BROWSER_LOCALE[locale], **DEVICES[device])
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    visit = Visit(locale, device)
    _visits[page] = visit

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            url = message.location.get("url", "")
            visit.console.append((f"{message.type}: {message.text} ({url})", url))

    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.console.append((f"uncaught: {error}", "")))
    try:
        yield page
    finally:
        context.close()


def expect_locale(page: Page, locale: str) -> None:
    """The language the page should speak from now on (after the footer switcher)."""
    _visits[page].locale = locale


def forget_console(page: Page) -> None:
    """Forget what the tab reported so far: the pages of another site it went through (the identity
    provider's sign-in pages load their own fonts and icons) are not Zones' to answer for."""
    _visits[page].console.clear()


def console_problems(page: Page) -> list[str]:
    """Console errors, uncaught errors and CSP violations the tab has seen so far. Chromium logs an
    error status of the page itself (a 403 refusal) as a failed load; the tests check that status."""
    seen = [
        text
        for text, url in _visits[page].console
        if not (
            unquote(url) == unquote(page.url) and MAIN_DOCUMENT_STATUS.match(text.removeprefix("error: "))
        )
    ]
    seen += [f"CSP: {text}" for text in page.evaluate("window.__cspViolations || []")]
    return seen


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary[:300]}")
    return "\n".join(lines)


def check_page(page: Page, name: str) -> Path:
    """Asserts the page speaks the expected language, has no axe-core violations and no console
    errors, and saves a full-page screenshot; returns the screenshot's path."""
    visit = _visits[page]
    page.wait_for_load_state("load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / f"{name}-{visit.locale}-{visit.device}.png"
    page.screenshot(path=str(shot), full_page=True)
    lang = page.evaluate("document.documentElement.lang")
    assert lang == visit.locale, f"{name}: <html lang={lang!r}>, expected {visit.locale!r}"
    results = AXE.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert not violations, (
        f"{name} ({visit.locale}, {visit.device}) has {len(violations)} accessibility "
        f"violation(s) at {page.url}:\n{format_violations(violations)}"
    )
    problems = console_problems(page)
    assert not problems, f"{name} ({visit.locale}, {visit.device}): console reported:\n" + "\n".join(problems)
    return shot
