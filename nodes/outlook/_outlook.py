"""What the Outlook nodes share: Microsoft Graph mail (``/me/...``), recipients and messages as
flat objects."""

from __future__ import annotations

from email.utils import getaddresses
from typing import Any

from kyra.context import NodeContext
from kyra.credentials import ServiceClient
from kyra_nodes._service import Service

GRAPH = Service("Outlook")
#: Fields a listed message keeps (``$select``).
SUMMARY_FIELDS = (
    "id",
    "subject",
    "from",
    "toRecipients",
    "ccRecipients",
    "receivedDateTime",
    "isRead",
    "bodyPreview",
    "conversationId",
    "hasAttachments",
    "webLink",
    "internetMessageId",
)


async def outlook(ctx: NodeContext) -> ServiceClient:
    return await ctx.service("outlook")


def recipients(value: str | list[str]) -> list[dict[str, Any]]:
    """Graph recipients from ``"a@x, Bo <b@y>"`` or a list of them."""
    items = value if isinstance(value, list) else [value]
    return [
        {"emailAddress": {"address": address, **({"name": name} if name else {})}}
        for name, address in getaddresses(items)
        if address
    ]


def _address(recipient: dict[str, Any] | None) -> str:
    email = (recipient or {}).get("emailAddress") or {}
    name, address = email.get("name", ""), email.get("address", "")
    return f"{name} <{address}>" if name and name != address else address


def read_message(message: dict[str, Any]) -> dict[str, Any]:
    """A Graph message as a flat object (``body`` only when Graph sent it)."""
    out = {
        "id": message.get("id"),
        "subject": message.get("subject", ""),
        "from": _address(message.get("from")),
        "to": [_address(r) for r in message.get("toRecipients") or []],
        "cc": [_address(r) for r in message.get("ccRecipients") or []],
        "received_at": message.get("receivedDateTime"),
        "is_read": message.get("isRead"),
        "preview": message.get("bodyPreview", ""),
        "conversation_id": message.get("conversationId"),
        "internet_message_id": message.get("internetMessageId"),
        "has_attachments": message.get("hasAttachments", False),
        "web_link": message.get("webLink"),
    }
    if "body" in message:
        body = message["body"] or {}
        out |= {"body": body.get("content", ""), "body_type": body.get("contentType", "")}
    return out
