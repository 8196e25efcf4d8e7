"""Send a text message from a Telegram bot (Bot API ``sendMessage``)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import once
from kyra_nodes.telegram._telegram import MAX_TEXT, Delivery, delivery_fields, method


class Params(Delivery):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="Message text; templates allowed")


SPEC = NodeSpec(
    type="Telegram.send_message",
    title="Telegram: send message",
    category="Communication",
    icon="send",
    description="Send a text message to a Telegram chat from the bot whose token the "
    "telegram_bot credential holds; sends for real, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="The sent message as Telegram returns it")],
    credentials=[CredentialRef("telegram_bot")],
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    body = delivery_fields(ctx, params) | {"text": params.text[:MAX_TEXT]}
    client = await ctx.service("telegram_bot")
    return {"out": await once(ctx, "send", method, client, "sendMessage", json=body)}
