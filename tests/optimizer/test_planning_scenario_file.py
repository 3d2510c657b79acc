"""Scenario files round-trip through JSON, and broken files name the file and the key path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zones.office.errors import ConfigError
from zones.optimizer.planning import generate_scenario, read_scenario, write_scenario


def test_a_generated_scenario_round_trips_through_a_json_file(tmp_path: Path) -> None:
    scenario = generate_scenario(employees=60, desk_ratio=0.65, weeks=2, seed=7)
    path = tmp_path / "office.json"
    write_scenario(scenario, path)
    assert read_scenario(path) == scenario
    assert json.loads(path.read_text())["days"][0] == "2026-03-02"


def broken_copy(tmp_path: Path, edit: str) -> Path:
    """Write a small scenario, apply `edit` to its JSON (a Python statement on `doc`), return the path."""
    path = tmp_path / "broken.json"
    write_scenario(generate_scenario(employees=20, desk_ratio=0.7, seed=1), path)
    doc = json.loads(path.read_text())
    exec(edit, {"doc": doc})
    path.write_text(json.dumps(doc))
    return path


def test_a_wrong_value_names_the_file_and_the_key_path(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "doc['employees'][3]['share'] = 1.5")
    with pytest.raises(ConfigError) as caught:
        read_scenario(path)
    [line] = caught.value.lines
    assert line.startswith(f"{path}: employees[3].share ")
    assert "<= 1" in line


def test_an_unknown_key_is_an_error_not_silently_ignored(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "doc['zones'][0]['ceiling_m'] = 2.7")
    with pytest.raises(ConfigError) as caught:
        read_scenario(path)
    assert "zones[0]" in caught.value.lines[0]
    assert "ceiling_m" in caught.value.lines[0]


def test_a_reference_to_an_unknown_team_names_the_key_path(tmp_path: Path) -> None:
    path = broken_copy(tmp_path, "doc['employees'][2]['teams'] = ['T0001', 'no-such-team']")
    with pytest.raises(ConfigError) as caught:
        read_scenario(path)
    assert caught.value.lines == [
        f"{path}: employees[2].teams[1] 'no-such-team' is not a team in this scenario"
    ]


def test_a_file_that_is_not_json_says_so(tmp_path: Path) -> None:
    path = tmp_path / "garbage.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError) as caught:
        read_scenario(path)
    assert caught.value.lines[0].startswith(f"{path}: is not valid JSON")
