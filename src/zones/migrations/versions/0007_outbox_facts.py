"""outbox messages carry the invite's facts; the sender renders the text

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00.000000

Building the iCalendar object inside the booking request cost a good part of its time. A booking
change now writes what the invite says (`facts`, JSON) and the sender renders the iCalendar object
and the e-mail text when it sends, so `ics` and `body` may be empty. Messages queued before this
keep their stored text and are sent with it.

Downgrading renders the text of every message that has only facts, so the older sender can still
send what is pending and `zones outbox show --ics` still shows what was sent.
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLE = "outbox_message"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.JSON(), nullable=True))
        batch_op.alter_column("ics", existing_type=sa.Text(), nullable=True)
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=True)


def _render_messages_with_only_facts() -> None:
    """Give every facts-only message its text, rendered as this release's sender would send it."""
    # Imported here, not at the top: only a downgrade needs the renderer.
    from zones.calendar.outbox import render_facts

    rows = sa.table(
        TABLE,
        sa.column("id", advanced_alchemy.types.guid.GUID(length=16)),
        sa.column("method", sa.String(length=16)),
        sa.column("facts", sa.JSON()),
        sa.column("ics", sa.Text()),
        sa.column("body", sa.Text()),
    )
    bind = op.get_bind()
    found = bind.execute(
        sa.select(rows.c.id, rows.c.method, rows.c.facts).where(
            sa.or_(rows.c.ics.is_(None), rows.c.body.is_(None))
        )
    ).all()
    rendered = []
    for row_id, method, facts in found:
        invite = render_facts(method, facts)
        rendered.append({"row_id": row_id, "row_ics": invite.ics, "row_body": invite.body})
    if rendered:
        bind.execute(
            rows.update()
            .where(rows.c.id == sa.bindparam("row_id"))
            .values(ics=sa.bindparam("row_ics"), body=sa.bindparam("row_body")),
            rendered,
        )


def downgrade() -> None:
    _render_messages_with_only_facts()
    with op.batch_alter_table(TABLE) as batch_op:
        batch_op.alter_column("body", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("ics", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("facts")
