"""Danish and English for the web pages: gettext catalogues shipped as `.po` files in the package,
compiled in memory when first used, and which language a request gets.

A page's language is, in order: the signed-in person's choice (their profile), the language chosen
with the footer switcher (a cookie, before signing in), the browser's `Accept-Language`, and else
the office's: Danish for a site in Denmark, otherwise English (or `ZONES_LOCALE`).
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from importlib.resources import files
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES: Final = ("da", "en")
"""The languages Zones speaks, each named in itself by the switcher."""
LANGUAGE_NAMES: Final = {"da": "Dansk", "en": "English"}
DOMAIN: Final = "messages"
LOCALE_COOKIE: Final = "zones_lang"


def catalogue_path(locale: str) -> str:
    """Where the locale's `.po` file lies inside the installed package."""
    return str(files("zones.web") / "locale" / locale / "LC_MESSAGES" / f"{DOMAIN}.po")


@cache
def translations(locale: str) -> gettext.GNUTranslations:
    """The compiled catalogue of `locale` (one of `LOCALES`)."""
    if locale not in LOCALES:
        raise ValueError(f"Zones has no {locale!r} catalogue; it speaks {', '.join(LOCALES)}")
    with open(catalogue_path(locale), "rb") as po:
        catalogue = read_po(po, locale=locale, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def supported(locale: str | None) -> str | None:
    """`locale` reduced to a language Zones speaks (`da-DK` → `da`), or None."""
    if not locale:
        return None
    language = locale.strip().replace("_", "-").split("-")[0].lower()
    return language if language in LOCALES else None


def from_accept_language(header: str) -> str | None:
    """The first language of an `Accept-Language` header that Zones speaks, by quality."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        if language := supported(tag):
            return language
    return None


def locale_of_country(country: str | None) -> str:
    """The office's language when nobody said: Danish in Denmark (and its realm), else English."""
    return "da" if (country or "").upper() in {"DK", "GL", "FO"} else "en"


def negotiate(*, profile: str | None, cookie: str | None, accept_language: str, fallback: str) -> str:
    """The language of a page (see the module's docstring for the order)."""
    return (
        supported(profile)
        or supported(cookie)
        or from_accept_language(accept_language)
        or supported(fallback)
        or "en"
    )


def N_(message: str) -> str:
    """Marks text for the catalogue that is translated later, where it is shown (`_(text)` in a template)."""
    return message
