"""`zones analytics` over the hand-counted office of `test_analytics`: tables, JSON, CSV, errors."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

from click.testing import CliRunner

from test_analytics import build_office
from zones.cli import main
from zones.db import create_database


def _office(url: str, folder: Path) -> None:
    async def build() -> None:
        database = create_database(url)
        try:
            await build_office(database, folder)
        finally:
            await database.dispose()

    asyncio.run(build())


def _zones(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--database-url", url, *args])
    return result.exit_code, result.stdout, result.stderr


WEEK = ("--from", "2026-11-30", "--to", "2026-12-04")


def test_analytics_prints_a_row_per_zone_with_the_threshold_warnings(clean_url: str, tmp_path: Path) -> None:
    _office(clean_url, tmp_path)
    code, out, err = _zones(clean_url, "analytics", "hq", *WEEK)
    assert code == 0, err
    # Zone c: 16 of 30 half-days (53 %), peak 100 % on Monday; zone q 7 of 20 (35 %).
    assert "Collab" in out and "53%" in out and "100%" in out and "Mon 30 Nov" in out
    assert "Quiet" in out and "35%" in out
    assert "6.0 breach" in out and "9.0 warning" in out
    assert (
        "breach:" in out
        and "Quiet on 2026-12-01: floor area per person 6.00 m², breach level 8 (British" in out
    )
    assert "1 below, 3 within, 1 above, of 5 people" in out
    assert "no finished plan" in out


def test_analytics_writes_json_and_csv(clean_url: str, tmp_path: Path) -> None:
    _office(clean_url, tmp_path)
    target = tmp_path / "out.csv"
    code, out, err = _zones(
        clean_url, "analytics", "hq", *WEEK, "--by", "day", "--json", "--csv", str(target)
    )
    assert code == 0, err
    body = json.loads(out)
    assert body["by"] == "day"
    assert body["groups"][0]["average_utilisation"] == 0.46
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert [row["booked_half_days"] for row in rows] == ["9", "6", "2", "0", "6"]
    assert rows[0]["utilisation"] == "0.9000"


def test_an_unknown_site_and_a_backwards_range_are_one_line_errors(clean_url: str, tmp_path: Path) -> None:
    _office(clean_url, tmp_path)
    code, _, err = _zones(clean_url, "analytics", "nowhere", *WEEK)
    assert code == 1 and err.strip() == "error: no site 'nowhere'"
    code, _, err = _zones(clean_url, "analytics", "hq", "--from", "2026-12-04", "--to", "2026-11-30")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "before it starts" in err
