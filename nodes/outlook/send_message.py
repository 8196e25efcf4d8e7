"""Send an email from the connected Outlook account through Microsoft Graph: a draft is created
(its id recorded), then sent, so a retried or redelivered node never sends twice."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, once, param_error, send
from kyra_nodes.outlook._outlook import GRAPH, outlook, recipients


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str | list[str] = Field(description="Recipients: 'a@x.com, Bo <b@y.com>' or a list")
    subject: str = Field("", max_length=255, description="Subject line; templates allowed")
    body: str = Field("", description="The message; templates allowed")
    body_type: str = Field("text", pattern="^(text|html)$", description="text or html")
    cc: str | list[str] = Field("", description="Carbon-copy recipients")
    bcc: str | list[str] = Field("", description="Blind carbon-copy recipients")
    importance: str = Field("normal", pattern="^(low|normal|high)$")


SPEC = NodeSpec(
    type="Outlook.send_message",
    icon="mail",
    title="Outlook: send message",
    category="Communication",
    description="Send an email from the connected Outlook / Microsoft 365 account (it is kept "
    "in Sent Items); sends real mail, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("out", PortType.object, description="{id, conversation_id, internet_message_id}")
    ],
    credentials=[CredentialRef("outlook")],
    retries=2,
    timeout_s=60,
)


async def _send_draft(client: Any, draft_id: str) -> dict[str, bool]:
    try:
        await send(GRAPH, client, "POST", f"/me/messages/{draft_id}/send", what="message.send")
    except NodeError as exc:
        # Our own draft is gone: an attempt that died before recording it already sent it.
        if exc.details.get("status") != 404:
            raise
    return {"sent": True}


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    to, cc, bcc = recipients(params.to), recipients(params.cc), recipients(params.bcc)
    if not (to or cc or bcc):
        raise param_error("to: give at least one recipient address")
    message = {
        "subject": params.subject,
        "importance": params.importance,
        "body": {"contentType": params.body_type, "content": params.body},
        "toRecipients": to,
        "ccRecipients": cc,
        "bccRecipients": bcc,
    }
    client = await outlook(ctx)
    draft = await once(
        ctx,
        "draft",
        call,
        GRAPH,
        client,
        "POST",
        "/me/messages",
        what="message.create",
        json=message,
    )
    await once(ctx, "send", _send_draft, client, draft["id"])
    return {
        "out": {
            "id": draft["id"],
            "conversation_id": draft.get("conversationId"),
            "internet_message_id": draft.get("internetMessageId"),
        }
    }
