"""Pause this branch for a while, then pass the incoming value on."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(1.0, ge=0, le=3600)


SPEC = NodeSpec(
    type="Core.wait",
    title="Wait",
    category="Flow",
    icon="wait",
    description="Wait the given number of seconds, then pass the incoming value on.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out")],
    timeout_s=3700,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    await asyncio.sleep(params.seconds)
    return {"out": inputs.get("in")}
