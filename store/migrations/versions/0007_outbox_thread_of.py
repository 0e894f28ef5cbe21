"""An outbox row can wait for another: a file upload goes in the thread of the message before it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite adds a foreign key only by rebuilding the table.
    with op.batch_alter_table("outbox") as outbox:
        outbox.add_column(sa.Column("thread_of", sa.Integer(), nullable=True))
        outbox.create_foreign_key("fk_outbox_thread_of", "outbox", ["thread_of"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as outbox:
        outbox.drop_constraint("fk_outbox_thread_of", type_="foreignkey")
        outbox.drop_column("thread_of")
