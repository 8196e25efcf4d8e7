"""channel deployments: graphs deployed as chat bots (Telegram, …)

Revision ID: 0003_channel_deployments
Revises: 0002_agent_steps
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_channel_deployments"
down_revision: str | None = "0002_agent_steps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_deployments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("graph_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("config", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["graph_id"], ["graphs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("graph_id", "kind", name="uq_channel_deployments_graph_kind"),
    )
    op.create_index(
        op.f("ix_channel_deployments_owner_id"), "channel_deployments", ["owner_id"], unique=False
    )
    op.create_index(
        op.f("ix_channel_deployments_graph_id"), "channel_deployments", ["graph_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_channel_deployments_graph_id"), table_name="channel_deployments")
    op.drop_index(op.f("ix_channel_deployments_owner_id"), table_name="channel_deployments")
    op.drop_table("channel_deployments")
