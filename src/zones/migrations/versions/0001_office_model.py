"""office model: sites, floors, zones, desks, rooms, staff, teams, policy

Revision ID: 0001
Revises: -
Create Date: 2026-11-28 03:07:36.928112
"""

from __future__ import annotations

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("working_days", sa.JSON(), nullable=False),
        sa.Column("opens_at", sa.Time(), nullable=False),
        sa.Column("closes_at", sa.Time(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("length(country) = 2", name=op.f("ck_site_country_is_alpha2")),
        sa.CheckConstraint("opens_at < closes_at", name=op.f("ck_site_opens_before_closing")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("key", name=op.f("uq_site_key")),
    )
    op.create_table(
        "employee",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "employee",
                "planner",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("home_site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("contracted_share", sa.Float(), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("shares_presence", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "contracted_share > 0 AND contracted_share <= 1",
            name=op.f("ck_employee_contracted_share_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["home_site_id"], ["site.id"], name=op.f("fk_employee_home_site_id_site"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employee")),
    )
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_employee_home_site_id"), ["home_site_id"], unique=False)
    # Written by hand: autogenerate cannot compare expression indexes on SQLite.
    op.create_index("uq_employee_email_lower", "employee", [sa.text("lower(email)")], unique=True)

    op.create_table(
        "floor",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("width_m", sa.Float(), nullable=True),
        sa.Column("depth_m", sa.Float(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("depth_m IS NULL OR depth_m > 0", name=op.f("ck_floor_depth_positive")),
        sa.CheckConstraint("width_m IS NULL OR width_m > 0", name=op.f("ck_floor_width_positive")),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_floor_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_floor")),
        sa.UniqueConstraint("id", "site_id", name="uq_floor_id_site"),
        sa.UniqueConstraint("site_id", "level", name="uq_floor_site_level"),
        sa.UniqueConstraint("site_id", "name", name="uq_floor_site_name"),
    )
    with op.batch_alter_table("floor", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_floor_site_id"), ["site_id"], unique=False)

    op.create_table(
        "neighbourhood",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_neighbourhood_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_neighbourhood")),
        sa.UniqueConstraint("site_id", "key", name="uq_neighbourhood_site_key"),
    )
    with op.batch_alter_table("neighbourhood", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_neighbourhood_site_id"), ["site_id"], unique=False)

    op.create_table(
        "policy",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("attendance_min_share", sa.Float(), nullable=False),
        sa.Column("attendance_max_share", sa.Float(), nullable=False),
        sa.Column("booking_horizon_days", sa.Integer(), nullable=False),
        sa.Column("checkin_opens_minutes_before", sa.Integer(), nullable=False),
        sa.Column("checkin_deadline_minutes_after", sa.Integer(), nullable=False),
        sa.Column("accessible_hold_days", sa.Integer(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "attendance_min_share >= 0 AND attendance_min_share <= attendance_max_share AND attendance_max_share <= 1",
            name=op.f("ck_policy_attendance_band_valid"),
        ),
        sa.CheckConstraint("booking_horizon_days >= 0", name=op.f("ck_policy_horizon_not_negative")),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_policy_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy")),
        sa.UniqueConstraint("site_id", name=op.f("uq_policy_site_id")),
    )
    op.create_table(
        "policy_threshold",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("policy_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(
                "min", "max", name="thresholddirection", native_enum=False, create_constraint=True, length=8
            ),
            nullable=False,
        ),
        sa.Column("warning_at", sa.Float(), nullable=True),
        sa.Column("breach_at", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("counted_height_max_m", sa.Float(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "warning_at IS NOT NULL OR breach_at IS NOT NULL", name=op.f("ck_policy_threshold_has_a_level")
        ),
        sa.ForeignKeyConstraint(
            ["policy_id"],
            ["policy.id"],
            name=op.f("fk_policy_threshold_policy_id_policy"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_threshold")),
        sa.UniqueConstraint("policy_id", "metric", name="uq_policy_threshold_metric"),
    )
    with op.batch_alter_table("policy_threshold", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_threshold_policy_id"), ["policy_id"], unique=False)

    op.create_table(
        "team",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("team", "circle", name="teamkind", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("neighbourhood_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("overlap_days", sa.Integer(), nullable=True),
        sa.Column("team_day", sa.Integer(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'circle') = (ends_on IS NOT NULL)", name=op.f("ck_team_circle_has_end_date")
        ),
        sa.CheckConstraint(
            "overlap_days IS NULL OR (overlap_days >= 0 AND overlap_days <= 7)",
            name=op.f("ck_team_overlap_days_in_week"),
        ),
        sa.CheckConstraint(
            "team_day IS NULL OR (team_day >= 1 AND team_day <= 7)", name=op.f("ck_team_team_day_is_weekday")
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_team_neighbourhood_id_neighbourhood"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_neighbourhood_id"), ["neighbourhood_id"], unique=False)
    op.create_index("uq_team_name_lower", "team", [sa.text("lower(name)")], unique=True)

    op.create_table(
        "zone",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("floor_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("neighbourhood_id", advanced_alchemy.types.guid.GUID(length=16), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "activity",
            sa.Enum(
                "quiet",
                "collaboration",
                "facilitation",
                name="activity",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("ceiling_height_m", sa.Float(), nullable=False),
        sa.Column("occupancy_cap", sa.Integer(), nullable=True),
        sa.Column("x_m", sa.Float(), nullable=True),
        sa.Column("y_m", sa.Float(), nullable=True),
        sa.Column("width_m", sa.Float(), nullable=True),
        sa.Column("depth_m", sa.Float(), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("area_m2 > 0", name=op.f("ck_zone_area_positive")),
        sa.CheckConstraint("ceiling_height_m > 0", name=op.f("ck_zone_ceiling_positive")),
        sa.CheckConstraint(
            "occupancy_cap IS NULL OR occupancy_cap >= 0", name=op.f("ck_zone_cap_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["floor_id", "site_id"],
            ["floor.id", "floor.site_id"],
            name="fk_zone_floor_same_site",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_zone_neighbourhood_id_neighbourhood"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_zone_site_id_site"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone")),
        sa.UniqueConstraint("id", "site_id", name="uq_zone_id_site"),
        sa.UniqueConstraint("site_id", "key", name="uq_zone_site_key"),
    )
    with op.batch_alter_table("zone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_zone_floor_id"), ["floor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_zone_neighbourhood_id"), ["neighbourhood_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_zone_site_id"), ["site_id"], unique=False)

    op.create_table(
        "desk",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("zone_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("x_m", sa.Float(), nullable=True),
        sa.Column("y_m", sa.Float(), nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_desk_site_id_site"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["zone_id", "site_id"],
            ["zone.id", "zone.site_id"],
            name="fk_desk_zone_same_site",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk")),
        sa.UniqueConstraint("site_id", "code", name="uq_desk_site_code"),
    )
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_desk_zone_id"), ["zone_id"], unique=False)

    op.create_table(
        "room",
        sa.Column("id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("site_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("zone_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("bookable", sa.Boolean(), nullable=False),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_room_capacity_positive")),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_room_site_id_site"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["zone_id", "site_id"],
            ["zone.id", "zone.site_id"],
            name="fk_room_zone_same_site",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room")),
        sa.UniqueConstraint("site_id", "code", name="uq_room_site_code"),
    )
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_room_zone_id"), ["zone_id"], unique=False)

    op.create_table(
        "team_membership",
        sa.Column("team_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.Column("employee_id", advanced_alchemy.types.guid.GUID(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["employee.id"],
            name=op.f("fk_team_membership_employee_id_employee"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_team_membership_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "employee_id", name=op.f("pk_team_membership")),
    )
    with op.batch_alter_table("team_membership", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_membership_employee_id"), ["employee_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("team_membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_membership_employee_id"))

    op.drop_table("team_membership")
    with op.batch_alter_table("room", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_zone_id"))
        batch_op.drop_index(batch_op.f("ix_room_site_id"))

    op.drop_table("room")
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_zone_id"))
        batch_op.drop_index(batch_op.f("ix_desk_site_id"))

    op.drop_table("desk")
    with op.batch_alter_table("zone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_zone_site_id"))
        batch_op.drop_index(batch_op.f("ix_zone_neighbourhood_id"))
        batch_op.drop_index(batch_op.f("ix_zone_floor_id"))

    op.drop_table("zone")
    # Expression indexes first: a batch operation on SQLite cannot see them.
    op.drop_index("uq_team_name_lower", table_name="team")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_neighbourhood_id"))

    op.drop_table("team")
    with op.batch_alter_table("policy_threshold", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_threshold_policy_id"))

    op.drop_table("policy_threshold")
    op.drop_table("policy")
    with op.batch_alter_table("neighbourhood", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_neighbourhood_site_id"))

    op.drop_table("neighbourhood")
    with op.batch_alter_table("floor", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_floor_site_id"))

    op.drop_table("floor")
    op.drop_index("uq_employee_email_lower", table_name="employee")
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employee_home_site_id"))

    op.drop_table("employee")
    op.drop_table("site")
