"""People to sign in and a clock to move, shared by the sign-in tests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from helpers import import_csv, minimal_office, write_office
from zones.db import Database
from zones.models import Employee
from zones.office.load import load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file

ANN, BO = "ann@example.dk", "bo@example.dk"
START = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
"""A window boundary (every 15 minutes), so Retry-After is the whole window."""


class Clock:
    """The app's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def seed_people(database: Database, folder: Path) -> None:
    """A small office in Denmark with two people: Ann Holm and Bo Berg (who prefers English)."""
    office = load_office_file(write_office(folder / "office.toml", minimal_office()))
    async with database.write_session() as session:
        await load_office(session, office, load_policy_file(default_policy_file()))
    staff = folder / "staff.csv"
    staff.write_text(
        f"email,name,home_site\n{ANN},Ann Holm,hq\n{BO},Bo Berg,hq\n",
        encoding="utf-8",
    )
    await import_csv(database, staff)
    async with database.write_session() as session:
        bo = (await session.scalars(select(Employee).where(Employee.email == BO))).one()
        bo.locale = "en"
