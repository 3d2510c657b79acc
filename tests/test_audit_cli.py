"""`zones audit show` lists the sign-in trail newest first, filtered by person or kind; `zones user
link` makes a sign-in link an administrator can hand over when e-mail is off."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import select

from sign_in_support import ANN, BO, seed_people
from zones.auth.links import use_link
from zones.cli import main
from zones.db import create_database
from zones.models import AuditEntry, AuditKind, Employee, SignInLink

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def zones(url: str, *args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner().invoke(main, ["--database-url", url, *args], env=env, obj=lambda: NOW)


def seed(url: str, folder: Path) -> None:
    async def work() -> None:
        database = create_database(url)
        try:
            await seed_people(database, folder)
        finally:
            await database.dispose()

    asyncio.run(work())


def add_entries(url: str) -> None:
    """Ann signs in by link, Bo fails with a used link, Ann signs out; a minute apart."""

    async def work() -> None:
        database = create_database(url)
        try:
            async with database.write_session() as session:
                people = {e.email: e.id for e in await session.scalars(select(Employee))}
                entries = [
                    (AuditKind.SIGN_IN, ANN, "link", "192.0.2.1", ""),
                    (AuditKind.SIGN_IN_FAILED, BO, "link", "192.0.2.2", "link already used"),
                    (AuditKind.SIGN_OUT, ANN, "link", "192.0.2.1", ""),
                ]
                for minute, (kind, email, method, address, detail) in enumerate(entries):
                    session.add(
                        AuditEntry(
                            kind=kind,
                            employee_id=people[email],
                            method=method,
                            client_address=address,
                            detail=detail,
                            created_at=NOW - timedelta(hours=1) + timedelta(minutes=minute),
                        )
                    )
        finally:
            await database.dispose()

    asyncio.run(work())


def table_rows(output: str) -> list[str]:
    """The table's lines that hold an entry (they start with a time)."""
    return [line for line in output.splitlines() if re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", line)]


def test_audit_show_lists_entries_newest_first_with_who_how_and_from_where(
    clean_url: str, tmp_path: Path
) -> None:
    seed(clean_url, tmp_path)
    add_entries(clean_url)
    result = zones(clean_url, "audit", "show")
    assert result.exit_code == 0, result.output
    assert "3 entries, newest first" in result.output
    for heading in ("Time (UTC)", "Kind", "E-mail", "Method", "Client address", "Detail"):
        assert heading in result.output
    rows = table_rows(result.output)
    assert [row.split("│")[2].strip() for row in rows] == ["sign-out", "sign-in-failed", "sign-in"]
    assert "2026-12-01 08:32:00" in rows[0] and ANN in rows[0] and "192.0.2.1" in rows[0]
    assert BO in rows[1] and "link already used" in rows[1] and "192.0.2.2" in rows[1]


def test_audit_show_filters_by_email_kind_and_limit(clean_url: str, tmp_path: Path) -> None:
    seed(clean_url, tmp_path)
    add_entries(clean_url)
    by_ann = zones(clean_url, "audit", "show", "--email", ANN.upper())
    assert by_ann.exit_code == 0 and len(table_rows(by_ann.output)) == 2
    assert BO not in by_ann.output
    failed = zones(clean_url, "audit", "show", "--kind", "sign-in-failed")
    assert [BO in row for row in table_rows(failed.output)] == [True]
    newest = zones(clean_url, "audit", "show", "--limit", "1")
    assert "1 entry, newest first" in newest.output and "sign-out" in newest.output
    refused = zones(clean_url, "audit", "show", "--kind", "nonsense")
    assert refused.exit_code == 2 and "nonsense" in refused.output


def test_user_link_prints_a_link_that_signs_in_once_and_is_audited(clean_url: str, tmp_path: Path) -> None:
    seed(clean_url, tmp_path)
    result = zones(
        clean_url, "user", "link", "Ann@Example.dk", env={"ZONES_PUBLIC_URL": "https://zones.example.org"}
    )
    assert result.exit_code == 0, result.output
    url = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"https://zones\.example\.org/sign-in/link\?token=[A-Za-z0-9_-]{43}", url), url
    assert "works once, for 15 minutes" in result.stderr
    token = url.rsplit("=", 1)[1]

    async def use_twice() -> tuple[object, object, datetime]:
        database = create_database(clean_url)
        try:
            async with database.write_session() as session:
                expires_at = (await session.scalars(select(SignInLink))).one().expires_at
                first = await use_link(session, token, NOW + timedelta(minutes=1))
            async with database.write_session() as session:
                second = await use_link(session, token, NOW + timedelta(minutes=2))
            async with database.read_session() as session:
                ann = (await session.scalars(select(Employee).where(Employee.email == ANN))).one()
            return first == ann.id, second, expires_at
        finally:
            await database.dispose()

    first_signs_in_ann, second, expires_at = asyncio.run(use_twice())
    assert first_signs_in_ann is True and second is None
    assert expires_at == NOW + timedelta(minutes=15)
    trail = zones(clean_url, "audit", "show", "--kind", "link-sent")
    assert ANN in trail.output and "zones user link" in trail.output


def test_user_link_for_someone_unknown_is_a_one_line_error(clean_url: str, tmp_path: Path) -> None:
    seed(clean_url, tmp_path)
    result = zones(clean_url, "user", "link", "nobody@example.dk")
    assert result.exit_code == 1
    assert "nobody@example.dk is not an active employee" in result.stderr
    assert "sign-in" not in result.stdout
