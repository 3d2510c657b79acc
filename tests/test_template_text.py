"""Every word a page shows goes through the catalogues: a template holds no user-visible text of its
own outside `_()` / `{% trans %}` — neither between tags nor in the attributes people read or hear
(alt, title, placeholder, aria-label, value of buttons)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from conftest import REPO

TEMPLATES = REPO / "src" / "zones" / "web" / "templates"
JINJA = re.compile(r"\{%-?\s*trans\b.*?endtrans\s*-?%\}|\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
"""Translated blocks, comments, statements and expressions: what is left is the template's own text."""
ALLOWED = {"Zones", "https", "webcal"}
"""Words that are the same in every language: the product's name, URL schemes."""
SPOKEN_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description", "label"}
WORD = re.compile(r"[^\W\d_]{2,}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value:
                self._check(value, f"{tag}[{name}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._check(data, "text")

    def _check(self, text: str, where: str) -> None:
        words = [w for w in WORD.findall(text) if w not in ALLOWED]
        if words:
            self.found.append(f"{where}: {text.strip()[:80]!r}")


def _untranslated(path: Path) -> list[str]:
    source = JINJA.sub(" ", path.read_text(encoding="utf-8"))
    parser = _Text()
    parser.feed(source)
    return parser.found


def test_no_template_shows_text_outside_the_catalogues() -> None:
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) >= 8
    found = {str(t.relative_to(TEMPLATES)): _untranslated(t) for t in templates}
    assert {name: text for name, text in found.items() if text} == {}


def test_the_check_sees_text_between_tags_and_in_spoken_attributes(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<p>{{ _("Fine") }}</p><p>Book desk</p><img alt="Floor plan" src="x">'
        "<button aria-label=\"{{ _('Fine') }}\">{% trans %}Fine{% endtrans %}</button>"
    )
    assert _untranslated(page) == ["text: 'Book desk'", "img[alt]: 'Floor plan'"]
