"""README.md stays true: CI runs its test command, and its example office file is valid."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file

README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    run_command, test_command = (block.strip() for block in _blocks("sh")[:2])
    assert "zones demo" in run_command
    assert test_command.endswith("pytest")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_readme_example_office_file_is_valid(tmp_path: Path) -> None:
    example = next(block for block in _blocks("toml") if "[site]" in block)
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    office = load_office_file(path, load_policy_file(default_policy_file()))
    assert office.site.key == "hq"
    assert [team.kind.value for team in office.teams] == ["team", "circle"]
    assert office.policy.planning.weights.preferred_day == 80


def test_every_file_the_readme_links_or_shows_is_in_the_repository() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"\]\(((?:docs|config|bench|src|tests)/[^)#\s]+)\)", readme)
    assert any(path.endswith(".png") for path in linked), "the README shows screenshots of the pages"
    missing = [path for path in linked if not (REPO / path).is_file()]
    assert missing == []
