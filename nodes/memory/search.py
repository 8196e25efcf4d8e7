"""Search every kind of long-term memory by meaning, keywords, recency, or all fused."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.memory._agent import AGENT_FIELD

Kind = Literal["episodic", "semantic", "note", "summary"]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=10_000, description="What to look for")
    strategy: Literal["fused", "vector", "keyword", "recency"] = Field(
        "fused",
        description="vector similarity, full-text keywords, newest first, or their "
        "reciprocal-rank fusion",
    )
    kinds: list[Kind] = Field(default_factory=list, description="Only these kinds; empty: all")
    limit: int | None = Field(None, ge=1, le=100, description="Results; the agent's top_k")
    agent: str | None = AGENT_FIELD


SPEC = NodeSpec(
    type="Memory.search",
    icon="search",
    title="Search memory",
    category="Memory",
    description=(
        "Find the agent's memories matching a query by vector similarity, keywords, recency or "
        "all of them fused; each result names the strategy that found it. Changes nothing."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{results: [{content, score, strategy}]}")],
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    memory = await ctx.memory.agent(params.agent)
    results = await memory.search(
        params.query, kinds=params.kinds, strategy=params.strategy, limit=params.limit
    )
    return {"out": {"results": results}}
