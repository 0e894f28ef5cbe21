"""An owner's leads per stage in the order they entered it (`/lead mine`, the Home tab).

ix_lead_owner_stage (owner_id, stage) becomes ix_lead_owner_stage_entered (owner_id, stage,
stage_entered_at): the same prefix, plus the order store.leads.leads_owned_by reads in, so it
reads at most its limit per stage instead of every open lead of the owner.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_lead_owner_stage_entered", "lead", ["owner_id", "stage", "stage_entered_at"]
    )
    op.drop_index("ix_lead_owner_stage", table_name="lead")


def downgrade() -> None:
    op.create_index("ix_lead_owner_stage", "lead", ["owner_id", "stage"])
    op.drop_index("ix_lead_owner_stage_entered", table_name="lead")
