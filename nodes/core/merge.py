"""Join branches: waits for every incoming branch, then combines what arrived."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["list", "object", "first"] = "list"


SPEC = NodeSpec(
    type="Core.merge",
    title="Merge",
    category="Flow",
    icon="merge",
    description="Wait for all incoming branches and combine their values into a list, "
    "one merged object, or the first value.",
    params=Params,
    inputs=[Port("in", many=True)],
    outputs=[Port("out")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    values = list(inputs.get("in") or [])
    if params.mode == "first":
        return {"out": values[0] if values else None}
    if params.mode == "object":
        merged: dict[str, Any] = {}
        for value in values:
            if isinstance(value, dict):
                merged.update(value)
        return {"out": merged}
    return {"out": values}
