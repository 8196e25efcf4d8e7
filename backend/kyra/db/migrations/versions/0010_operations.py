"""operations: disabled users and OpenID Connect identities, a run's trace context, channel
deployments of agents, webhooks that can be disabled

Revision ID: 0010
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("email", sa.String(length=320), nullable=True))
    op.add_column("users", sa.Column("oidc_subject", sa.String(length=500), nullable=True))
    op.create_index("uq_users_email", "users", ["email"], unique=True)
    op.create_index("uq_users_oidc_subject", "users", ["oidc_subject"], unique=True)
    op.add_column("api_keys", sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("runs", sa.Column("traceparent", sa.String(length=55), nullable=True))
    op.add_column("channel_deployments", sa.Column("agent_id", sa.Uuid(), nullable=True))
    op.add_column(
        "webhooks",
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_foreign_key(
        "fk_channel_deployments_agent_id", "channel_deployments", "ai_agents",
        ["agent_id"], ["agent_id"], ondelete="CASCADE",
    )  # fmt: skip


def downgrade() -> None:
    op.drop_constraint("fk_channel_deployments_agent_id", "channel_deployments", type_="foreignkey")
    op.drop_column("channel_deployments", "agent_id")
    op.drop_column("webhooks", "enabled")
    op.drop_column("runs", "traceparent")
    op.drop_column("api_keys", "last_used_at")
    op.drop_index("uq_users_oidc_subject", table_name="users")
    op.drop_index("uq_users_email", table_name="users")
    op.drop_column("users", "oidc_subject")
    op.drop_column("users", "email")
    op.drop_column("users", "disabled_at")
