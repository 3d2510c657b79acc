"""bookings, room bookings, api tokens

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 03:29:07.034031
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("employee_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("expires_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("revoked_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_api_token_employee_id_employee"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_employee_id"), "api_token", ["employee_id"], unique=False)
    op.create_table(
        "booking_series",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("employee_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("desk_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column(
            "period",
            sa.Enum(
                "full",
                "morning",
                "afternoon",
                name="period",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_by_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("starts_on <= until", name=op.f("ck_booking_series_starts_before_until")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["employee.id"],
            name=op.f("fk_booking_series_created_by_id_employee"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desk.id"], name=op.f("fk_booking_series_desk_id_desk"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_booking_series_employee_id_employee"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_series")),
    )
    op.create_index(op.f("ix_booking_series_desk_id"), "booking_series", ["desk_id"], unique=False)
    op.create_index(op.f("ix_booking_series_employee_id"), "booking_series", ["employee_id"], unique=False)
    op.create_table(
        "room_booking",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("room_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("organiser_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ends_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "cancelled",
                name="roombookingstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_room_booking_starts_before_ends")),
        sa.ForeignKeyConstraint(
            ["organiser_id"],
            ["employee.id"],
            name=op.f("fk_room_booking_organiser_id_employee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["room.id"], name=op.f("fk_room_booking_room_id_room"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_room_booking_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_booking")),
    )
    op.create_index(op.f("ix_room_booking_organiser_id"), "room_booking", ["organiser_id"], unique=False)
    op.create_index("ix_room_booking_room_starts", "room_booking", ["room_id", "starts_at"], unique=False)
    op.create_index(op.f("ix_room_booking_site_id"), "room_booking", ["site_id"], unique=False)
    op.create_table(
        "booking",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("desk_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("employee_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("created_by_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("series_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "period",
            sa.Enum(
                "full",
                "morning",
                "afternoon",
                name="period",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ends_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "checked_in",
                "cancelled",
                "released",
                name="bookingstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("check_in_by", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("checked_in_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("ended_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_booking_sequence_not_negative")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f("ck_booking_starts_before_ends")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["employee.id"],
            name=op.f("fk_booking_created_by_id_employee"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desk.id"], name=op.f("fk_booking_desk_id_desk"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"], ["employee.id"], name=op.f("fk_booking_employee_id_employee"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["booking_series.id"],
            name=op.f("fk_booking_series_id_booking_series"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_booking_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
    )
    op.create_index(op.f("ix_booking_desk_id"), "booking", ["desk_id"], unique=False)
    op.create_index("ix_booking_employee_day", "booking", ["employee_id", "day"], unique=False)
    op.create_index(op.f("ix_booking_series_id"), "booking", ["series_id"], unique=False)
    op.create_index(op.f("ix_booking_site_id"), "booking", ["site_id"], unique=False)
    op.create_index("ix_booking_status_check_in_by", "booking", ["status", "check_in_by"], unique=False)
    op.create_table(
        "room_attendee",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("room_booking_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("employee_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_room_attendee_employee_id_employee"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["room_booking_id"],
            ["room_booking.id"],
            name=op.f("fk_room_attendee_room_booking_id_room_booking"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_attendee")),
        sa.UniqueConstraint("room_booking_id", "email", name="uq_room_attendee_email"),
    )
    op.create_table(
        "desk_slot",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("booking_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("desk_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("employee_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column(
            "half",
            sa.Enum("am", "pm", name="half", native_enum=False, create_constraint=True, length=4),
            nullable=False,
        ),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["booking.id"], name=op.f("fk_desk_slot_booking_id_booking"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["desk_id"], ["desk.id"], name=op.f("fk_desk_slot_desk_id_desk"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_desk_slot_employee_id_employee"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_slot")),
        sa.UniqueConstraint("desk_id", "day", "half", name="uq_desk_slot_desk"),
        sa.UniqueConstraint("employee_id", "day", "half", name="uq_desk_slot_employee"),
    )
    op.create_index(op.f("ix_desk_slot_booking_id"), "desk_slot", ["booking_id"], unique=False)
    _forbid_overlapping_room_bookings()


def _forbid_overlapping_room_bookings() -> None:
    """Written by hand: autogenerate cannot render exclusion constraints, and SQLite has none.

    Ranges are half-open, so a booking ending at 12:00 and one starting at 12:00 do not clash.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE room_booking ADD CONSTRAINT ex_room_booking_no_overlap "
            "EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
            "WHERE (status = 'booked')"
        )
        return
    # SQLite: writers are serialised (BEGIN IMMEDIATE), so a trigger that looks before it inserts
    # cannot race with another writer.
    overlap = (
        "SELECT 1 FROM room_booking AS other WHERE other.room_id = NEW.room_id AND other.status = 'booked'"
        " AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at"
    )
    op.execute(
        "CREATE TRIGGER room_booking_no_overlap_insert BEFORE INSERT ON room_booking "
        f"WHEN NEW.status = 'booked' AND EXISTS ({overlap}) "
        "BEGIN SELECT RAISE(ABORT, 'ex_room_booking_no_overlap'); END"
    )
    op.execute(
        "CREATE TRIGGER room_booking_no_overlap_update BEFORE UPDATE OF room_id, starts_at, ends_at, status "
        f"ON room_booking WHEN NEW.status = 'booked' AND EXISTS ({overlap} AND other.id <> NEW.id) "
        "BEGIN SELECT RAISE(ABORT, 'ex_room_booking_no_overlap'); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE room_booking DROP CONSTRAINT IF EXISTS ex_room_booking_no_overlap")
    else:
        op.execute("DROP TRIGGER IF EXISTS room_booking_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS room_booking_no_overlap_update")
    op.drop_index(op.f("ix_desk_slot_booking_id"), table_name="desk_slot")
    op.drop_table("desk_slot")
    op.drop_table("room_attendee")
    op.drop_index("ix_booking_status_check_in_by", table_name="booking")
    op.drop_index(op.f("ix_booking_site_id"), table_name="booking")
    op.drop_index(op.f("ix_booking_series_id"), table_name="booking")
    op.drop_index("ix_booking_employee_day", table_name="booking")
    op.drop_index(op.f("ix_booking_desk_id"), table_name="booking")
    op.drop_table("booking")
    op.drop_index(op.f("ix_room_booking_site_id"), table_name="room_booking")
    op.drop_index("ix_room_booking_room_starts", table_name="room_booking")
    op.drop_index(op.f("ix_room_booking_organiser_id"), table_name="room_booking")
    op.drop_table("room_booking")
    op.drop_index(op.f("ix_booking_series_employee_id"), table_name="booking_series")
    op.drop_index(op.f("ix_booking_series_desk_id"), table_name="booking_series")
    op.drop_table("booking_series")
    op.drop_index(op.f("ix_api_token_employee_id"), table_name="api_token")
    op.drop_table("api_token")
