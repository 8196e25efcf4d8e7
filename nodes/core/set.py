"""Build a value from templates, optionally on top of the incoming object."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    values: Any = Field(
        default_factory=dict, description="Object (or any JSON value) to output; templates allowed"
    )
    keep_input: bool = Field(False, description="Merge values over the incoming object")


SPEC = NodeSpec(
    type="Core.set",
    title="Set values",
    category="Core",
    icon="edit",
    description="Output the given values, optionally merged over the incoming object.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out")],
    pure=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    incoming = inputs.get("in")
    if params.keep_input and isinstance(incoming, dict) and isinstance(params.values, dict):
        return {"out": {**incoming, **params.values}}
    return {"out": params.values}
