"""Keep the first or last N items of a list."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.shared.items import items_from, pick


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Any = Field(None, description="List to cut; defaults to the incoming list")
    count: int = Field(10, ge=0, description="How many items to keep")
    keep: Literal["first", "last"] = Field("first", description="Which end of the list to keep")


SPEC = NodeSpec(
    type="Data.limit",
    title="Limit items",
    category="Data",
    icon="limit",
    description="Keep only the first (or last) N items of a list, in their order.",
    params=Params,
    inputs=[Port("in", PortType.list, description="Items")],
    outputs=[Port("out", PortType.list, description="At most N items")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    items = items_from(pick(params.items, inputs))
    if params.keep == "first":
        return {"out": items[: params.count]}
    return {"out": items[len(items) - params.count :] if params.count else []}
