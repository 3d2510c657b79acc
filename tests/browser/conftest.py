"""Fixtures for the browser tests: a demo server per database for the whole run, a headless chromium
per module.

Every browser test runs against PostgreSQL, the production database; the tests marked `smoke` run
against the embedded SQLite default as well. (The parameters are chosen at collection, so nothing
is skipped: a test not marked `smoke` simply has no SQLite variant.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from .browser_support import Server, chromium_path, database_for, demo_server

SMOKE_BACKENDS = ("postgresql", "sqlite")
FULL_BACKENDS = ("postgresql",)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "server" in metafunc.fixturenames:
        smoke = metafunc.definition.get_closest_marker("smoke") is not None
        metafunc.parametrize(
            "server", SMOKE_BACKENDS if smoke else FULL_BACKENDS, indirect=True, scope="session"
        )


@pytest.fixture(scope="session")
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo office served by `zones serve` on the test's database."""
    backend = str(request.param)
    folder = tmp_path_factory.mktemp(f"browser-server-{backend}")
    with database_for(backend, folder) as url, demo_server(folder, database_url=url) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless chromium for one test module: while Playwright's sync API is open it marks its
    event loop as running, which breaks `asyncio.run` in the async tests that follow, so it must
    close before the module ends (starting it takes about a second)."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), headless=True)
        try:
            yield launched
        finally:
            launched.close()
