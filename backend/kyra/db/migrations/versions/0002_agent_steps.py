"""agent steps: child node runs (LLM calls, tool calls, sub-agents), approvals, agent settings

Revision ID: 0002_agent_steps
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_agent_steps"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("node_runs", sa.Column("parent_node_run_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        "fk_node_runs_parent", "node_runs", "node_runs", ["parent_node_run_id"], ["id"],
        ondelete="CASCADE",
    )  # fmt: skip
    op.create_index("ix_node_runs_parent", "node_runs", ["parent_node_run_id"])
    op.add_column(
        "node_runs",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="node"),
    )
    op.add_column("node_runs", sa.Column("step_key", sa.String(length=200), nullable=True))
    op.add_column("node_runs", sa.Column("sequence", sa.Integer(), nullable=True))
    op.add_column("node_runs", sa.Column("approval", postgresql.JSONB(), nullable=True))
    op.add_column(
        "ai_agents",
        sa.Column("model", sa.String(length=200), nullable=False, server_default="auto"),
    )
    op.add_column("ai_agents", sa.Column("provider", sa.String(length=200), nullable=True))
    op.add_column(
        "ai_agents",
        sa.Column(
            "settings", postgresql.JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")
        ),
    )
    op.add_column("ai_agents", sa.Column("graph_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        "fk_ai_agents_graph", "ai_agents", "graphs", ["graph_id"], ["id"], ondelete="SET NULL"
    )
    op.add_column("agent_runs", sa.Column("owner_id", sa.Uuid(), nullable=True))
    op.add_column("agent_runs", sa.Column("mode", sa.String(length=16), nullable=True))
    op.add_column(
        "agent_runs",
        sa.Column("cost_usd", sa.Numeric(12, 6), nullable=False, server_default=sa.text("0")),
    )


def downgrade() -> None:
    for column in ("cost_usd", "mode", "owner_id"):
        op.drop_column("agent_runs", column)
    op.drop_constraint("fk_ai_agents_graph", "ai_agents", type_="foreignkey")
    for column in ("graph_id", "settings", "provider", "model"):
        op.drop_column("ai_agents", column)
    op.drop_index("ix_node_runs_parent", "node_runs")
    op.drop_constraint("fk_node_runs_parent", "node_runs", type_="foreignkey")
    for column in ("approval", "sequence", "step_key", "kind", "parent_node_run_id"):
        op.drop_column("node_runs", column)
