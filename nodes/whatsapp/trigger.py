"""Start the graph for each message a WhatsApp Business number receives (Cloud API webhooks):
the verification challenge is answered with the verify token, every delivery is checked
against ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with the app secret), and each
message id starts one run."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import InboundRequest, NodeContext, Received, TriggerContext, TriggerEvent
from kyra.errors import CredentialError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    types: list[str] = Field(
        default_factory=list,
        description="Message types that start the graph (text, image, button, interactive, "
        "location…); empty: every message",
    )


SPEC = NodeSpec(
    type="WhatsApp.trigger",
    title="WhatsApp: message",
    category="Triggers",
    icon="chat",
    description="Start the graph for each message the WhatsApp Business number receives; set "
    "the URL shown on the node as the app's webhook (Callback URL) with the credential's "
    "verify token, and subscribe to the messages field.",
    params=Params,
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{message_id, from, name, type, text, timestamp, phone_number_id, "
            "message, contact}",
        )
    ],
    credentials=[CredentialRef("whatsapp")],
    trigger=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}


def signed_by(secret: str, request: InboundRequest) -> bool:
    """Whether ``X-Hub-Signature-256`` is ``sha256=`` + the HMAC-SHA256 of the raw body."""
    given = request.headers.get("x-hub-signature-256", "")
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.encode(), expected.encode())


def verification(token: str, query: dict[str, str] | Any) -> Received:
    """The answer to Meta's ``GET`` verification request: the challenge, if the token matches."""
    given = str(query.get("hub.verify_token", ""))
    if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(given, token):
        return Received(403, {"error": "verification failed"})
    return Received(200, str(query.get("hub.challenge", "")))


def _text(message: dict[str, Any]) -> str:
    kind = message.get("type", "")
    found = message.get(kind)
    part: dict[str, Any] = found if isinstance(found, dict) else {}
    interactive = part.get("button_reply") or part.get("list_reply") or {}
    return str(part.get("body") or part.get("text") or part.get("caption")
               or interactive.get("title") or "")  # fmt: skip


def trigger_of(value: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    contacts = {c.get("wa_id"): c for c in value.get("contacts") or []}
    contact = contacts.get(message.get("from"), {})
    metadata = value.get("metadata") or {}
    return {
        "message_id": message.get("id"), "from": message.get("from"),
        "name": (contact.get("profile") or {}).get("name", ""), "type": message.get("type"),
        "text": _text(message), "timestamp": message.get("timestamp"),
        "phone_number_id": metadata.get("phone_number_id"),
        "display_phone_number": metadata.get("display_phone_number"),
        "message": message, "contact": contact,
    }  # fmt: skip


def events_of(payload: Any, *, phone_number_id: str, types: list[str]) -> list[TriggerEvent]:
    """One event per message to this number (statuses and other fields are ignored)."""
    found: list[TriggerEvent] = []
    entries = payload.get("entry") if isinstance(payload, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            number = (value.get("metadata") or {}).get("phone_number_id")
            if change.get("field") != "messages" or str(number) != phone_number_id:
                continue
            for message in value.get("messages") or []:
                if message.get("id") and (not types or message.get("type") in types):
                    found.append(TriggerEvent(str(message["id"]), trigger_of(value, message)))
    return found


@SPEC.receiver
async def receive(ctx: TriggerContext, params: Params, request: InboundRequest) -> Received:
    fields = await ctx.credential("whatsapp")
    if request.method == "GET":
        token = str(fields.get("verify_token") or "")
        if not token:
            raise CredentialError("the whatsapp credential of WhatsApp.trigger has no verify_token")
        return verification(token, request.query)
    secret = str(fields.get("app_secret") or "")
    if not secret:
        raise CredentialError("the whatsapp credential of WhatsApp.trigger has no app_secret")
    if not signed_by(secret, request):
        return Received(401, {"error": "invalid signature"})
    try:
        payload = json.loads(request.body)
    except ValueError:
        return Received(400, {"error": "not JSON"})
    number = str(fields.get("phone_number_id") or "")
    events = events_of(payload, phone_number_id=number, types=params.types)
    return Received(200, {"ok": True}, events=events)
