"""Checking calendar output with two independent parsers: icalendar and Mozilla's ical.js."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

JS = Path(__file__).resolve().parent / "js"


@cache
def _node_ready() -> str | None:
    """None when ical.js can run, else why not. Installs the pinned ical.js on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "Node.js (node and npm) is not installed"
    if not (JS / "node_modules" / "ical.js").is_dir():
        result = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True, timeout=300
        )
        if result.returncode != 0:
            return f"npm ci failed: {result.stderr.strip()[-300:]}"
    return None


def require_ical_js() -> None:
    """Skip (locally) or fail (under CI) when ical.js cannot be run."""
    reason = _node_ready()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must check calendars with ical.js")
        pytest.skip(reason)


def ical_js(text: str) -> dict[str, Any]:
    """What ical.js (strict mode) reads from `text`; fails the test if it cannot parse it."""
    require_ical_js()
    result = subprocess.run(
        ["node", str(JS / "parse_ics.mjs")], input=text, capture_output=True, text=True, timeout=60
    )
    parsed: dict[str, Any] = json.loads(result.stdout or "{}")
    assert parsed.get("ok"), f"ical.js refused the calendar: {parsed.get('error')}\n{text}"
    return parsed


def parse_both(text: str) -> tuple[Calendar, dict[str, Any]]:
    """Parse with icalendar and with ical.js; both must accept it."""
    return Calendar.from_ical(text), ical_js(text)


def assert_wire_format(text: str) -> None:
    """RFC 5545: CRLF line ends, lines folded at 75 octets."""
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in lines)
    longest = max(lines, key=lambda line: len(line.encode("utf-8")))
    assert len(longest.encode("utf-8")) <= 75, longest
