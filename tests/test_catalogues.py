"""The Danish and English catalogues: complete, in step with the text in the code and templates,
and shipped where the app reads them."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conftest import REPO
from zones.web.i18n import LOCALES, catalogue_path, from_accept_language, negotiate, translations

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def _extracted() -> set[str]:
    """Every msgid the code and templates use, as `pybabel extract -F babel.cfg -k N_` finds them."""
    with open(REPO / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(
        str(REPO / "src" / "zones"),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "N_": None},
    )
    ids: set[str] = set()
    for _, _, message, _, _ in found:
        ids.update([message] if isinstance(message, str) else [m for m in message if m])
    return ids


def _catalogue(locale: str) -> dict[str, str]:
    with open(catalogue_path(locale), "rb") as po:
        return {m.id: m.string for m in read_po(po, locale=locale) if m.id}  # type: ignore[misc]


def test_every_text_of_the_pages_is_in_both_catalogues_and_nothing_stale() -> None:
    used = _extracted()
    assert len(used) > 20, "extraction found too little: is babel.cfg right?"
    for locale in LOCALES:
        listed = set(_catalogue(locale))
        assert used - listed == set(), f"{locale}: not in the catalogue (run pybabel update, see babel.cfg)"
        assert listed - used == set(), f"{locale}: in the catalogue but no longer used"


def test_every_text_has_danish_with_the_same_placeholders() -> None:
    danish = _catalogue("da")
    untranslated = [msgid for msgid, text in danish.items() if not text]
    assert untranslated == []
    for msgid, text in danish.items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid


def test_the_glossary_words_are_used() -> None:
    danish = _catalogue("da")
    assert danish["Sign in"] == "Log ind" and danish["Sign out"] == "Log ud"
    assert danish["There is a problem"] == "Der er et problem"
    assert danish["Sign in with your organisation's account"] == "Log ind med din organisations konto"


def test_the_catalogues_compile_from_the_package() -> None:
    assert Path(catalogue_path("da")).is_file()
    assert translations("da").gettext("Sign in") == "Log ind"
    assert translations("en").gettext("Sign in") == "Sign in"


def test_the_language_is_the_profile_then_the_choice_then_the_browser_then_the_office() -> None:
    assert from_accept_language("en-GB,en;q=0.9,da;q=0.8") == "en"
    assert from_accept_language("de-DE, da;q=0.5, en;q=0.4") == "da"
    assert from_accept_language("fr, de") is None
    assert from_accept_language("da;q=0, en") == "en"
    pick = dict(accept_language="en", fallback="da")
    assert negotiate(profile="da", cookie="en", **pick) == "da"
    assert negotiate(profile=None, cookie="da", **pick) == "da"
    assert negotiate(profile=None, cookie=None, **pick) == "en"
    assert negotiate(profile=None, cookie=None, accept_language="fr", fallback="da") == "da"
