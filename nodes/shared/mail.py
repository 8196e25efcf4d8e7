"""Email messages the mail nodes write and read (RFC 5322 through the standard library): address
lists, a message with text and HTML bodies, and a received message as a flat object."""

from __future__ import annotations

import email.policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from pydantic import BaseModel, Field


class Body(BaseModel):
    """The content of a message a node writes."""

    text: str = Field("", description="Plain-text body; templates allowed")
    html: str = Field("", description="HTML body (sent as an alternative to the text)")


def addresses(value: str | list[str]) -> list[str]:
    """Addresses from ``"a@x, B <b@y>"`` or a list of them; blanks dropped."""
    items = value if isinstance(value, list) else [value]
    return [f"{name} <{addr}>" if name else addr for name, addr in getaddresses(items) if addr]


def bare(address: str) -> str:
    """The lower-case address of ``Name <a@b>`` (for comparing recipients)."""
    parsed = getaddresses([address])
    return parsed[0][1].lower() if parsed else ""


def new_message(headers: dict[str, str | list[str]], body: Body) -> EmailMessage:
    """A message with ``headers`` (empty ones left out), the text and, if any, the HTML."""
    message = EmailMessage()
    for name, value in headers.items():
        joined = ", ".join(value) if isinstance(value, list) else value
        if joined:
            message[name] = joined
    message.set_content(body.text or " ")
    if body.html:
        message.add_alternative(body.html, subtype="html")
    return message


def read_mime(raw: bytes) -> dict[str, Any]:
    """A received message as a flat object: headers, text, html and attachment names."""
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    attachments = [
        {"filename": part.get_filename() or "", "mime_type": part.get_content_type(),
         "size": len(part.get_payload(decode=True) or b"")}
        for part in message.iter_attachments()
    ]  # fmt: skip
    headers = {name.lower(): str(value) for name, value in message.items()}
    return {
        "message_id": headers.get("message-id", ""), "from": headers.get("from", ""),
        "to": headers.get("to", ""), "cc": headers.get("cc", ""),
        "subject": headers.get("subject", ""), "date": headers.get("date", ""),
        "text": text.get_content() if text is not None else "",
        "html": html.get_content() if html is not None else "",
        "attachments": attachments, "headers": headers,
    }  # fmt: skip
