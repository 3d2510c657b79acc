"""Text people type, kept clean: the one definition of a single line of text, shared by the API,
office and staff files, the CLI and the optimizer's scenario files.

Nothing stored may break a mail header, an iCalendar line or a terminal, so free text refuses
control characters (NUL, ESC, BEL, CR, LF …) and Unicode line breaks, and keeps every letter,
digit, emoji and space.
"""

from __future__ import annotations

import re
from typing import Annotated

from msgspec import Meta


def whole(pattern: str) -> str:
    """A regex that must match the whole value, for `Meta(pattern=...)`.

    msgspec searches with Python's `re`, whose `$` also matches before a trailing newline, so a
    plain `^...$` lets `"hq\\n"` through; `(?!\\n)` closes that gap and means nothing in the
    ECMAScript regexes that read the OpenAPI document.
    """
    return f"^(?:{pattern})$(?!\\n)"


CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
"""C0 and C1 control characters (NUL, tab, CR, LF, ESC, BEL …), DEL and the Unicode line breaks."""
SINGLE_LINE_PATTERN = whole(f"[^{CONTROL_CHARACTERS}]*")
TEXT_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]*$"
"""Text that may span lines: tabs and line feeds, no other control characters."""
SINGLE_LINE_RULE = "must be one line of text without control characters"
"""What a value that fails `SingleLine` is told (the API, office files, staff files and the CLI)."""

SingleLine = Annotated[
    str, Meta(pattern=SINGLE_LINE_PATTERN, description="One line of text: no control characters")
]
"""Clean single-line text: any Unicode letters, digits, punctuation, emoji and spaces; no control
characters, NUL or line breaks. Every free-text value people type (names, titles, e-mail addresses,
keys) is one, so nothing stored can break a mail header, an iCalendar line or a terminal."""
Text = Annotated[str, Meta(pattern=TEXT_PATTERN, description="Text: line feeds and tabs, no other controls")]
"""Longer text that may span lines (notes)."""

_CONTROL_CHARACTER = re.compile(f"[{CONTROL_CHARACTERS}]")


def control_character(text: str) -> str | None:
    """The first character `SingleLine` refuses in `text`, as `U+001B`, or None when it is clean."""
    found = _CONTROL_CHARACTER.search(text)
    return f"U+{ord(found[0]):04X}" if found else None


def single_line_problem(text: str) -> str | None:
    """Why `text` is not one clean line (`must be one line … (found U+001B)`), or None when it is."""
    found = control_character(text)
    return f"{SINGLE_LINE_RULE} (found {found})" if found else None
