"""Read one Outlook message through Microsoft Graph, with its body as text or HTML."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call
from kyra_nodes.outlook._outlook import GRAPH, outlook, read_message


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(min_length=1, description="Graph id of the message")
    body_type: Literal["text", "html"] = Field("text", description="Body as plain text or HTML")


SPEC = NodeSpec(
    type="Outlook.get_message",
    icon="mail",
    title="Outlook: get message",
    category="Communication",
    description="Read one message of the connected Outlook account: sender, recipients, "
    "subject, date and body. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{id, subject, from, to, cc, received_at, body, body_type, ...}",
        )
    ],
    credentials=[CredentialRef("outlook")],
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    message = await call(
        GRAPH,
        await outlook(ctx),
        "GET",
        f"/me/messages/{params.message_id}",
        what="message.get",
        headers={"Prefer": f'outlook.body-content-type="{params.body_type}"'},
    )
    return {"out": read_message(message)}
