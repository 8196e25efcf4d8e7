"""Send an email from the connected Gmail account (``users.messages.send``)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, once, param_error
from kyra_nodes.gmail._gmail import GMAIL, USER, Body, addresses, build_raw, gmail


class Params(Body):
    model_config = ConfigDict(extra="forbid")

    to: str | list[str] = Field(description="Recipients: 'a@x.com, Bo <b@y.com>' or a list")
    subject: str = Field("", max_length=998, description="Subject line; templates allowed")
    cc: str | list[str] = Field("", description="Carbon-copy recipients")
    bcc: str | list[str] = Field("", description="Blind carbon-copy recipients")
    reply_to: str = Field("", description="Address replies should go to")
    thread_id: str = Field("", description="Gmail thread to add the message to")


SPEC = NodeSpec(
    type="Gmail.send_message",
    icon="mail",
    title="Gmail: send message",
    category="Communication",
    description="Send an email from the connected Gmail account to the given recipients; "
    "sends real mail, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{id, thread_id, label_ids}")],
    credentials=[CredentialRef("gmail")],
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    to, cc, bcc = addresses(params.to), addresses(params.cc), addresses(params.bcc)
    if not (to or cc or bcc):
        raise param_error("to: give at least one recipient address")
    raw = build_raw(
        {"To": to, "Cc": cc, "Bcc": bcc, "Subject": params.subject, "Reply-To": params.reply_to},
        params,
    )
    body: dict[str, Any] = {"raw": raw}
    if params.thread_id:
        body["threadId"] = params.thread_id
    client = await gmail(ctx)
    path = f"{USER}/messages/send"
    sent = await once(
        ctx, "send", call, GMAIL, client, "POST", path, what="messages.send", json=body
    )
    return {"out": {"id": sent["id"], "thread_id": sent["threadId"], "label_ids": sent["labelIds"]}}
