"""Compress old, unimportant memories into one summary written by a model (a costed call)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.llm.types import ChatMessage, ChatRequest
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.memory._agent import AGENT_FIELD

_INSTRUCTIONS = (
    "Merge these memories of an AI agent into one short paragraph that keeps every fact, name, "
    "number and date worth remembering. Answer with the paragraph only."
)


Mergeable = Literal["episodic", "note", "summary"]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: Literal["summarize", "importance_based"] | None = Field(
        None,
        description="summarize: the oldest memories; importance_based: the least important; "
        "empty: the agent's compression_strategy",
    )
    kinds: list[Mergeable] = Field(
        default_factory=lambda: list[Mergeable](["episodic", "note"]),
        description="Kinds that may be merged",
    )
    older_than_days: float = Field(7, ge=0, le=36_500, description="Only memories older than this")
    max_importance: float = Field(0.5, ge=0, le=1, description="importance_based: at most this")
    min_items: int = Field(2, ge=2, le=200, description="Do nothing with fewer candidates")
    max_items: int = Field(20, ge=2, le=200, description="Merged at most per call")
    model: str = Field("auto", description="Catalogue model key, or auto")
    agent: str | None = AGENT_FIELD


SPEC = NodeSpec(
    type="Memory.compress",
    icon="compress",
    title="Compress memory",
    category="Memory",
    description=(
        "Summarise old or low-importance memories into one summary memory with a model call "
        "(costed), deleting the merged ones and keeping links to them in the summary."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{summary, merged, cost_usd}")],
    timeout_s=300,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    memory = await ctx.memory.agent(params.agent)
    strategy = params.strategy or memory.compression_strategy
    if strategy == "none":
        raise NodeError(
            f"agent {memory.agent_name!r} has compression_strategy 'none': set it in its "
            "memory_schema or give this node a strategy"
        )
    ceiling = params.max_importance if strategy == "importance_based" else 1.0
    candidates = await memory.candidates(
        kinds=params.kinds, older_than_days=params.older_than_days, max_importance=ceiling,
        limit=params.max_items,
    )  # fmt: skip
    if len(candidates) < params.min_items:
        return {"out": {"summary": None, "merged": [], "cost_usd": 0.0}}
    listing = "\n".join(f"- ({m['occurred_at'][:10]}) {m['content']}" for m in candidates)
    response = await ctx.llm.chat(
        ChatRequest(model=params.model, max_tokens=600, temperature=0, messages=[
            ChatMessage(role="system", content=_INSTRUCTIONS),
            ChatMessage(role="user", content=listing),
        ])
    )  # fmt: skip
    if not response.message.text.strip():
        raise NodeError("the model returned an empty summary")
    links = [
        {"id": m["id"], "kind": m["kind"], "occurred_at": m["occurred_at"]} for m in candidates
    ]
    summary = await memory.replace(
        [m["id"] for m in candidates], response.message.text.strip(),
        importance=max(m["importance"] for m in candidates),
        metadata={"merged_from": links, "strategy": strategy, "model": response.model},
    )  # fmt: skip
    if summary is None:
        raise NodeError("some memories changed while compressing; try again")
    return {"out": {"summary": summary, "merged": links, "cost_usd": float(response.cost_usd or 0)}}
