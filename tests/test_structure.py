"""The codebase keeps one shape: one way to write, typed errors, weekdays and layout in one place.

These read the source as text, so a shortcut (a handler that commits, a controller that builds a
problem by hand, a second list of weekday names) fails here before review.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO

SRC = REPO / "src" / "zones"


def _python_files(*exclude: str) -> list[Path]:
    return [
        path
        for path in sorted(SRC.rglob("*.py"))
        if not any(part in exclude for part in path.relative_to(SRC).parts)
    ]


def _where(pattern: str, files: list[Path]) -> list[str]:
    found = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    return found


def test_only_the_database_layer_begins_writers_and_commits() -> None:
    files = [p for p in _python_files("migrations") if p.relative_to(SRC).parts[0] != "db"]
    assert _where(r"(\.|await )commit\(|mark_as_writer|begin_writer", files) == []


BACKGROUND_WRITERS = {
    "plans/run.py",
    "jobs/worker.py",
    "plans/whatif.py",
    "bookings/release.py",
    "calendar/sender.py",
    "auth/usage.py",
}
"""Work that runs outside any request (plan runs and their workers, no-show release, the mail
sender, the minute's notes of when sessions and tokens were used)."""


def test_only_background_work_and_the_cli_open_write_sessions_of_their_own() -> None:
    # A request already holds its write transaction (on SQLite the one writer's turn): code it
    # calls that opened a second writer would wait for its own request.
    files = [
        p
        for p in _python_files("cli", "db", "migrations")
        if p.relative_to(SRC).as_posix() not in BACKGROUND_WRITERS
    ]
    found = _where(r"write_session\(|open_writer\(", files)
    assert [line.split(":")[0] for line in found] == ["src/zones/server/session.py"], found


def test_no_module_that_defines_routes_builds_a_problem_by_hand() -> None:
    routes = [
        p for p in _python_files() if re.search(r"^\s*@(get|post|put|patch|delete)\(", p.read_text(), re.M)
    ]
    assert routes, "the route modules were not found"
    assert _where(r"ProblemDetailsException|HTTPException|(?<![\w.])problem\(", routes) == []


def _defines_routes(path: Path) -> bool:
    return bool(re.search(r"^\s*@(get|post|put|patch|delete)\(", path.read_text(), re.M))


def test_domain_errors_carry_no_http_status() -> None:
    # Controllers and pages (modules that define routes) are the HTTP edge; services are not.
    services = [p for p in _python_files("server", "cli", "web") if not _defines_routes(p)]
    assert _where(r"status_code=|\b(40[0-9]|422)\b,\s*\"", services) == []


def test_weekday_names_are_spelled_out_in_one_place() -> None:
    found = _where(r"[\"']tue[\"']", _python_files())
    assert found and {line.split(":")[0] for line in found} == {"src/zones/weekdays.py"}, found


def test_no_cli_module_is_over_300_lines() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in (SRC / "cli").glob("*.py")}
    assert sizes and max(sizes.values()) <= 300, sizes


def test_the_cli_holds_no_sql() -> None:
    assert (
        _where(r"\bselect\(|session\.(execute|scalar|scalars|get)\(", list((SRC / "cli").glob("*.py"))) == []
    )


def test_time_comes_from_the_injectable_clock() -> None:
    found = _where(r"datetime\.now\(|date\.today\(|datetime\.utcnow\(", _python_files("optimizer"))
    assert [line for line in found if not line.startswith("src/zones/clock.py")] == []


def test_readme_layout_names_every_package_and_only_existing_paths() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    listed = {line.split()[0].rstrip("/") for line in layout.strip().splitlines() if not line[0].isspace()}
    for path in listed:
        assert (REPO / path).exists(), f"README's layout names {path}, which does not exist"
    packages = {str(p.parent.relative_to(REPO)) for p in SRC.glob("*/__init__.py")}
    assert packages <= listed, f"README's layout misses {sorted(packages - listed)}"
