"""booking UIDs stored with the booking

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00.000000

Until 0005 a booking's iCalendar UID was built from its id and the host of ZONES_PUBLIC_URL each
time an invite was written, so changing that setting gave existing bookings new UIDs and their
CANCELs no longer matched the events people had. The UID is now stored with the booking. Existing
bookings get the UID their invites were sent with: the host of the public URL configured where
this migration runs (ZONES_PUBLIC_URL, else http://ZONES_HOST:ZONES_PORT, as the settings had it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UID = sa.String(length=200)
BOOKING_KINDS = {"booking": "desk-booking", "room_booking": "room-booking"}


def _domain_invites_were_sent_with() -> str:
    """The UID domain of 0005's CalendarConfig, from the settings in this process's environment."""
    public_url = os.environ.get("ZONES_PUBLIC_URL", "")
    if not public_url:
        public_url = (
            f"http://{os.environ.get('ZONES_HOST', '127.0.0.1')}:{os.environ.get('ZONES_PORT', 8000)}"
        )
    return urlparse(public_url.rstrip("/")).hostname or "zones.localhost"


@contextmanager
def _keeping_sqlite_triggers(table: str) -> Iterator[None]:
    """Batch mode copies a SQLite table and drops the old one, and its triggers with it: put them back.

    room_booking's triggers are what refuses overlapping bookings on SQLite (see 0002).
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    find = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?"
    before = {name: sql for name, sql in bind.exec_driver_sql(find, (table,))}
    yield
    after = {name for name, _ in bind.exec_driver_sql(find, (table,))}
    for name, sql in before.items():
        if name not in after:
            op.execute(sql)


def _fill_uids(table: str, kind: str, domain: str) -> None:
    rows = sa.table(
        table, sa.column("id", advanced_alchemy.types.guid.GUID(length=16)), sa.column("uid", UID)
    )
    bind = op.get_bind()
    ids = bind.execute(sa.select(rows.c.id)).scalars().all()
    if ids:
        bind.execute(
            rows.update().where(rows.c.id == sa.bindparam("row_id")).values(uid=sa.bindparam("row_uid")),
            [{"row_id": row_id, "row_uid": f"{kind}-{row_id}@{domain}"} for row_id in ids],
        )


def upgrade() -> None:
    domain = _domain_invites_were_sent_with()
    for table, kind in BOOKING_KINDS.items():
        op.add_column(table, sa.Column("uid", UID, nullable=True))
        _fill_uids(table, kind, domain)
        with _keeping_sqlite_triggers(table), op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("uid", existing_type=UID, nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f"uq_{table}_uid"), ["uid"])


def downgrade() -> None:
    for table in BOOKING_KINDS:
        with _keeping_sqlite_triggers(table), op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"uq_{table}_uid"), type_="unique")
            batch_op.drop_column("uid")
