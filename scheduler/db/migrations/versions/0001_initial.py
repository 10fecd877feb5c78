"""The initial schema: clinics, users, therapists, patients, visits, plans and the caches.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinics")),
    )
    op.create_table(
        "geocode_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=500), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocode_cache")),
        sa.UniqueConstraint("provider", "query", name=op.f("uq_geocode_cache_provider_query")),
    )
    op.create_table(
        "matrix_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("origin_lat_e6", sa.Integer(), nullable=False),
        sa.Column("origin_lon_e6", sa.Integer(), nullable=False),
        sa.Column("destination_lat_e6", sa.Integer(), nullable=False),
        sa.Column("destination_lon_e6", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matrix_cache")),
        sa.UniqueConstraint(
            "provider",
            "mode",
            "origin_lat_e6",
            "origin_lon_e6",
            "destination_lat_e6",
            "destination_lon_e6",
            name="uq_matrix_cache_key",
        ),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("lat", sa.Double(), nullable=True),
        sa.Column("lon", sa.Double(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("access_notes", sa.Text(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_patients_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint(
            "clinic_id", "external_id", name=op.f("uq_patients_clinic_id_external_id")
        ),
    )
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "solving",
                "draft",
                "published",
                "superseded",
                "failed",
                name="plan_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=True),
        sa.Column("solver_stats", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_plans_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint(
            "clinic_id", "date", "version", name=op.f("uq_plans_clinic_id_date_version")
        ),
    )
    op.create_index(
        "uq_plans_published_per_day",
        "plans",
        ["clinic_id", "date"],
        unique=True,
        sqlite_where=sa.text("status = 'published'"),
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_table(
        "therapists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("discipline", sa.String(length=40), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("home_lat", sa.Double(), nullable=False),
        sa.Column("home_lon", sa.Double(), nullable=False),
        sa.Column("travel_mode", sa.String(length=20), nullable=False),
        sa.Column("max_visits", sa.Integer(), nullable=True),
        sa.Column("max_work_minutes", sa.Integer(), nullable=True),
        sa.Column("break_earliest", sa.Time(), nullable=True),
        sa.Column("break_latest_end", sa.Time(), nullable=True),
        sa.Column("break_minutes", sa.Integer(), nullable=True),
        sa.Column("overtime_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(break_earliest IS NULL) = (break_latest_end IS NULL) "
            "AND (break_earliest IS NULL) = (break_minutes IS NULL)",
            name=op.f("ck_therapists_break_all_or_nothing"),
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_therapists_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_therapists")),
        sa.UniqueConstraint(
            "clinic_id", "external_id", name=op.f("uq_therapists_clinic_id_external_id")
        ),
    )
    op.create_table(
        "patient_excluded_therapists",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_excluded_therapists_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"],
            ["therapists.id"],
            name=op.f("fk_patient_excluded_therapists_therapist_id_therapists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "patient_id", "therapist_id", name=op.f("pk_patient_excluded_therapists")
        ),
    )
    op.create_index(
        op.f("ix_patient_excluded_therapists_therapist_id"),
        "patient_excluded_therapists",
        ["therapist_id"],
        unique=False,
    )
    op.create_table(
        "patient_preferred_therapists",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_patient_preferred_therapists_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"],
            ["therapists.id"],
            name=op.f("fk_patient_preferred_therapists_therapist_id_therapists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "patient_id", "therapist_id", name=op.f("pk_patient_preferred_therapists")
        ),
    )
    op.create_index(
        op.f("ix_patient_preferred_therapists_therapist_id"),
        "patient_preferred_therapists",
        ["therapist_id"],
        unique=False,
    )
    op.create_table(
        "plan_routes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Integer(), nullable=True),
        sa.Column("end_s", sa.Integer(), nullable=True),
        sa.Column("break_start_s", sa.Integer(), nullable=True),
        sa.Column("break_end_s", sa.Integer(), nullable=True),
        sa.Column("travel_s", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("work_s", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_routes_plan_id_plans"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"], ["therapists.id"], name=op.f("fk_plan_routes_therapist_id_therapists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_routes")),
        sa.UniqueConstraint(
            "plan_id", "therapist_id", name=op.f("uq_plan_routes_plan_id_therapist_id")
        ),
    )
    op.create_index(
        op.f("ix_plan_routes_therapist_id"), "plan_routes", ["therapist_id"], unique=False
    )
    op.create_table(
        "shift_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "leave",
                "changed",
                name="shift_exception_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("start", sa.Time(), nullable=True),
        sa.Column("end", sa.Time(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'leave' AND start IS NULL AND \"end\" IS NULL) "
            "OR (kind = 'changed' AND start IS NOT NULL AND \"end\" IS NOT NULL "
            'AND start < "end")',
            name=op.f("ck_shift_exceptions_times_match_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"],
            ["therapists.id"],
            name=op.f("fk_shift_exceptions_therapist_id_therapists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_exceptions")),
        sa.UniqueConstraint(
            "therapist_id", "date", name=op.f("uq_shift_exceptions_therapist_id_date")
        ),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "coordinator",
                "therapist",
                name="user_role",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("therapist_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_users_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"],
            ["therapists.id"],
            name=op.f("fk_users_therapist_id_therapists"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("clinic_id", "email", name=op.f("uq_users_clinic_id_email")),
        sa.UniqueConstraint("therapist_id", name=op.f("uq_users_therapist_id")),
    )
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column(
            "priority",
            sa.Enum(
                "must",
                "high",
                "normal",
                "low",
                name="visit_priority",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("pinned_therapist_id", sa.Integer(), nullable=True),
        sa.Column("fixed_start", sa.Time(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "planned",
                "in_progress",
                "done",
                "cancelled",
                "missed",
                name="visit_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_visits_positive_duration")),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_visits_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_visits_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pinned_therapist_id"],
            ["therapists.id"],
            name=op.f("fk_visits_pinned_therapist_id_therapists"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        sa.UniqueConstraint(
            "clinic_id", "external_id", name=op.f("uq_visits_clinic_id_external_id")
        ),
    )
    op.create_index(op.f("ix_visits_clinic_id_date"), "visits", ["clinic_id", "date"], unique=False)
    op.create_index(op.f("ix_visits_patient_id"), "visits", ["patient_id"], unique=False)
    op.create_index(
        op.f("ix_visits_pinned_therapist_id"), "visits", ["pinned_therapist_id"], unique=False
    )
    op.create_table(
        "weekly_availability",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start", sa.Time(), nullable=False),
        sa.Column("end", sa.Time(), nullable=False),
        sa.CheckConstraint('start < "end"', name=op.f("ck_weekly_availability_start_before_end")),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_weekly_availability_weekday_range")
        ),
        sa.ForeignKeyConstraint(
            ["therapist_id"],
            ["therapists.id"],
            name=op.f("fk_weekly_availability_therapist_id_therapists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_availability")),
    )
    op.create_index(
        op.f("ix_weekly_availability_therapist_id"),
        "weekly_availability",
        ["therapist_id"],
        unique=False,
    )
    op.create_table(
        "plan_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("route_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("arrival_s", sa.Integer(), nullable=False),
        sa.Column("start_s", sa.Integer(), nullable=False),
        sa.Column("end_s", sa.Integer(), nullable=False),
        sa.Column("travel_s", sa.Integer(), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=True),
        sa.Column("wait_s", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["route_id"],
            ["plan_routes.id"],
            name=op.f("fk_plan_stops_route_id_plan_routes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_plan_stops_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_stops")),
        sa.UniqueConstraint("route_id", "position", name=op.f("uq_plan_stops_route_id_position")),
    )
    op.create_index(op.f("ix_plan_stops_visit_id"), "plan_stops", ["visit_id"], unique=False)
    op.create_table(
        "plan_unassigned",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["plans.id"],
            name=op.f("fk_plan_unassigned_plan_id_plans"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_plan_unassigned_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_unassigned")),
        sa.UniqueConstraint(
            "plan_id", "visit_id", name=op.f("uq_plan_unassigned_plan_id_visit_id")
        ),
    )
    op.create_index(
        op.f("ix_plan_unassigned_visit_id"), "plan_unassigned", ["visit_id"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes.
    op.drop_table("plan_unassigned")
    op.drop_table("plan_stops")
    op.drop_table("weekly_availability")
    op.drop_table("visits")
    op.drop_table("users")
    op.drop_table("shift_exceptions")
    op.drop_table("plan_routes")
    op.drop_table("patient_preferred_therapists")
    op.drop_table("patient_excluded_therapists")
    op.drop_table("therapists")
    op.drop_table("plans")
    op.drop_table("patients")
    op.drop_table("matrix_cache")
    op.drop_table("geocode_cache")
    op.drop_table("clinics")
