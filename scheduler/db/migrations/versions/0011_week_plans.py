"""Week plans: ``week_plans`` (a horizon planned at once: its status while it solves, its
unplaced care-plan visits, KPIs and statistics) and ``plans.week_plan_id`` for the day plans
it made.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    status = sa.Enum(
        "solving",
        "done",
        "failed",
        "cancelled",
        name="week_plan_status",
        native_enum=False,
        create_constraint=True,
        length=20,
    )
    op.create_table(
        "week_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.Column("status", status, nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("unplaced", sa.JSON(), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=True),
        sa.Column("solver_stats", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("last_date >= first_date", name=op.f("ck_week_plans_dates_in_order")),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_week_plans_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_week_plans")),
    )
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("week_plan_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_plans_week_plan_id"), ["week_plan_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_plans_week_plan_id_week_plans"),
            "week_plans",
            ["week_plan_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_plans_week_plan_id_week_plans"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_plans_week_plan_id"))
        batch_op.drop_column("week_plan_id")
    op.drop_table("week_plans")
