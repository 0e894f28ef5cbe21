"""Indexes for the funnel report (store/metrics.py): events by kind and time, leads by stage age.

- ix_lead_event_kind (kind) becomes ix_lead_event_kind_at (kind, at): every figure reads the
  events of some kinds in one window, a range of this index per kind; the old index's lookups
  by kind alone use its prefix.
- ix_lead_stage_entered (stage, stage_entered_at) and ix_lead_team_stage_entered (team, stage,
  stage_entered_at): the leads longest in a stage, the company's or a team's, read as the first
  rows of one range each.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_lead_event_kind_at", "lead_event", ["kind", "at"])
    op.drop_index("ix_lead_event_kind", table_name="lead_event")
    op.create_index("ix_lead_stage_entered", "lead", ["stage", "stage_entered_at"])
    op.create_index("ix_lead_team_stage_entered", "lead", ["team", "stage", "stage_entered_at"])


def downgrade() -> None:
    op.drop_index("ix_lead_team_stage_entered", table_name="lead")
    op.drop_index("ix_lead_stage_entered", table_name="lead")
    op.create_index("ix_lead_event_kind", "lead_event", ["kind"])
    op.drop_index("ix_lead_event_kind_at", table_name="lead_event")
