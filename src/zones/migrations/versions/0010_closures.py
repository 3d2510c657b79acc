"""closures: days a site, a floor or a zone is closed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:00:00.000000

A planner closes a whole site, one floor or one zone for a range of days, with a reason. The booking
rules refuse what a closure covers (and the site country's public holidays, which need no table:
the `holidays` package knows them), and adding a closure cancels the bookings it hits.
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closure",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("floor_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("zone_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_closure_starts_before_ends")),
        sa.CheckConstraint("floor_id IS NULL OR zone_id IS NULL", name=op.f("ck_closure_one_place")),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_closure_site_id_site"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["floor_id"], ["floor.id"], name=op.f("fk_closure_floor_id_floor"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["zone_id"], ["zone.id"], name=op.f("fk_closure_zone_id_zone"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["employee.id"],
            name=op.f("fk_closure_created_by_id_employee"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure")),
    )
    with op.batch_alter_table("closure", schema=None) as batch_op:
        batch_op.create_index("ix_closure_site_days", ["site_id", "ends_on", "starts_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_closure_floor_id"), ["floor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_closure_zone_id"), ["zone_id"], unique=False)


def downgrade() -> None:
    op.drop_table("closure")
