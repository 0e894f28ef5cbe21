"""Offers of unclaimed leads to reps (round robin), reps' availability, and when the nurture job
rescores a lead.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lead_id", sa.Integer(), sa.ForeignKey("lead.id"), nullable=False),
        sa.Column("rep_id", sa.String(length=20), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_offer_lead_id", "offer", ["lead_id"])
    op.create_index("ix_offer_rep_offered", "offer", ["rep_id", "offered_at"])
    op.create_table(
        "rep_availability",
        sa.Column("user_id", sa.String(length=20), primary_key=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("away_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("away_until", sa.DateTime(timezone=True), nullable=True),
    )
    with op.batch_alter_table("lead") as lead:
        lead.add_column(sa.Column("rescore_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_lead_rescore_at", "lead", ["rescore_at"])


def downgrade() -> None:
    op.drop_index("ix_lead_rescore_at", table_name="lead")
    with op.batch_alter_table("lead") as lead:
        lead.drop_column("rescore_at")
    op.drop_table("rep_availability")
    op.drop_index("ix_offer_rep_offered", table_name="offer")
    op.drop_index("ix_offer_lead_id", table_name="offer")
    op.drop_table("offer")
