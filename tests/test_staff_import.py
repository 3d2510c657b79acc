"""Staff CSV import: rows checked one by one, reported, and written all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from helpers import import_csv, load_demo
from zones.db import Database
from zones.models import Employee, Role, Team
from zones.office.errors import ConfigError
from zones.staff.csv_import import parse_staff_csv

HEADER = "email,name,team,role,home_site,contracted_share,needs\n"


def _write(tmp_path: Path, text: str, name: str = "staff.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def _employees(database: Database) -> dict[str, Employee]:
    async with database.read_session() as session:
        rows = await session.scalars(select(Employee).options(selectinload(Employee.teams)))
        return {employee.email.lower(): employee for employee in rows}


async def test_demo_staff_import_and_reimport(db: Database) -> None:
    await load_demo(db, staff=False)
    from zones.office.paths import demo_staff_file

    first = await import_csv(db, demo_staff_file())
    assert (first.created, first.updated, len(first.rejected)) == (140, 0, 0)
    second = await import_csv(db, demo_staff_file())
    assert (second.created, second.updated, second.unchanged) == (0, 0, 140)
    async with db.read_session() as session:
        assert await session.scalar(select(func.count()).select_from(Employee)) == 140
        teams = await session.scalar(select(func.count()).select_from(Team))
    assert teams == 16


BAD_ROWS = (
    HEADER
    + "ann@example.dk,Ann Holm,Alpha,employee,hq,1.0,\n"  # line 2: fine
    + "bob@,Bob,Alpha,employee,hq,1.0,\n"  # line 3: bad e-mail
    + "carl@example.dk,,Alpha,employee,hq,1.0,\n"  # line 4: no name
    + "dora@example.dk,Dora,Alpha,boss,hq,1.0,\n"  # line 5: unknown role
    + "erik@example.dk,Erik,Alpha,employee,hq,1.5,\n"  # line 6: share above 1
    + "fay@example.dk,Fay,Alpha,employee,hqq,1.0,\n"  # line 7: unknown site
    + "ANN@example.dk,Ann Again,Alpha,employee,hq,1.0,\n"  # line 8: duplicate of line 2
    + "gus@example.dk,Gus,Alpha,employee,hq,80%,accessible\n"  # line 9: fine
)


def test_each_bad_row_is_rejected_with_its_line_and_reason() -> None:
    report = parse_staff_csv(BAD_ROWS, "staff.csv", ["hq"])
    reasons = {row.line: row.reason for row in report.rejected}
    assert [row.line for row in report.accepted] == [2, 9]
    assert reasons[3].startswith("email 'bob@' is not valid")
    assert reasons[4] == "name is empty"
    assert reasons[5] == "role 'boss' is not one of employee, planner, admin"
    assert reasons[6] == "contracted_share '1.5' must be more than 0 and at most 1 (100%)"
    assert reasons[7] == "home_site 'hqq' is not a known site (did you mean hq?)"
    assert reasons[8] == "ANN@example.dk is already on line 2"
    assert report.accepted[1].contracted_share == 0.8
    assert report.accepted[1].needs == ("accessible",)


async def test_a_file_with_bad_rows_writes_nothing(db: Database, tmp_path: Path) -> None:
    from helpers import minimal_office, write_office
    from zones.office.load import load_office
    from zones.office.parse import load_office_file, load_policy_file
    from zones.office.paths import default_policy_file

    office = load_office_file(write_office(tmp_path / "o.toml", minimal_office()))
    async with db.write_session() as session:
        await load_office(session, office, load_policy_file(default_policy_file()))
    report = await import_csv(db, _write(tmp_path, BAD_ROWS))
    assert not report.written
    assert len(report.rejected) == 6
    assert await _employees(db) == {}
    assert report.lines()[0].endswith("2 rows accepted, 6 rejected")
    assert f"{tmp_path / 'staff.csv'}:3: email 'bob@'" in "\n".join(report.lines())

    skipped = await import_csv(db, _write(tmp_path, BAD_ROWS), skip_invalid=True)
    assert skipped.written and skipped.created == 2
    assert set(await _employees(db)) == {"ann@example.dk", "gus@example.dk"}


async def test_reimport_replaces_team_memberships_and_reports_new_teams(db: Database, tmp_path: Path) -> None:
    await import_csv(db, _write(tmp_path, "email,name,team\nann@example.dk,Ann,Alpha;Budget circle\n"))
    report = await import_csv(
        db, _write(tmp_path, "email,name,team,role\nAnn@Example.dk,Ann Holm,Beta,planner\n")
    )
    assert report.updated == 1
    assert report.new_teams == ["Beta"]
    ann = (await _employees(db))["ann@example.dk"]
    assert [team.name for team in ann.teams] == ["Beta"]
    assert ann.role is Role.PLANNER
    assert ann.name == "Ann Holm"


async def test_columns_left_out_keep_what_is_stored(db: Database, tmp_path: Path) -> None:
    await import_csv(db, _write(tmp_path, "email,name,team,contracted_share\nann@example.dk,Ann,Alpha,0.6\n"))
    await import_csv(db, _write(tmp_path, "email,name\nann@example.dk,Ann\n"))
    ann = (await _employees(db))["ann@example.dk"]
    assert ann.contracted_share == 0.6
    assert [team.name for team in ann.teams] == ["Alpha"]


def test_semicolon_separated_files_from_spreadsheets_are_read() -> None:
    report = parse_staff_csv('email;name;team\nann@example.dk;Ann;"Alpha;Beta"\n', "staff.csv", [])
    assert report.accepted[0].teams == ("Alpha", "Beta")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("email,name,tem\n", "staff.csv:1: unknown column 'tem' (did you mean team?)"),
        ("email,team\n", "staff.csv:1: lacks the required column 'name'"),
        ("", "staff.csv:1: has no header; expected columns email,name,..."),
    ],
)
def test_header_problems_name_the_column(header: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_staff_csv(header, "staff.csv", [])
    assert message in caught.value.lines


def test_a_row_with_too_many_fields_is_rejected() -> None:
    report = parse_staff_csv("email,name\nann@example.dk,Ann,extra\n", "staff.csv", [])
    assert [(row.line, row.reason) for row in report.rejected] == [(2, "has more fields than the header")]


CONTROL_ROWS = (
    "email,name,team\n"
    "ann@example.dk,Ann\x00Holm,Finance\n"
    "bob@example.dk,Bob \x1b[31mHolm,Finance\n"
    'cy@example.dk,"Cy\r\nHolm",Finance\n'
    "di@example.dk,Di Holm,Fin\x07ance\n"
    "ed@example.dk,Ed\x85Holm,Finance\n"
    "eve@example.dk,Eve\x9bHolm,Finance\n"
    "fay@example.dk,Fay \x7fHolm,Finance\n"
    "gus@example.dk,Søren Ærø-Ødegård 🎉,Økonomi;Budget 2028\n"
)


def test_names_and_teams_with_control_characters_are_rejected_with_their_line() -> None:
    report = parse_staff_csv(CONTROL_ROWS, "staff.csv", [])
    reasons = {row.line: row.reason for row in report.rejected}
    rule = "must be one line of text without control characters"
    assert reasons == {
        2: f"name {rule} (found U+0000)",
        3: f"name {rule} (found U+001B)",
        5: f"name {rule} (found U+000D)",
        6: f"team {rule} (found U+0007)",
        7: f"name {rule} (found U+0085)",
        8: f"name {rule} (found U+009B)",
        9: f"name {rule} (found U+007F)",
    }
    [accepted] = report.accepted
    assert (accepted.name, accepted.teams) == ("Søren Ærø-Ødegård 🎉", ("Økonomi", "Budget 2028"))


async def test_a_file_with_control_characters_stores_nothing(db: Database, tmp_path: Path) -> None:
    report = await import_csv(db, _write(tmp_path, CONTROL_ROWS))
    assert not report.written
    assert await _employees(db) == {}
