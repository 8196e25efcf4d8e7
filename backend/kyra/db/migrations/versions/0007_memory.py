"""agent memory: memories of any embedding size (an HNSW index per size), full-text search,
core keys, semantic triples, session windows; ai_agents loses the model ids nothing wrote

Revision ID: 0007
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Sizes indexed up front: the local model (384) and OpenAI text-embedding-3-small (1536).
#: Other sizes get their index when the first vector of that size is stored.
_DIMENSIONS = (384, 1536)


def upgrade() -> None:
    op.drop_index("ix_agent_memories_embedding_ivfflat", table_name="agent_memories")
    op.execute("DELETE FROM agent_memories")  # nothing wrote it before this revision
    op.alter_column("agent_memories", "embedding", type_=Vector(), existing_nullable=True)
    columns = [
        sa.Column("key", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("relation", sa.Text(), nullable=True),
        sa.Column("object", sa.Text(), nullable=True),
        sa.Column("importance", sa.Float(), nullable=False, server_default="0.5"),
        sa.Column("session_id", sa.String(length=200), nullable=True),
        sa.Column("embedding_dims", sa.Integer(), nullable=True),
        sa.Column("embedding_model", sa.String(length=300), nullable=True),
        sa.Column(
            "content_tsv",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('english', content)", persisted=True),
        ),
        sa.Column(
            "occurred_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]
    for column in columns:
        op.add_column("agent_memories", column)
    op.create_index(
        "uq_agent_memories_key",
        "agent_memories",
        ["agent_id", "kind", "key"],
        unique=True,
        postgresql_where=sa.text("key IS NOT NULL"),
    )
    op.create_index(
        "ix_agent_memories_recent", "agent_memories", ["agent_id", "kind", "occurred_at"]
    )
    op.create_index(
        "ix_agent_memories_tsv", "agent_memories", ["content_tsv"], postgresql_using="gin"
    )
    op.execute(
        "CREATE INDEX ix_agent_memories_subject ON agent_memories (agent_id, lower(subject)) "
        "WHERE subject IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX ix_agent_memories_object ON agent_memories (agent_id, lower(object)) "
        "WHERE object IS NOT NULL"
    )
    for dims in _DIMENSIONS:
        op.execute(
            f"CREATE INDEX ix_agent_memories_hnsw_{dims} ON agent_memories USING hnsw "
            f"((embedding::vector({dims})) vector_cosine_ops) WHERE embedding_dims = {dims}"
        )
    op.create_table(
        "agent_session_messages",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("message", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["ai_agents.agent_id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("agent_id", "session_id", "key", name="uq_agent_session_messages_key"),
    )
    op.create_index(
        "ix_agent_session_messages_session",
        "agent_session_messages",
        ["agent_id", "session_id", "id"],
    )
    op.drop_column("ai_agents", "llm_provider_id")
    op.drop_column("ai_agents", "llm_model_id")


def downgrade() -> None:
    op.add_column("ai_agents", sa.Column("llm_model_id", sa.Uuid(), nullable=True))
    op.add_column("ai_agents", sa.Column("llm_provider_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        None, "ai_agents", "llm_models", ["llm_model_id"], ["model_id"], ondelete="SET NULL"
    )
    op.create_foreign_key(
        None, "ai_agents", "llm_providers", ["llm_provider_id"], ["provider_id"],
        ondelete="SET NULL",
    )  # fmt: skip
    op.drop_table("agent_session_messages")
    op.execute("DELETE FROM agent_memories")
    op.execute("DROP INDEX IF EXISTS ix_agent_memories_subject")
    op.execute("DROP INDEX IF EXISTS ix_agent_memories_object")
    op.execute(
        "DO $$ DECLARE i text; BEGIN FOR i IN SELECT indexname FROM pg_indexes WHERE "
        "tablename = 'agent_memories' AND indexname LIKE 'ix_agent_memories_hnsw_%' LOOP "
        "EXECUTE 'DROP INDEX ' || quote_ident(i); END LOOP; END $$"
    )
    op.drop_index("ix_agent_memories_tsv", table_name="agent_memories")
    op.drop_index("ix_agent_memories_recent", table_name="agent_memories")
    op.drop_index("uq_agent_memories_key", table_name="agent_memories")
    for name in ("occurred_at", "content_tsv", "embedding_model", "embedding_dims", "session_id",
                 "importance", "object", "relation", "subject", "key"):  # fmt: skip
        op.drop_column("agent_memories", name)
    op.alter_column("agent_memories", "embedding", type_=Vector(1536), existing_nullable=True)
    op.create_index(
        "ix_agent_memories_embedding_ivfflat",
        "agent_memories",
        ["embedding"],
        postgresql_using="ivfflat",
        postgresql_ops={"embedding": "vector_cosine_ops"},
    )
