"""office layout version stamp, raised by triggers on every layout change

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00.000000

`office_version` holds one row (id 1) whose `version` goes up by one whenever a layout table
(site, floor, neighbourhood, zone, desk, room, policy, policy_threshold) changes, so every server
process can cache the layout and check it is current with one small query. Triggers do the counting,
so every writer counts, the CLI and direct SQL included, and the bump commits or rolls back with the
change. PostgreSQL: one plpgsql function and statement-level triggers (INSERT, UPDATE, DELETE and
TRUNCATE), one bump per statement. SQLite has only row triggers: one bump per changed row.

The triggers write with an upsert, so they put the row back should it ever be deleted.

SQLite drops a table's triggers when batch mode copies the table: a later migration that batch-alters
a layout table on SQLite must put them back (see 0006's `_keeping_sqlite_triggers`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "office_version"
LAYOUT_TABLES = ("site", "floor", "neighbourhood", "zone", "desk", "room", "policy", "policy_threshold")
FUNCTION = "office_version_bump"
BUMP = (
    f"INSERT INTO {TABLE} (id, version) VALUES (1, 1) "
    f"ON CONFLICT (id) DO UPDATE SET version = {TABLE}.version + 1"
)
SQLITE_EVENTS = ("insert", "update", "delete")


def _trigger(table: str, event: str | None = None) -> str:
    return f"{table}_office_version_{event}" if event else f"{table}_office_version"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_office_version_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_version")),
    )
    op.execute(f"INSERT INTO {TABLE} (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n    {BUMP};\n    RETURN NULL;\nEND;\n$$"
        )
        for table in LAYOUT_TABLES:
            op.execute(
                f"CREATE TRIGGER {_trigger(table)} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
            )
    else:
        for table in LAYOUT_TABLES:
            for event in SQLITE_EVENTS:
                op.execute(
                    f"CREATE TRIGGER {_trigger(table, event)} AFTER {event.upper()} ON {table} "
                    f"FOR EACH ROW BEGIN {BUMP}; END"
                )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in LAYOUT_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table)} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    else:
        for table in LAYOUT_TABLES:
            for event in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, event)}")
    op.drop_table(TABLE)
