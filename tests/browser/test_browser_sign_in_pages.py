"""Every sign-in page in a real browser: single sign-on through a real OpenID provider (signed in,
and "Zones doesn't know you yet"), the provider being down, the e-mail link's pages (sent, confirm,
used up) and too many attempts. Each page in Danish and English has no axe-core violations, no
console errors, and leaves a screenshot behind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import pytest
from playwright.sync_api import Browser, Page, expect

from server_support import free_port
from test_sign_in_oidc import CLIENT_ID, CLIENT_SECRET, running_provider

from .browser_support import (
    Server,
    check_page,
    database_for,
    demo_server,
    forget_console,
    open_page,
    sign_in_link,
)

PERSON: Final = "anders.olsen@kff.example.dk"
"""Someone of the demo staff."""
PROVIDER_USERS: Final[dict[str, dict[str, Any]]] = {
    "anders": {"email": "Anders.Olsen@KFF.example.dk", "email_verified": True, "name": "Anders Olsen"},
    "newcomer": {"email": "new.colleague@kff.example.dk", "email_verified": True, "name": "New Colleague"},
}
SSO_BUTTON: Final = {
    "da": "Log ind med din organisations konto",
    "en": "Sign in with your organisation's account",
}
WORDS: Final = {
    "da": {
        "unknown": "Zones kender dig ikke endnu",
        "down": "Vi kan ikke få forbindelse til din organisations login-tjeneste",
        "sent": "Tjek din e-mail",
        "confirm": "Log mig ind",
        "used": "Linket er udløbet eller allerede brugt",
        "too_many": "For mange forsøg",
        "send": "Send mig et login-link",
    },
    "en": {
        "unknown": "Zones doesn't know you yet",
        "down": "We can't reach your organisation's sign-in service",
        "sent": "Check your e-mail",
        "confirm": "Sign me in",
        "used": "This link has expired or was used",
        "too_many": "Too many attempts",
        "send": "Send me a sign-in link",
    },
}


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo office with single sign-on through a real OpenID provider."""
    folder = tmp_path_factory.mktemp("sso")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{base}/sign-in/sso/callback"],
    }
    with running_provider(folder, clients=[client], users=PROVIDER_USERS) as provider:
        settings = {
            "ZONES_PUBLIC_URL": base,
            "ZONES_OIDC_ISSUER": provider.issuer,
            "ZONES_OIDC_CLIENT_ID": CLIENT_ID,
            "ZONES_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "ZONES_LINK_LIMIT": "2",
        }
        with (
            database_for("postgresql", folder) as url,
            demo_server(folder, database_url=url, port=port, settings=settings) as server,
        ):
            yield server


@pytest.fixture(scope="module")
def provider_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo office configured for a provider that does not answer."""
    folder = tmp_path_factory.mktemp("sso-down")
    settings = {
        "ZONES_OIDC_ISSUER": f"http://127.0.0.1:{free_port()}",
        "ZONES_OIDC_CLIENT_ID": CLIENT_ID,
        "ZONES_OIDC_CLIENT_SECRET": CLIENT_SECRET,
    }
    with demo_server(folder, settings=settings) as server:
        yield server


def _at_the_provider(page: Page, user: str) -> None:
    """Sign in at the provider's (development) pages as `user` and consent."""
    page.locator("input[name=login]").fill(user)
    if page.locator("input[name=password]").count():
        page.locator("input[name=password]").fill("any")
    page.locator("button[type=submit]").first.click()
    page.wait_for_load_state("load")
    if page.locator("button[type=submit]").count() and "/interaction/" in page.url:
        page.locator("button[type=submit]").first.click()  # consent
    page.wait_for_load_state("load")
    forget_console(page)


@pytest.mark.parametrize("locale", ["da", "en"])
def test_single_sign_on_in_the_browser(browser: Browser, sso_server: Server, locale: str) -> None:
    with open_page(browser, locale, "desktop") as page:
        page.goto(sso_server.url("/sign-in"))
        page.get_by_role("link", name=SSO_BUTTON[locale]).click()
        _at_the_provider(page, "anders")
        page.wait_for_url(sso_server.url("/"))
        expect(page.locator(".who-name")).to_contain_text("Anders Olsen")
        check_page(page, "sso-signed-in")
    with open_page(browser, locale, "desktop") as page:
        page.goto(sso_server.url("/sign-in"))
        page.get_by_role("link", name=SSO_BUTTON[locale]).click()
        _at_the_provider(page, "newcomer")
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[locale]["unknown"])
        check_page(page, "sso-unknown-person")


@pytest.mark.parametrize("locale", ["da", "en"])
def test_a_provider_that_is_down_gets_a_clear_page(
    browser: Browser, provider_down: Server, locale: str
) -> None:
    with open_page(browser, locale, "phone") as page:
        page.goto(provider_down.url("/sign-in"))
        page.get_by_role("link", name=SSO_BUTTON[locale]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[locale]["down"])
        check_page(page, "sso-provider-down")


@pytest.mark.parametrize("locale", ["da", "en"])
def test_the_email_link_pages(browser: Browser, sso_server: Server, locale: str) -> None:
    words = WORDS[locale]
    with open_page(browser, locale, "phone") as page:
        page.goto(sso_server.url("/sign-in"))
        page.get_by_label("Arbejdsmail" if locale == "da" else "Work e-mail address").fill(
            f"nobody.{locale}@example.dk"
        )
        page.get_by_role("button", name=words["send"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(words["sent"])
        check_page(page, "link-sent")
        link = sign_in_link(sso_server, PERSON)
        page.goto(link)
        check_page(page, "link-confirm")
        page.get_by_role("button", name=words["confirm"]).click()
        page.wait_for_url(sso_server.url("/"))
        expect(page.locator(".who-name")).to_contain_text("Anders Olsen")
    with open_page(browser, locale, "phone") as page:  # the same link, in another browser
        page.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text(words["used"])
        expect(page.get_by_role("button", name=words["confirm"])).to_have_count(0)
        check_page(page, "link-used")


@pytest.mark.parametrize("locale", ["da", "en"])
def test_too_many_attempts_gets_a_page_that_says_how_long_to_wait(
    browser: Browser, sso_server: Server, locale: str
) -> None:
    words = WORDS[locale]
    with open_page(browser, locale, "desktop") as page:
        for _ in range(3):  # ZONES_LINK_LIMIT is 2 here
            page.goto(sso_server.url("/sign-in"))
            page.get_by_label("Arbejdsmail" if locale == "da" else "Work e-mail address").fill(
                f"busy.{locale}@example.dk"
            )
            page.get_by_role("button", name=words["send"]).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(words["too_many"])
        check_page(page, "too-many-attempts")
