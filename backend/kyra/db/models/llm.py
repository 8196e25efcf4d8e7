"""The seed's LLM tables: providers, the model catalogue with dated prices, and the usage ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Index, Numeric, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from kyra.db.models._columns import jsonb_column, timestamp_column, utcnow


def _price() -> Any:
    return Column(Numeric(14, 8), nullable=False, server_default=text("0"))


class LlmProvider(SQLModel, table=True):
    __tablename__ = "llm_providers"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_llm_providers_owner_name"),)

    provider_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    #: Null for the shipped catalogue providers visible to everyone.
    owner_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", index=True, ondelete="CASCADE"
    )
    name: str = Field(max_length=200)
    #: "openai", "anthropic" or "openai_compatible".
    provider_key: str = Field(max_length=32)
    base_url: str | None = Field(default=None, max_length=500)
    credential_id: uuid.UUID | None = Field(
        default=None, foreign_key="credentials.id", ondelete="SET NULL"
    )
    capabilities: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(default=dict))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class LlmModel(SQLModel, table=True):
    __tablename__ = "llm_models"
    __table_args__ = (
        UniqueConstraint("provider_id", "model_key", name="uq_llm_models_provider_key"),
    )

    model_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    provider_id: uuid.UUID = Field(
        foreign_key="llm_providers.provider_id", index=True, ondelete="CASCADE"
    )
    model_key: str = Field(max_length=200, index=True)
    display_name: str = Field(default="", max_length=200)
    context_length: int = 8192
    max_output_tokens: int = 4096
    #: Current price in USD per 1,000 tokens; history lives in llm_model_prices.
    input_cost_per_1k: Decimal = Field(default=Decimal(0), sa_column=_price())
    output_cost_per_1k: Decimal = Field(default=Decimal(0), sa_column=_price())
    capabilities: dict[str, Any] = Field(default_factory=dict, sa_column=jsonb_column(default=dict))
    is_recommended: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class LlmModelPrice(SQLModel, table=True):
    """A model's price from ``effective_from`` on, so old usage keeps its old price."""

    __tablename__ = "llm_model_prices"
    __table_args__ = (
        UniqueConstraint("model_id", "effective_from", name="uq_llm_model_prices_model_day"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    model_id: uuid.UUID = Field(foreign_key="llm_models.model_id", index=True, ondelete="CASCADE")
    effective_from: date
    input_cost_per_1k: Decimal = Field(default=Decimal(0), sa_column=_price())
    output_cost_per_1k: Decimal = Field(default=Decimal(0), sa_column=_price())


class LlmUsageLog(SQLModel, table=True):
    __tablename__ = "llm_usage_logs"
    __table_args__ = (Index("ix_llm_usage_logs_user_created", "user_id", "created_at"),)

    usage_id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    model_id: uuid.UUID | None = Field(
        default=None, foreign_key="llm_models.model_id", ondelete="SET NULL"
    )
    model_key: str = Field(default="", max_length=200)
    agent_id: uuid.UUID | None = Field(
        default=None, foreign_key="ai_agents.agent_id", ondelete="SET NULL"
    )
    graph_id: uuid.UUID | None = Field(default=None, foreign_key="graphs.id", ondelete="SET NULL")
    run_id: uuid.UUID | None = Field(
        default=None, foreign_key="runs.id", index=True, ondelete="CASCADE"
    )
    node_run_id: uuid.UUID | None = Field(
        default=None, foreign_key="node_runs.id", ondelete="CASCADE"
    )
    input_tokens: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    output_tokens: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default=text("0"))
    )
    total_cost: Decimal = Field(
        default=Decimal(0),
        sa_column=Column(Numeric(12, 6), nullable=False, server_default=text("0")),
    )
    latency_ms: float | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column(index=True))
