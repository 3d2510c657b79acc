"""planning weights in the site policy

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 05:22:35.541739
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An empty object means the planner's own defaults until the next `zones office load`.
    op.add_column(
        "policy",
        sa.Column("planning_weights", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    op.drop_column("policy", "planning_weights")
