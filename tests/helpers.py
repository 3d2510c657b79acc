"""Shared test helpers: loading the demo office and writing office files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from sqlalchemy.exc import IntegrityError

from zones.db import Database
from zones.errors import Conflict
from zones.office.load import LoadReport, load_office
from zones.office.parse import load_office_file, load_policy_file
from zones.office.paths import default_policy_file, demo_office_file, demo_staff_file
from zones.staff.csv_import import StaffReport, import_staff, read_staff_csv


@contextmanager
def refused_by_the_database() -> Iterator[None]:
    """Expect the block's write transaction to be refused by a database constraint at commit."""
    with pytest.raises(Conflict) as caught:
        yield
    assert isinstance(caught.value.__cause__, IntegrityError), caught.value.__cause__


async def load_demo(database: Database, *, staff: bool = True) -> LoadReport:
    """Load the shipped demo office (and its staff) into `database`."""
    async with database.write_session() as session:
        report = await load_office(
            session, load_office_file(demo_office_file()), load_policy_file(default_policy_file())
        )
    if staff:
        staff_report = read_staff_csv(demo_staff_file(), ["kff-cph"])
        async with database.write_session() as session:
            await import_staff(session, staff_report)
    return report


async def import_csv(database: Database, path: Path, *, skip_invalid: bool = False) -> StaffReport:
    """Read a staff CSV against the sites in the database and import it."""
    from sqlalchemy import select

    from zones.models import Site

    async with database.read_session() as session:
        sites = list(await session.scalars(select(Site.key)))
    report = read_staff_csv(path, sites)
    async with database.write_session() as session:
        return await import_staff(session, report, skip_invalid=skip_invalid)


def minimal_office() -> dict[str, Any]:
    """A small valid office document to mutate in tests."""
    return {
        "site": {"key": "hq", "name": "HQ", "timezone": "Europe/Copenhagen", "country": "DK"},
        "neighbourhoods": [{"key": "north", "name": "North"}],
        "teams": [{"name": "Alpha", "neighbourhood": "north", "overlap_days": 2, "team_day": "tue"}],
        "floors": [
            {
                "name": "Ground",
                "level": 0,
                "width_m": 30.0,
                "depth_m": 20.0,
                "zones": [
                    {
                        "key": "q",
                        "name": "Quiet",
                        "activity": "quiet",
                        "area_m2": 60.0,
                        "ceiling_height_m": 2.7,
                        "outline": {"x": 0.0, "y": 0.0, "width": 10.0, "depth": 6.0},
                        "desks": [
                            {"code": "Q-1", "x": 1.0, "y": 1.0, "attributes": ["dual-screen"]},
                            {"code": "Q-2", "x": 3.0, "y": 1.0, "attributes": ["accessible"]},
                        ],
                    },
                    {
                        "key": "c",
                        "name": "Collab",
                        "activity": "collaboration",
                        "area_m2": 80.0,
                        "ceiling_height_m": 2.7,
                        "neighbourhood": "north",
                        "desks": [{"code": "C-1"}, {"code": "C-2"}, {"code": "C-3"}],
                    },
                    {
                        "key": "f",
                        "name": "Workshops",
                        "activity": "facilitation",
                        "area_m2": 40.0,
                        "ceiling_height_m": 2.8,
                        "rooms": [{"code": "W-1", "name": "Big room", "capacity": 12}],
                    },
                ],
            }
        ],
    }


def write_office(path: Path, document: dict[str, Any]) -> Path:
    """Write an office document as TOML."""
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    return path
