"""A scratchpad step: record a thought in the run, with no side effect."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    thought: str = Field(
        min_length=1, max_length=20_000, description="Reasoning to write down before acting"
    )


SPEC = NodeSpec(
    type="Core.think",
    title="Think",
    category="Cognitive",
    icon="think",
    description=(
        "Write down step-by-step reasoning or a plan before acting; records the thought and "
        "changes nothing else."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{thought}")],
    pure=True,
    timeout_s=5,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": {"thought": params.thought}}
