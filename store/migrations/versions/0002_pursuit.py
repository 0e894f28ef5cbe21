"""Pursuit: qualification, closing, revisit and snooze dates, attempts, amounts; users' zones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = ("qualified_at", "closed_at", "revisit_at", "snoozed_until", "connected_at",
        "attempts_prompted_at")  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("lead") as lead:
        for name in WHEN:
            lead.add_column(sa.Column(name, sa.DateTime(timezone=True), nullable=True))
        lead.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        lead.add_column(
            sa.Column("nurture_touches", sa.Integer(), nullable=False, server_default="0")
        )
        lead.add_column(
            sa.Column("reason", sa.String(length=200), nullable=False, server_default="")
        )
        lead.add_column(sa.Column("amount", sa.Float(), nullable=True))
        lead.add_column(
            sa.Column("currency", sa.String(length=3), nullable=False, server_default="")
        )
    op.create_index("ix_lead_revisit_at", "lead", ["revisit_at"])
    op.create_table(
        "slack_user",
        sa.Column("user_id", sa.String(length=20), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("slack_user")
    op.drop_index("ix_lead_revisit_at", table_name="lead")
    with op.batch_alter_table("lead") as lead:
        for name in (*WHEN, "attempts", "nurture_touches", "reason", "amount", "currency"):
            lead.drop_column(name)
