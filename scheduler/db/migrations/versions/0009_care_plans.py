"""Care plans: episodes of therapy (frequency, dates, weekdays, windows, spacing, primary
and preferred therapists), and ``visits.care_plan_id`` for the visits booked for one.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _foreign_key(table: str, column: str, referred: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{referred}.id"],
        name=op.f(f"fk_{table}_{column}_{referred}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "care_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("discipline", sa.String(length=40), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("visits_per_week", sa.Integer(), nullable=True),
        sa.Column("visits_total", sa.Integer(), nullable=True),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("weekday_windows", sa.JSON(), nullable=False),
        sa.Column("min_days_between", sa.Integer(), nullable=False),
        sa.Column(
            "priority", _enum("care_plan_priority", "must", "high", "normal", "low"), nullable=False
        ),
        sa.Column("primary_therapist_id", sa.Integer(), nullable=True),
        sa.Column(
            "status", _enum("care_plan_status", "active", "on_hold", "ended"), nullable=False
        ),
        sa.CheckConstraint("duration_minutes > 0", name=op.f("ck_care_plans_positive_duration")),
        sa.CheckConstraint("last_date >= first_date", name=op.f("ck_care_plans_dates_in_order")),
        sa.CheckConstraint(
            "(visits_per_week IS NULL) <> (visits_total IS NULL)",
            name=op.f("ck_care_plans_one_frequency"),
        ),
        sa.CheckConstraint(
            "min_days_between >= 0", name=op.f("ck_care_plans_spacing_not_negative")
        ),
        _foreign_key("care_plans", "clinic_id", "clinics", "CASCADE"),
        _foreign_key("care_plans", "patient_id", "patients", "CASCADE"),
        _foreign_key("care_plans", "primary_therapist_id", "therapists", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plans")),
        sa.UniqueConstraint(
            "clinic_id", "external_id", name=op.f("uq_care_plans_clinic_id_external_id")
        ),
    )
    with op.batch_alter_table("care_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_care_plans_patient_id"), ["patient_id"])
        batch_op.create_index(
            batch_op.f("ix_care_plans_primary_therapist_id"), ["primary_therapist_id"]
        )
    op.create_table(
        "care_plan_preferred_therapists",
        sa.Column("care_plan_id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        _foreign_key("care_plan_preferred_therapists", "care_plan_id", "care_plans", "CASCADE"),
        _foreign_key("care_plan_preferred_therapists", "therapist_id", "therapists", "CASCADE"),
        sa.PrimaryKeyConstraint(
            "care_plan_id", "therapist_id", name=op.f("pk_care_plan_preferred_therapists")
        ),
    )
    op.create_index(
        op.f("ix_care_plan_preferred_therapists_therapist_id"),
        "care_plan_preferred_therapists",
        ["therapist_id"],
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("care_plan_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_visits_care_plan_id"), ["care_plan_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_visits_care_plan_id_care_plans"),
            "care_plans",
            ["care_plan_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_visits_care_plan_id_care_plans"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_visits_care_plan_id"))
        batch_op.drop_column("care_plan_id")
    op.drop_index(
        op.f("ix_care_plan_preferred_therapists_therapist_id"),
        table_name="care_plan_preferred_therapists",
    )
    op.drop_table("care_plan_preferred_therapists")
    with op.batch_alter_table("care_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_care_plans_primary_therapist_id"))
        batch_op.drop_index(batch_op.f("ix_care_plans_patient_id"))
    op.drop_table("care_plans")
