"""node runs: two indexes fewer entries per row written

Every node run written (a sync run stores all of its at once; a queue step inserts one and
rewrites another) added an entry to ``ix_node_runs_run_id``, which ``uq_node_runs_run_node``
(``run_id``, ``node_id``) already serves, and to ``ix_node_runs_parent``, although only agent
steps have a parent. The first goes; the second keeps only rows with a parent.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_node_runs_run_id", table_name="node_runs")
    op.drop_index("ix_node_runs_parent", table_name="node_runs")
    op.create_index(
        "ix_node_runs_parent",
        "node_runs",
        ["parent_node_run_id"],
        postgresql_where="parent_node_run_id IS NOT NULL",
    )


def downgrade() -> None:
    op.drop_index("ix_node_runs_parent", table_name="node_runs")
    op.create_index("ix_node_runs_parent", "node_runs", ["parent_node_run_id"])
    op.create_index("ix_node_runs_run_id", "node_runs", ["run_id"])
