"""Run one node type or a whole graph once per item of a list, and collect the results."""

from __future__ import annotations

import asyncio
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType


class LoopBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(description="Node type to run per item, e.g. HTTP.request")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Its params; templates see item and index"
    )

    @model_validator(mode="after")
    def _runnable(self, info: ValidationInfo) -> LoopBody:
        # Graph validation hands over its node check, so Save refuses what a run would; at run
        # time `ctx.run_node` checks the rendered params again.
        check = (info.context or {}).get("check_node")
        problems = check(self.type, self.params) if check else []
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(description="List to loop over, e.g. {{ trigger.body.orders }}")
    mode: Literal["node", "graph"] = "node"
    node: LoopBody | None = Field(
        None, description="The node run per item", json_schema_extra={"x-widget": "node-body"}
    )
    graph_id: UUID | None = Field(
        None,
        description="The graph run per item (mode graph)",
        json_schema_extra={"x-widget": "graph"},
    )
    concurrency: int = Field(4, ge=1, le=64)
    fail_fast: bool = True

    @model_validator(mode="after")
    def _body_present(self) -> Params:
        if self.mode == "node" and self.node is None:
            raise ValueError("mode 'node' needs node.type")
        if self.mode == "graph" and self.graph_id is None:
            raise ValueError("mode 'graph' needs graph_id")
        return self


SPEC = NodeSpec(
    type="Core.loop",
    title="Loop over items",
    category="Flow",
    icon="loop",
    description="Run a node or a sub-graph once per item of a list and output the list of results.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("out", PortType.list, description="Results in item order"),
        Port("errors", PortType.list),
    ],
    timeout_s=3600,
    raw_params=frozenset({"node"}),
)


async def _one(ctx: NodeContext, params: Params, index: int, item: Any) -> Any:
    if params.mode == "graph":
        assert params.graph_id is not None
        trigger = {"item": item, "index": index}
        return await ctx.run_graph(params.graph_id, trigger, key=f"item-{index}")
    assert params.node is not None
    rendered = ctx.render(params.node.params, {"item": item, "index": index})
    ports = await ctx.run_node(params.node.type, rendered, {"in": item})
    return ports.get("out", ports)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    items = params.items
    if not isinstance(items, list):
        raise NodeError(f"items must be a list, got {type(items).__name__}")
    gate = asyncio.Semaphore(params.concurrency)
    errors: list[dict[str, Any]] = []

    async def guarded(index: int, item: Any) -> Any:
        async with gate:
            try:
                return await _one(ctx, params, index, item)
            except NodeError as exc:
                if params.fail_fast:
                    raise
                errors.append({"index": index, "message": str(exc)})
                return None

    results = await asyncio.gather(*(guarded(i, item) for i, item in enumerate(items)))
    ports: dict[str, Any] = {"out": list(results)}
    if errors:
        ports["errors"] = errors
    return ports
