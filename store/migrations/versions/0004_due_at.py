"""When each lead is next due (business time), indexed for the SLA sweep, and how far it escalated.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead") as lead:
        lead.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        lead.add_column(sa.Column("escalation", sa.Integer(), nullable=False, server_default="0"))
    op.create_index("ix_lead_due_at", "lead", ["due_at"])


def downgrade() -> None:
    op.drop_index("ix_lead_due_at", table_name="lead")
    with op.batch_alter_table("lead") as lead:
        lead.drop_column("escalation")
        lead.drop_column("due_at")
