"""sync run leases (a sync run stored while it runs is owned by its API process) and the queue
of each queue run (reapers recover only the runs of their own queue)

Revision ID: 0004_sync_run_leases
Revises: 0003_channel_deployments
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_sync_run_leases"
down_revision: str | None = "0003_channel_deployments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("lease_owner", sa.String(length=64), nullable=True))
    op.add_column("runs", sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("runs", sa.Column("queue", sa.String(length=64), nullable=True))
    op.execute("UPDATE runs SET queue = 'kyra' WHERE mode = 'queue'")


def downgrade() -> None:
    op.drop_column("runs", "queue")
    op.drop_column("runs", "lease_expires_at")
    op.drop_column("runs", "lease_owner")
