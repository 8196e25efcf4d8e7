"""integrations: OAuth2 clients and authorizations, polling triggers, recorded side effects

Revision ID: 0006
Revises: 0004_sync_run_leases
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0004_sync_run_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("credentials", sa.Column("problem", sa.String(length=500), nullable=True))
    op.add_column(
        "node_runs",
        sa.Column("effects", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    )
    op.create_table(
        "oauth_clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=500), nullable=False),
        sa.Column("client_secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("authorize_url", sa.String(length=1000), nullable=True),
        sa.Column("token_url", sa.String(length=1000), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider"),
    )
    op.create_table(
        "oauth_states",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("verifier_enc", sa.LargeBinary(), nullable=False),
        sa.Column("redirect_uri", sa.String(length=1000), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["credential_id"], ["credentials.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("state_hash"),
    )
    op.create_index(op.f("ix_oauth_states_owner_id"), "oauth_states", ["owner_id"], unique=False)
    op.create_index(
        op.f("ix_oauth_states_expires_at"), "oauth_states", ["expires_at"], unique=False
    )
    op.create_table(
        "trigger_polls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("graph_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.String(length=100), nullable=False),
        sa.Column("node_type", sa.String(length=100), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_poll_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=1000), nullable=True),
        sa.Column("cursor", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("runs_started", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["graph_id"], ["graphs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("graph_id", "node_id", name="uq_trigger_polls_graph_node"),
    )
    op.create_index(op.f("ix_trigger_polls_owner_id"), "trigger_polls", ["owner_id"], unique=False)
    op.create_index(op.f("ix_trigger_polls_graph_id"), "trigger_polls", ["graph_id"], unique=False)
    op.create_index(
        op.f("ix_trigger_polls_next_poll_at"), "trigger_polls", ["next_poll_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_trigger_polls_next_poll_at"), table_name="trigger_polls")
    op.drop_index(op.f("ix_trigger_polls_graph_id"), table_name="trigger_polls")
    op.drop_index(op.f("ix_trigger_polls_owner_id"), table_name="trigger_polls")
    op.drop_table("trigger_polls")
    op.drop_index(op.f("ix_oauth_states_expires_at"), table_name="oauth_states")
    op.drop_index(op.f("ix_oauth_states_owner_id"), table_name="oauth_states")
    op.drop_table("oauth_states")
    op.drop_table("oauth_clients")
    op.drop_column("node_runs", "effects")
    op.drop_column("credentials", "problem")
