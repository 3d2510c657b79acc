"""planning: preferences, absences, plans

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 04:01:38.336458
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absence",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("employee_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_absence_starts_before_ends")),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_absence_employee_id_employee"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence")),
    )
    op.create_index(op.f("ix_absence_employee_id"), "absence", ["employee_id"], unique=False)
    op.create_table(
        "plan",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("created_by_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "running",
                "done",
                "failed",
                name="planstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("time_limit_s", sa.Float(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("violations", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("finished_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["employee.id"],
            name=op.f("fk_plan_created_by_id_employee"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_plan_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
    )
    op.create_index(op.f("ix_plan_site_id"), "plan", ["site_id"], unique=False)
    op.create_table(
        "plan_seat",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("plan_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("employee_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("zone_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("desk_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("activity", sa.String(length=16), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desk.id"], name=op.f("fk_plan_seat_desk_id_desk"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_plan_seat_employee_id_employee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plan.id"], name=op.f("fk_plan_seat_plan_id_plan"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zone.id"], name=op.f("fk_plan_seat_zone_id_zone"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_seat")),
        sa.UniqueConstraint("plan_id", "desk_id", "day", name="uq_plan_seat_desk_day"),
        sa.UniqueConstraint("plan_id", "employee_id", "day", name="uq_plan_seat_person_day"),
    )
    op.create_index(op.f("ix_plan_seat_plan_id"), "plan_seat", ["plan_id"], unique=False)
    # Server defaults, so existing staff rows upgrade in place.
    op.add_column(
        "employee", sa.Column("preferred_days", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )
    op.add_column("employee", sa.Column("focus_days", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("employee", sa.Column("team_days", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("employee", "team_days")
    op.drop_column("employee", "focus_days")
    op.drop_column("employee", "preferred_days")
    op.drop_index(op.f("ix_plan_seat_plan_id"), table_name="plan_seat")
    op.drop_table("plan_seat")
    op.drop_index(op.f("ix_plan_site_id"), table_name="plan")
    op.drop_table("plan")
    op.drop_index(op.f("ix_absence_employee_id"), table_name="absence")
    op.drop_table("absence")
