"""What the Gmail nodes share: the service description, building RFC 2822 messages for
``messages.send`` (base64url ``raw``) and reading Message resources into flat outputs."""

from __future__ import annotations

import base64
import binascii
from email.message import EmailMessage
from email.utils import getaddresses
from typing import Any

from pydantic import BaseModel, Field

from kyra.context import NodeContext, TriggerContext
from kyra.credentials import ServiceClient
from kyra_nodes._service import Service, call

GMAIL = Service("Gmail")
#: The authenticated user's mailbox.
USER = "/gmail/v1/users/me"
#: Headers a reply needs from the message it answers.
REPLY_HEADERS = ("Subject", "From", "To", "Cc", "Reply-To", "Message-ID", "References")


class Body(BaseModel):
    """The content of a message a node writes."""

    text: str = Field("", description="Plain-text body; templates allowed")
    html: str = Field("", description="HTML body (sent as an alternative to the text)")


async def gmail(ctx: NodeContext | TriggerContext) -> ServiceClient:
    return await ctx.service("gmail")


def addresses(value: str | list[str]) -> list[str]:
    """Addresses from ``"a@x, B <b@y>"`` or a list of them; blanks dropped."""
    items = value if isinstance(value, list) else [value]
    return [f"{name} <{addr}>" if name else addr for name, addr in getaddresses(items) if addr]


def build_raw(headers: dict[str, str | list[str]], body: Body) -> str:
    """A message for ``messages.send``: base64url of its RFC 2822 bytes."""
    message = EmailMessage()
    for name, value in headers.items():
        joined = ", ".join(value) if isinstance(value, list) else value
        if joined:
            message[name] = joined
    message.set_content(body.text or " ")
    if body.html:
        message.add_alternative(body.html, subtype="html")
    return base64.urlsafe_b64encode(message.as_bytes()).decode()


def _decoded(data: str) -> str:
    try:
        return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _walk(part: dict[str, Any], found: dict[str, Any]) -> None:
    body = part.get("body") or {}
    mime = part.get("mimeType", "")
    if part.get("filename") or body.get("attachmentId"):
        found["attachments"].append(
            {
                "filename": part.get("filename", ""),
                "mime_type": mime,
                "size": body.get("size", 0),
                "attachment_id": body.get("attachmentId"),
                "part_id": part.get("partId"),
            }
        )
    elif mime in ("text/plain", "text/html") and body.get("data"):
        key = "text" if mime == "text/plain" else "html"
        found[key] = found[key] or _decoded(body["data"])
    for child in part.get("parts") or []:
        _walk(child, found)


def read_message(resource: dict[str, Any]) -> dict[str, Any]:
    """A Message resource as a flat object: ids, labels, headers, text, html, attachments."""
    payload = resource.get("payload") or {}
    headers = {h["name"].lower(): h["value"] for h in payload.get("headers") or []}
    found: dict[str, Any] = {"text": "", "html": "", "attachments": []}
    _walk(payload, found)
    out = {
        "id": resource.get("id"),
        "thread_id": resource.get("threadId"),
        "label_ids": resource.get("labelIds") or [],
        "snippet": resource.get("snippet", ""),
        "history_id": resource.get("historyId"),
        "internal_date": resource.get("internalDate"),
        "from": headers.get("from", ""),
        "to": headers.get("to", ""),
        "cc": headers.get("cc", ""),
        "subject": headers.get("subject", ""),
        "date": headers.get("date", ""),
        "message_id": headers.get("message-id", ""),
        "headers": headers,
    }
    if payload.get("parts") is not None or payload.get("body") is not None:
        out |= found
    if "raw" in resource:
        out["raw"] = resource["raw"]
    return out


async def get_message(
    client: ServiceClient, message_id: str, *, fmt: str, headers: tuple[str, ...] = ()
) -> dict[str, Any]:
    params: dict[str, Any] = {"format": fmt}
    if headers:
        params["metadataHeaders"] = list(headers)
    resource: dict[str, Any] = await call(
        GMAIL, client, "GET", f"{USER}/messages/{message_id}", what="messages.get", params=params
    )
    return resource


def bare(address: str) -> str:
    """The lower-case address of ``Name <a@b>`` (for comparing recipients)."""
    parsed = getaddresses([address])
    return parsed[0][1].lower() if parsed else ""
