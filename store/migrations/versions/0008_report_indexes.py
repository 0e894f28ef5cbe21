"""Indexes for the funnel report (store/metrics.py), which reads the event history by kind and
time and, per lead, by kind.

lead_event keeps two indexes instead of three (intake writes a little less):
- ix_lead_event_kind (kind) and ix_lead_event_at (at) become ix_lead_event_kind_at (kind, at):
  every figure reads the events of some kinds in one window, a range of this index per kind.
  Nothing reads events by time alone; with both indexes there, PostgreSQL preferred (at) for
  its physical order and read every event of the week to keep one kind in ten.
- ix_lead_event_lead_at (lead_id, at) becomes ix_lead_event_lead_kind_at (lead_id, kind, at):
  for each lead concerned the report looks up its events of one kind before or after a moment
  (the claim after a hand-over, the nurture touches before it, the attempts before a connect);
  a lead's whole history (`/lead show`) reads the same prefix.

lead:
- ix_lead_stage_team (stage, team) becomes ix_lead_stage_team_entered (stage, team,
  stage_entered_at): a team's leads longest in a stage are its first rows; the unclaimed leads
  of a team and counts by stage read its prefix as before.
- ix_lead_stage_entered (stage, stage_entered_at): the same for the whole company.
- ix_lead_team_id (team, id): a team's report joins the window's events to the team's leads;
  PostgreSQL hashes the team's lead ids, read from this index alone instead of from the table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_lead_event_kind_at", "lead_event", ["kind", "at"])
    op.drop_index("ix_lead_event_kind", table_name="lead_event")
    op.drop_index("ix_lead_event_at", table_name="lead_event")
    op.create_index("ix_lead_event_lead_kind_at", "lead_event", ["lead_id", "kind", "at"])
    op.drop_index("ix_lead_event_lead_at", table_name="lead_event")
    op.create_index("ix_lead_stage_team_entered", "lead", ["stage", "team", "stage_entered_at"])
    op.drop_index("ix_lead_stage_team", table_name="lead")
    op.create_index("ix_lead_stage_entered", "lead", ["stage", "stage_entered_at"])
    op.create_index("ix_lead_team_id", "lead", ["team", "id"])


def downgrade() -> None:
    op.drop_index("ix_lead_team_id", table_name="lead")
    op.drop_index("ix_lead_stage_entered", table_name="lead")
    op.create_index("ix_lead_stage_team", "lead", ["stage", "team"])
    op.drop_index("ix_lead_stage_team_entered", table_name="lead")
    op.create_index("ix_lead_event_lead_at", "lead_event", ["lead_id", "at"])
    op.drop_index("ix_lead_event_lead_kind_at", table_name="lead_event")
    op.create_index("ix_lead_event_at", "lead_event", ["at"])
    op.create_index("ix_lead_event_kind", "lead_event", ["kind"])
    op.drop_index("ix_lead_event_kind_at", table_name="lead_event")
