"""plan.json has one shape, whether the plan came from the database or from a scenario file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from zones.cli import main
from zones.office.paths import demo_office_file, demo_staff_file


def _zones(url: str, *args: str | Path) -> str:
    result = CliRunner().invoke(main, ["--database-url", url, *map(str, args)])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_database_and_scenario_runs_write_plan_json_with_the_same_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'zones.db'}"
    _zones(url, "db", "upgrade")
    _zones(url, "office", "load", demo_office_file())
    _zones(url, "staff", "import", demo_staff_file())
    _zones(url, "plan", "--week", "2026-W50", "--time-limit", "2", "--seed", "1", "--out", tmp_path / "db")
    scenario = tmp_path / "scenario.json"
    _zones(url, "plan", "generate", "--employees", "30", "--seed", "1", "--out", scenario)
    _zones(url, "plan", "scenario", scenario, "--time-limit", "2", "--out", tmp_path / "file")

    from_database = json.loads((tmp_path / "db" / "plan.json").read_text())
    from_file = json.loads((tmp_path / "file" / "plan.json").read_text())
    assert from_database.keys() == from_file.keys()
    assert from_database["seats"][0].keys() == from_file["seats"][0].keys()
    for document in (from_database, from_file):
        assert document["days"] and document["flags"], "every run carries the days and the flags"
        assert "notes" in document and all(flag["source"] and "basis" in flag for flag in document["flags"])
    assert from_file["days"] == json.loads(scenario.read_text())["days"]
    assert from_file["plan_id"] is None
    assert from_database["plan_id"] and "@" in from_database["seats"][0]["email"]
