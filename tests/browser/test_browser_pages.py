"""The first pages in a real browser, in Danish and English, on a desktop and a phone: signing in
(the demo's "sign in as"), the start page, signing out, the refusal of a forged form; each page has
no axe-core violations, no console errors and no CSP violations, and leaves a screenshot behind."""

from __future__ import annotations

from typing import Final

import pytest
from playwright.sync_api import Browser, Page, expect

from zones.web.render import HTMX_FILE

from .browser_support import DEVICES, LOCALES, Server, check_page, console_problems, expect_locale, open_page

WORDS: Final = {
    "da": {
        "sign_in_heading": "Log ind i Zones",
        "sign_in_as": "Log ind som",
        "send_link": "Send mig et login-link",
        "sign_out": "Log ud",
        "signed_out": "Du er logget ud",
        "refused": "Formularen er udløbet",
        "skip": "Gå til hovedindhold",
        "problem": "Der er et problem",
        "error": "Fejl:",
    },
    "en": {
        "sign_in_heading": "Sign in to Zones",
        "sign_in_as": "Sign in as",
        "send_link": "Send me a sign-in link",
        "sign_out": "Sign out",
        "signed_out": "You are signed out",
        "refused": "This form has expired",
        "skip": "Skip to main content",
        "problem": "There is a problem",
        "error": "Error:",
    },
}

every_page_view = pytest.mark.parametrize(
    ("locale", "device"), [(locale, device) for locale in LOCALES for device in DEVICES]
)


def _demo_buttons(page: Page, locale: str) -> list[str]:
    buttons = page.locator(".demo-people button")
    expect(buttons.first).to_contain_text(WORDS[locale]["sign_in_as"])
    return [text.strip() for text in buttons.all_inner_texts()]


@pytest.mark.smoke
@every_page_view
def test_sign_in_as_a_demo_person_then_sign_out(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    words = WORDS[locale]
    with open_page(browser, locale, device) as page:
        page.goto(server.url("/sign-in"))
        expect(page.get_by_role("heading", level=1)).to_have_text(words["sign_in_heading"])
        assert len(_demo_buttons(page, locale)) == 3, "one demo person per role"
        check_page(page, "sign-in")

        page.locator(".demo-people button").first.click()
        page.wait_for_url(server.url("/"))
        expect(page.locator(".who")).to_be_visible()
        check_page(page, "start")

        page.get_by_role("button", name=words["sign_out"], exact=True).click()
        page.wait_for_url(server.url("/signed-out"))
        expect(page.get_by_role("heading", level=1)).to_have_text(words["signed_out"])
        check_page(page, "signed-out")


@every_page_view
def test_a_form_with_a_wrong_token_is_refused_with_a_page(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    with open_page(browser, locale, device) as page:
        page.goto(server.url("/sign-in"))
        form = page.locator(".demo-people form").first
        form.locator("input[name=csrf_token]").evaluate("input => { input.value = 'forged' }")
        with page.expect_navigation() as navigation:
            form.get_by_role("button").click()
        response = navigation.value
        assert response is not None and response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS[locale]["refused"])
        expect(page.locator(".who")).to_have_count(0)  # nobody was signed in
        expect(page.locator("main a[href='/']")).to_have_count(1)  # a way on
        check_page(page, "csrf-refused")


@every_page_view
def test_an_empty_email_address_shows_the_error_summary(
    browser: Browser, server: Server, locale: str, device: str
) -> None:
    with open_page(browser, locale, device) as page:
        page.goto(server.url("/sign-in"))
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name=WORDS[locale]["send_link"]).click()
        response = navigation.value
        if response is not None and response.status in (404, 405):
            pytest.skip("POST /sign-in/link is not there yet (src/zones/auth/links.py)")
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary.get_by_role("heading")).to_have_text(WORDS[locale]["problem"])
        expect(summary.locator("a[href='#email']")).to_have_count(1)
        expect(summary).to_be_focused()  # read out first, without any script
        assert page.title().startswith(WORDS[locale]["error"] + " ")
        expect(page.locator("#email")).to_have_attribute("aria-describedby", "email-hint email-error")
        check_page(page, "sign-in-error")


def test_the_footer_switches_the_language(browser: Browser, server: Server) -> None:
    with open_page(browser, "en", "desktop") as page:
        page.goto(server.url("/sign-in"))
        expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
        page.get_by_role("button", name="Dansk").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS["da"]["sign_in_heading"])
        assert page.url == server.url("/sign-in")
        expect_locale(page, "da")
        check_page(page, "sign-in-switched")

        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(WORDS["en"]["sign_in_heading"])
        expect_locale(page, "en")
        assert page.evaluate("document.documentElement.lang") == "en"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    browser: Browser, server: Server, locale: str
) -> None:
    with open_page(browser, locale, "desktop") as page:
        page.goto(server.url("/sign-in"))
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.className, document.activeElement.textContent]")
        assert focused == ["skip-link", WORDS[locale]["skip"]]
        expect(page.locator(".skip-link")).to_be_in_viewport()
        check_page(page, "skip-link-focused")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null"), "the next stop is in main"


def test_htmx_2_0_loads_from_static_without_console_errors(browser: Browser, server: Server) -> None:
    with open_page(browser, "en", "desktop") as page:
        with page.expect_response(lambda r: HTMX_FILE in r.url) as htmx_response:
            page.goto(server.url("/sign-in"))
        response = htmx_response.value
        assert response.url.startswith(server.url(f"/static/{HTMX_FILE}?v="))
        assert response.status == 200 and "javascript" in response.headers["content-type"]
        page.wait_for_function("window.htmx !== undefined")
        assert str(page.evaluate("window.htmx.version")).startswith("2.0")
        assert console_problems(page) == []
