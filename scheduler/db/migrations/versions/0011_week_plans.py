"""Week plans: ``week_plans`` (a horizon planned at once: its status while it solves as a
job, its unplaced care-plan visits, KPIs and statistics), ``plans.week_plan_id`` for the day
plans it made, and solve jobs of either kind: ``plan_jobs`` gets an id of its own and
``plan_id`` or ``week_plan_id`` (its rows are kept).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _jobs() -> sa.TableClause:
    """``plan_jobs`` with the columns both its shapes have, copied when it is rebuilt."""
    return sa.table(
        "plan_jobs",
        sa.column("plan_id", sa.Integer()),
        sa.column("clinic_id", sa.Integer()),
        sa.column("input", sa.LargeBinary()),
        sa.column("state", sa.String(20)),
        sa.column("attempts", sa.Integer()),
        sa.column("owner", sa.String(100)),
        sa.column("lease_until", sa.DateTime(timezone=True)),
        sa.column("queued_at", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )


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
    rows = _take_jobs()
    _create_jobs(weeks=True)
    _put_jobs(rows)


def downgrade() -> None:
    # A week's job goes with its week plan; the day plans' jobs are kept.
    rows = [row for row in _take_jobs() if row["plan_id"] is not None]
    _create_jobs(weeks=False)
    _put_jobs(rows)
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_plans_week_plan_id_week_plans"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_plans_week_plan_id"))
        batch_op.drop_column("week_plan_id")
    op.drop_table("week_plans")


def _take_jobs() -> list[dict[str, Any]]:
    """The jobs' rows, and the table dropped: changing its primary key in place would take
    a different script on each engine, and the table holds only the solves under way."""
    rows = [dict(row._mapping) for row in op.get_bind().execute(sa.select(_jobs()))]
    with op.batch_alter_table("plan_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_jobs_clinic_id_state")
    op.drop_table("plan_jobs")
    return rows


def _put_jobs(rows: list[dict[str, Any]]) -> None:
    if rows:
        op.bulk_insert(_jobs(), rows)


def _create_jobs(weeks: bool) -> None:
    """``plan_jobs`` as 0007 made it (``weeks`` false) or with jobs of week plans."""
    state = sa.Enum(
        "waiting",
        "queued",
        "running",
        name="plan_job_state",
        native_enum=False,
        create_constraint=True,
        length=20,
    )
    keys: list[Any] = [sa.Column("plan_id", sa.Integer(), nullable=False)]
    constraints: list[Any] = [sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plan_jobs"))]
    if weeks:
        keys = [
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("plan_id", sa.Integer(), nullable=True),
            sa.Column("week_plan_id", sa.Integer(), nullable=True),
        ]
        constraints = [
            sa.CheckConstraint(
                "(plan_id IS NULL) <> (week_plan_id IS NULL)", name=op.f("ck_plan_jobs_one_plan")
            ),
            sa.ForeignKeyConstraint(
                ["week_plan_id"],
                ["week_plans.id"],
                name=op.f("fk_plan_jobs_week_plan_id_week_plans"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_jobs")),
            sa.UniqueConstraint("plan_id", name=op.f("uq_plan_jobs_plan_id")),
            sa.UniqueConstraint("week_plan_id", name=op.f("uq_plan_jobs_week_plan_id")),
        ]
    op.create_table(
        "plan_jobs",
        *keys,
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("input", sa.LargeBinary(), nullable=False),
        sa.Column("state", state, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_plan_jobs_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["plans.id"], name=op.f("fk_plan_jobs_plan_id_plans"), ondelete="CASCADE"
        ),
        *constraints,
    )
    with op.batch_alter_table("plan_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_plan_jobs_clinic_id_state", ["clinic_id", "state"], unique=False)
