"""Send an email through the SMTP server of an ``smtp`` credential: text and HTML bodies,
attachments from stored files, STARTTLS or implicit TLS."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import once, param_error
from kyra_nodes.email._connection import mail_server
from kyra_nodes.email._smtp import send_mail
from kyra_nodes.shared.mail import Body, addresses, bare, new_message

#: Most attachment bytes one message carries (providers refuse larger messages).
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


class Params(Body):
    model_config = ConfigDict(extra="forbid")

    to: str | list[str] = Field(description="Recipients: 'a@x.com, Bo <b@y.com>' or a list")
    subject: str = Field("", max_length=998, description="Subject line; templates allowed")
    cc: str | list[str] = Field("", description="Carbon-copy recipients")
    bcc: str | list[str] = Field("", description="Blind carbon-copy recipients (not shown)")
    from_address: str = Field(
        "", description="Sender, e.g. 'Ada <ada@x.com>'; empty: the credential's default"
    )
    reply_to: str = Field("", description="Address replies should go to")
    attachments: list[dict[str, Any]] = Field(
        default_factory=list,
        description='Files to attach: references {"$file": …} from other nodes (CSV.build, '
        "HTTP.request with a file response, uploads)",
    )


SPEC = NodeSpec(
    type="Email.send",
    title="Email: send",
    category="Communication",
    icon="mail",
    description="Send an email (text and/or HTML, with attachments) through an SMTP server; "
    "sends real mail, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{message_id, accepted, refused, subject}")],
    credentials=[CredentialRef("smtp")],
    retries=2,
    timeout_s=180,
)


def message_id(key: str, sender: str) -> str:
    """A Message-ID that stays the same across attempts, so mail clients see one message."""
    domain = bare(sender).rpartition("@")[2] or "kyra.local"
    return f"<kyra.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


async def _attach(ctx: NodeContext, message: EmailMessage, refs: list[dict[str, Any]]) -> None:
    total = 0
    for index, ref in enumerate(refs):
        stored = await ctx.files.describe(ref)
        total += stored["size"]
        if total > MAX_ATTACHMENT_BYTES:
            raise param_error(f"attachments: more than {MAX_ATTACHMENT_BYTES} bytes in all")
        content = b"".join([chunk async for chunk in ctx.files.chunks(ref)])
        maintype, _, subtype = (stored["mime"] or "application/octet-stream").partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=stored["name"] or f"attachment-{index + 1}")  # fmt: skip


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    to, cc, bcc = addresses(params.to), addresses(params.cc), addresses(params.bcc)
    if not (to or cc or bcc):
        raise param_error("to: give at least one recipient address")
    fields = await ctx.credential("smtp")
    server = mail_server("smtp", fields)
    sender = params.from_address or str(fields.get("from_address") or server.username)
    if not bare(sender):
        raise param_error("from_address: give a sender (or set one on the smtp credential)")
    headers: dict[str, str | list[str]] = {
        "From": sender, "To": to, "Cc": cc, "Reply-To": params.reply_to,
        "Subject": params.subject, "Date": formatdate(localtime=False),
        "Message-ID": message_id(ctx.idempotency_key, sender),
    }  # fmt: skip
    message = new_message(headers, params)
    await _attach(ctx, message, params.attachments)
    recipients = [bare(a) for a in [*to, *cc, *bcc]]
    sent = await once(ctx, "send", send_mail, ctx, server, message, sender=bare(sender),
                      recipients=recipients)  # fmt: skip
    return {"out": {"message_id": message["Message-ID"], "subject": params.subject, **sent}}
