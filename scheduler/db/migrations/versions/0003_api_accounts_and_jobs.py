"""The HTTP API: bearer tokens, calendar feeds, check-ins, solve progress, cancelled plans,
and a travel provider per clinic.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PLAN_STATUSES = ("solving", "draft", "published", "superseded", "failed")


def _plan_status_check(statuses: tuple[str, ...]) -> sa.TextClause:
    listed = ", ".join(f"'{status}'" for status in statuses)
    return sa.text(f"status IN ({listed})")


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("travel_provider", sa.String(length=20), nullable=True))
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progress", sa.JSON(), nullable=True))
        batch_op.drop_constraint(op.f("ck_plans_plan_status"), type_="check")
        batch_op.create_check_constraint(
            "plan_status", _plan_status_check((*_PLAN_STATUSES, "cancelled"))
        )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("feed_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("checked_out_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_column("checked_out_at")
        batch_op.drop_column("checked_in_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("feed_version")
    op.execute("UPDATE plans SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table("plans", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_plans_plan_status"), type_="check")
        batch_op.create_check_constraint("plan_status", _plan_status_check(_PLAN_STATUSES))
        batch_op.drop_column("progress")
    with op.batch_alter_table("clinics", schema=None) as batch_op:
        batch_op.drop_column("travel_provider")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))
    op.drop_table("api_tokens")
