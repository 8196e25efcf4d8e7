"""An AI agent: a model that calls tools and sub-agents until it can answer the goal."""

from __future__ import annotations

import json
from typing import Any

from pydantic import Field

from kyra.context import AgentParams, NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType


class Params(AgentParams):
    goal: str = Field("", description="What to achieve; templates allowed. Empty uses the input")


SPEC = NodeSpec(
    type="AI.agent",
    title="AI agent",
    category="AI",
    icon="agent",
    description=(
        "Pursue a goal with a language model that calls tools and sub-agents until it answers; "
        "every model and tool call is recorded with its cost, and tools may have side effects."
    ),
    params=Params,
    inputs=[Port("in", description="Used as the goal when the goal is empty")],
    outputs=[
        Port("out", PortType.object, description="{answer, result, steps, cost_usd}"),
    ],
    # Agents reach other agents as sub-agents ("agent:<name>"), with depth and recursion checks.
    tool=False,
    timeout_s=1800,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    goal = params.goal or _as_text(inputs.get("in"))
    if not goal:
        raise NodeError("no goal: the goal is empty and no input arrived")
    agent = AgentParams.model_validate(params.model_dump(exclude={"goal"}))
    return {"out": await ctx.run_agent(agent, goal)}


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, default=str)
