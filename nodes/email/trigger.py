"""Start the graph for each new message in an IMAP mailbox, by polling with a stored UID
cursor (nothing is marked as read)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext, Polled, TriggerContext, TriggerEvent
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.email._connection import mail_server
from kyra_nodes.email._imap import new_messages
from kyra_nodes.shared.mail import read_mime

#: New messages read per poll; the rest wait for the next one.
MAX_PER_POLL = 50
#: Larger messages start their run with the headers only.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mailbox: str = Field("INBOX", min_length=1, max_length=200, description="Folder to watch")
    poll_seconds: int = Field(60, ge=10, le=86_400, description="How often to look")
    enabled: bool = True


SPEC = NodeSpec(
    type="Email.trigger",
    title="Email: new message (IMAP)",
    category="Triggers",
    icon="mail",
    description="Start the graph once for every new message that arrives in an IMAP mailbox "
    "folder (checked every poll_seconds; messages are not marked as read).",
    params=Params,
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{uid, mailbox, message_id, from, to, cc, subject, date, text, html, "
            "attachments, headers, size, truncated}",
        )
    ],
    credentials=[CredentialRef("imap")],
    trigger=True,
    timeout_s=180,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}


def _payload(uid: int, size: int, raw: bytes, mailbox: str) -> dict[str, Any]:
    return {"uid": uid, "mailbox": mailbox, **read_mime(raw), "size": size,
            "truncated": size > MAX_MESSAGE_BYTES}  # fmt: skip


@SPEC.poller
async def poll(ctx: TriggerContext, params: Params, cursor: dict[str, Any] | None) -> Polled:
    server = mail_server("imap", await ctx.credential("imap"))
    after = (int(cursor["uidvalidity"]), int(cursor["uid"])) if cursor else None
    found = await new_messages(ctx, server, params.mailbox, after=after, limit=MAX_PER_POLL,
                               max_bytes=MAX_MESSAGE_BYTES)  # fmt: skip
    if after is not None and after[0] != found.uidvalidity:
        # The server renumbered the folder: old UIDs mean nothing now; start from here.
        ctx.log.warning("IMAP %s changed UIDVALIDITY; starting from now", params.mailbox)
    events = [
        TriggerEvent(f"{found.uidvalidity}:{uid}", _payload(uid, size, raw, params.mailbox))
        for uid, size, raw in found.messages
    ]
    last = max([found.last_uid, *(uid for uid, _, _ in found.messages)])
    return Polled(events, {"uidvalidity": found.uidvalidity, "uid": last})
