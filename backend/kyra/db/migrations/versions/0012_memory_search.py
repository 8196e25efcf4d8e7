"""agent memories: an index in time order per agent, so the recency strategy (and decayed
fused searches) read the newest memories of any kinds without sorting all of them

Revision ID: 0012
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_agent_memories_timeline", "agent_memories", ["agent_id", "occurred_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_agent_memories_timeline", table_name="agent_memories")
