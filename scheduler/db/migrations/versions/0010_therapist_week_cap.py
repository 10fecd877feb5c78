"""Therapists' weekly working-time cap: ``therapists.max_week_minutes`` (null: no cap),
positive when set, for the week planning.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("therapists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_week_minutes", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "positive_week_cap", "max_week_minutes IS NULL OR max_week_minutes > 0"
        )


def downgrade() -> None:
    with op.batch_alter_table("therapists", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_therapists_positive_week_cap"), type_="check")
        batch_op.drop_column("max_week_minutes")
