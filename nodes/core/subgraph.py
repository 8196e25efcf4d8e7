"""Run another saved graph as a child run and output its result."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    graph_id: UUID = Field(
        description="Graph to run (same owner)", json_schema_extra={"x-widget": "graph"}
    )
    inputs: Any = Field(None, description="Trigger payload of the child run; defaults to the input")
    output_node: str | None = Field(None, description="Return only this node's output")


SPEC = NodeSpec(
    type="Core.subgraph",
    title="Sub-graph",
    category="Flow",
    icon="subgraph",
    description="Run another graph with the given inputs and output its result.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out")],
    timeout_s=3600,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    payload = params.inputs if params.inputs is not None else inputs.get("in")
    trigger = payload if isinstance(payload, dict) else {"value": payload}
    result = await ctx.run_graph(params.graph_id, trigger, key="subgraph")
    if params.output_node:
        return {"out": result.get(params.output_node)}
    return {"out": result}
