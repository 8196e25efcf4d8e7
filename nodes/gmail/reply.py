"""Reply to a Gmail message in its thread (``messages.get`` for the headers, then
``messages.send`` with ``threadId``, ``In-Reply-To`` and ``References``)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, once
from kyra_nodes.gmail._gmail import (
    GMAIL,
    REPLY_HEADERS,
    USER,
    Body,
    addresses,
    bare,
    build_raw,
    get_message,
    gmail,
    read_message,
)


class Params(Body):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(min_length=1, description="Gmail id of the message to answer")
    reply_all: bool = Field(False, description="Also answer the other recipients (To and Cc)")


SPEC = NodeSpec(
    type="Gmail.reply",
    icon="reply",
    title="Gmail: reply",
    category="Communication",
    description="Reply to a Gmail message in its thread, to its sender (or everyone with "
    "reply_all); sends real mail, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{id, thread_id, label_ids}")],
    credentials=[CredentialRef("gmail")],
    retries=2,
    timeout_s=60,
)


def reply_headers(original: dict[str, Any], me: str, *, reply_all: bool) -> dict[str, Any]:
    """The headers of a reply to ``original`` (a read message) sent by ``me``."""
    headers = original["headers"]
    if "SENT" in original["label_ids"]:  # answering our own message: write to its recipients
        to = addresses(headers.get("to", ""))
    else:
        to = addresses(headers.get("reply-to") or headers.get("from", ""))
    cc: list[str] = []
    if reply_all:
        seen = {bare(a) for a in to} | {me}
        cc = [a for a in addresses([headers.get("to", ""), headers.get("cc", "")])
              if bare(a) not in seen]  # fmt: skip
    subject = headers.get("subject", "")
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}".strip()
    message_id = headers.get("message-id", "")
    references = " ".join(filter(None, [headers.get("references", ""), message_id]))
    return {"To": to, "Cc": cc, "Subject": subject, "In-Reply-To": message_id,
            "References": references}  # fmt: skip


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await gmail(ctx)
    original = read_message(
        await get_message(client, params.message_id, fmt="metadata", headers=REPLY_HEADERS)
    )
    me = ""
    if params.reply_all:
        profile = await call(GMAIL, client, "GET", f"{USER}/profile", what="users.getProfile")
        me = str(profile.get("emailAddress", "")).lower()
    raw = build_raw(reply_headers(original, me, reply_all=params.reply_all), params)
    body = {"raw": raw, "threadId": original["thread_id"]}
    path = f"{USER}/messages/send"
    sent = await once(
        ctx, "send", call, GMAIL, client, "POST", path, what="messages.send", json=body
    )
    return {"out": {"id": sent["id"], "thread_id": sent["threadId"], "label_ids": sent["labelIds"]}}
