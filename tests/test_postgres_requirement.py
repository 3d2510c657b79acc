"""PostgreSQL tests skip with a reason locally, but fail under CI, when PostgreSQL is unreachable."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO

TARGET = "tests/test_migrations.py::test_upgrade_is_idempotent[postgresql]"
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/postgres"


def _pytest(ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"ZONES_TEST_DATABASE_URL": UNREACHABLE}
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", TARGET, "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unreachable_postgres_skips_with_the_reason_outside_ci() -> None:
    result = _pytest(ci=False)
    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "PostgreSQL at postgresql://postgres@127.0.0.1:1/postgres is unreachable" in result.stdout


def test_unreachable_postgres_fails_under_ci() -> None:
    result = _pytest(ci=True)
    assert result.returncode == 1, result.stdout
    assert "CI is set, so PostgreSQL tests must run" in result.stdout
    assert "skipped" not in result.stdout
