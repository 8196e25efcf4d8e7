"""Start the graph when the Telegram bot it is deployed as receives a message."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


SPEC = NodeSpec(
    type="Telegram.trigger",
    title="Telegram message",
    category="Triggers",
    icon="send",
    description="Start the graph when its Telegram bot receives a message; "
    "deploy the graph with POST /api/graphs/{id}/channels/telegram.",
    params=Params,
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{update_id, chat_id, text, from, message, update}",
        )
    ],
    trigger=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}
