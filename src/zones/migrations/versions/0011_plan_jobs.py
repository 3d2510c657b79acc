"""plan jobs: queued and cancelled runs, heartbeats, one active run per site and horizon; bookings
made from a plan; the embedded database's job table; SAQ's tables on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 09:00:00.000000

Plan runs are jobs a worker process claims: with Redis or PostgreSQL they travel through SAQ, on
embedded SQLite through the `queued_job` table. SAQ creates its PostgreSQL tables itself when a
queue first connects; this migration runs SAQ's own migrations instead, so `zones db upgrade`
still creates the whole schema (and the API and the workers never need DDL rights).
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_OLD_STATUSES = ("running", "done", "failed")
_NEW_STATUSES = ("queued", "running", "done", "failed", "cancelled")
_ACTIVE = sa.text("status IN ('queued', 'running')")


def _status(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="planstatus", native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "queued_job",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("function", sa.String(length=64), nullable=False),
        sa.Column("arguments", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="jobstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("worker", sa.String(length=120), nullable=True),
        sa.Column("claimed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("finished_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queued_job")),
    )
    op.create_index("ix_queued_job_status_created", "queued_job", ["status", "created_at"], unique=False)

    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("weeks", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("seed", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_requested", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("best_found", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("worker", sa.String(length=120), nullable=True))
        for column in ("started_at", "heartbeat_at", "applied_at"):
            batch_op.add_column(
                sa.Column(column, advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
            )
        batch_op.add_column(
            sa.Column("applied_by_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_plan_applied_by_id_employee"),
            "employee",
            ["applied_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _allow_statuses(_OLD_STATUSES, _NEW_STATUSES)
    # Runs interrupted by this upgrade (the old API process ran them in a thread) are not coming back.
    op.execute(
        "UPDATE plan SET status = 'failed', error = 'interrupted by an upgrade' WHERE status = 'running'"
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.alter_column("weeks", server_default=None)
        batch_op.alter_column("cancel_requested", server_default=None)
        batch_op.alter_column("best_found", server_default=None)
    op.create_index(
        "uq_plan_active_run",
        "plan",
        ["site_id", "starts_on", "ends_on"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )

    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("plan_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_booking_plan_id"), ["plan_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_booking_plan_id_plan"), "plan", ["plan_id"], ["id"], ondelete="SET NULL"
        )

    if op.get_bind().dialect.name == "postgresql":
        _create_saq_tables()


def _allow_statuses(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Replace the CHECK constraint of `plan.status`: on SQLite by copying the table (batch mode
    rebuilds it with the new type's constraint), on PostgreSQL in place."""
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("plan", schema=None) as batch_op:
            batch_op.alter_column(
                "status", existing_type=_status(old), type_=_status(new), existing_nullable=False
            )
        return
    listed = ", ".join(f"'{status}'" for status in new)
    op.execute("ALTER TABLE plan DROP CONSTRAINT ck_plan_planstatus")
    op.execute(f"ALTER TABLE plan ADD CONSTRAINT ck_plan_planstatus CHECK (status IN ({listed}))")


def _create_saq_tables() -> None:
    """SAQ's own migrations for its PostgreSQL queue, recorded in its versions table as SAQ does."""
    from psycopg.sql import Identifier
    from saq.queue.postgres_migrations import get_migrations

    migrations = get_migrations(jobs_table=Identifier("saq_jobs"), stats_table=Identifier("saq_stats"))
    op.execute("CREATE TABLE IF NOT EXISTS saq_versions (version INT)")
    for _version, statements in migrations:
        for statement in statements:
            # Some of SAQ's steps hold several statements; asyncpg prepares one at a time.
            for part in statement.as_string(None).split(";"):
                if part.strip():
                    op.execute(part)
    op.execute("DELETE FROM saq_versions")
    op.execute(f"INSERT INTO saq_versions (version) VALUES ({migrations[-1][0]})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("saq_jobs", "saq_stats", "saq_versions"):
            op.execute(f"DROP TABLE IF EXISTS {table}")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_booking_plan_id_plan"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_booking_plan_id"))
        batch_op.drop_column("plan_id")
    op.drop_index("uq_plan_active_run", table_name="plan")
    op.execute("UPDATE plan SET status = 'failed' WHERE status IN ('queued', 'cancelled')")
    _allow_statuses(_NEW_STATUSES, _OLD_STATUSES)
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_plan_applied_by_id_employee"), type_="foreignkey")
        for column in (
            "applied_by_id",
            "applied_at",
            "heartbeat_at",
            "started_at",
            "worker",
            "best_found",
            "cancel_requested",
            "seed",
            "weeks",
        ):
            batch_op.drop_column(column)
    op.drop_index("ix_queued_job_status_created", table_name="queued_job")
    op.drop_table("queued_job")
