"""Send a text message from a WhatsApp Business number (Cloud API ``messages``, type text)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.whatsapp._whatsapp import Recipient, send_message


class Params(Recipient):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4096, description="Message text; templates allowed")
    preview_url: bool = Field(False, description="Show a preview of the first link in the text")


SPEC = NodeSpec(
    type="WhatsApp.send_text",
    title="WhatsApp: send text",
    category="Communication",
    icon="chat",
    description="Send a WhatsApp text message from the business number to a phone number (only "
    "within 24 hours of the person's last message; otherwise use a template); sends for real, "
    "once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{message_id, to, wa_id, status}")],
    credentials=[CredentialRef("whatsapp")],
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    content = {"preview_url": params.preview_url, "body": params.text}
    return {"out": await send_message(ctx, params, "text", content)}
