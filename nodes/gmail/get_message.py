"""Read one Gmail message (``users.messages.get``) as a flat object."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.gmail._gmail import get_message, gmail, read_message


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(min_length=1, description="Gmail id of the message")
    format: Literal["full", "metadata", "raw"] = Field(
        "full",
        description="full: headers, text, html, attachments; metadata: headers only; "
        "raw: also the whole RFC 2822 message (base64url)",
    )


SPEC = NodeSpec(
    type="Gmail.get_message",
    icon="mail",
    title="Gmail: get message",
    category="Communication",
    description="Read one message of the connected Gmail account: sender, recipients, subject, "
    "date, labels, text and HTML bodies and attachment names. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{id, thread_id, label_ids, from, to, subject, date, text, html, ...}",
        )
    ],
    credentials=[CredentialRef("gmail")],
    pure=False,
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    resource = await get_message(await gmail(ctx), params.message_id, fmt=params.format)
    return {"out": read_message(resource)}
