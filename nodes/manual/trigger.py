"""Start a run by hand (editor Run button or the API); the inputs become the trigger payload."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


SPEC = NodeSpec(
    type="Manual.trigger",
    title="Manual trigger",
    category="Triggers",
    icon="play",
    description="Start the graph by hand or through the API; outputs the run's input payload.",
    params=Params,
    outputs=[Port("out", PortType.object, description="The inputs given when the run was started")],
    trigger=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}
