"""What the WhatsApp nodes share: Cloud API messages (``POST /<phone number id>/messages``),
Meta's error shapes and throttling codes, and the recipient of a reply."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from kyra.context import NodeContext
from kyra_nodes._service import Service, call, once, param_error

#: Meta's throttling error codes; they come with HTTP 400, yet another attempt may cure them.
THROTTLING_CODES = frozenset({4, 80007, 130429, 131056})


def _throttled(answer: Any) -> bool:
    error = answer.get("error") if isinstance(answer, dict) else None
    return isinstance(error, dict) and error.get("code") in THROTTLING_CODES


WHATSAPP = Service("WhatsApp", throttled=_throttled)


class Recipient(BaseModel):
    """Who a message goes to, and what it answers."""

    to: str = Field(
        "",
        description="Recipient's phone number with country code (+4915123456789) or WhatsApp "
        "id; empty answers the sender of a WhatsApp.trigger run",
    )
    reply_to: str = Field("", description="Quote this message id (wamid.…) as the replied-to one")


def recipient(ctx: NodeContext, params: Recipient) -> str:
    """The ``to`` of a message: the given number (digits only), else the trigger's sender."""
    given = params.to.strip() or str(ctx.trigger.get("from") or "")
    digits = "".join(ch for ch in given if ch.isdigit())
    if not digits:
        raise param_error("to: give a phone number, or start the graph with WhatsApp.trigger")
    return digits


async def send_message(
    ctx: NodeContext, params: Recipient, kind: str, content: dict[str, Any]
) -> dict[str, Any]:
    """Send one message of ``kind`` (``text``, ``template``) once per node run; its ids."""
    client = await ctx.service("whatsapp")
    to = recipient(ctx, params)
    body: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                            "to": to, "type": kind, kind: content}  # fmt: skip
    if params.reply_to:
        body["context"] = {"message_id": params.reply_to}
    path = f"/{client.field('phone_number_id')}/messages"
    sent = await once(ctx, "send", call, WHATSAPP, client, "POST", path, what="messages",
                      json=body)  # fmt: skip
    contact = (sent.get("contacts") or [{}])[0]
    message = (sent.get("messages") or [{}])[0]
    return {"message_id": message.get("id"), "to": to, "wa_id": contact.get("wa_id"),
            "status": message.get("message_status", "accepted")}  # fmt: skip
