"""Episodic memory: events with timestamps, recalled by similarity (and recency with decay)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.memory._agent import AGENT_FIELD


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["record", "recall"] = Field("recall", description="Store or search events")
    content: str | None = Field(
        None, min_length=1, max_length=20_000, description="The event (record) or query (recall)"
    )
    occurred_at: datetime | None = Field(None, description="When it happened (record; now)")
    importance: float = Field(0.5, ge=0, le=1, description="0-1; low ones compress first")
    limit: int | None = Field(None, ge=1, le=100, description="Results (recall; the agent's top_k)")
    decay: bool | None = Field(None, description="Rank recent events higher; the agent's setting")
    agent: str | None = AGENT_FIELD

    @model_validator(mode="after")
    def _needs_content(self) -> Params:
        if not self.content:
            raise ValueError(f"content is required to {self.action}")
        return self


SPEC = NodeSpec(
    type="Memory.episodic",
    icon="calendar",
    title="Episodic memory",
    category="Memory",
    description=(
        "Record an event the agent lived through, with its time, or recall the events most "
        "similar to a query (recent ones first when decay is on); record stores a memory."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{stored} or {episodes}")],
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    memory = await ctx.memory.agent(params.agent)
    assert params.content is not None
    if params.action == "record":
        stored = await memory.remember(
            "episodic", params.content, importance=params.importance,
            occurred_at=params.occurred_at,
        )  # fmt: skip
        return {"out": {"stored": stored}}
    episodes = await memory.search(
        params.content, kinds=["episodic"], strategy="vector", limit=params.limit,
        decay=params.decay,
    )  # fmt: skip
    return {"out": {"episodes": episodes}}
