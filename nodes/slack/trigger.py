"""Start the graph for Slack events (Events API): requests are checked with the app's signing
secret, the URL-verification handshake is answered, each event starts one run."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import InboundRequest, NodeContext, Received, TriggerContext, TriggerEvent
from kyra.errors import CredentialError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType

#: Slack's advice: refuse requests whose timestamp is further than five minutes from now.
TOLERANCE_S = 300


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[str] = Field(
        default_factory=list,
        description="Event types that start the graph (message, app_mention, reaction_added…); "
        "empty: every event the app subscribes to",
    )
    ignore_bots: bool = Field(True, description="Skip messages sent by bots (and so by this app)")


SPEC = NodeSpec(
    type="Slack.trigger",
    icon="hook",
    title="Slack: event",
    category="Triggers",
    description="Start the graph for each Slack event the app receives (Events API); set the "
    "URL shown on the node as the app's Request URL.",
    params=Params,
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{event_id, type, user, channel, text, ts, thread_ts, team_id, event}",
        )
    ],
    credentials=[CredentialRef("slack")],
    trigger=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}


def signed_by(secret: str, request: InboundRequest, *, now: float) -> bool:
    """Whether ``X-Slack-Signature`` is Slack's ``v0`` HMAC of the timestamp and body."""
    stamp = request.headers.get("x-slack-request-timestamp", "")
    given = request.headers.get("x-slack-signature", "")
    if not stamp.isdigit() or abs(now - int(stamp)) > TOLERANCE_S:
        return False
    base = f"v0:{stamp}:".encode() + request.body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.encode(), expected.encode())


def _wanted(event: dict[str, Any], params: Params) -> bool:
    if params.events and event.get("type") not in params.events:
        return False
    from_bot = event.get("bot_id") or event.get("subtype") == "bot_message"
    return not (params.ignore_bots and from_bot)


def trigger_of(callback: dict[str, Any]) -> dict[str, Any]:
    event = callback.get("event") or {}
    return {
        "event_id": callback.get("event_id"), "event_time": callback.get("event_time"),
        "team_id": callback.get("team_id"), "api_app_id": callback.get("api_app_id"),
        "type": event.get("type"), "user": event.get("user"), "channel": event.get("channel"),
        "text": event.get("text", ""), "ts": event.get("ts") or event.get("event_ts"),
        "thread_ts": event.get("thread_ts"), "event": event,
    }  # fmt: skip


@SPEC.receiver
async def receive(ctx: TriggerContext, params: Params, request: InboundRequest) -> Received:
    secret = str((await ctx.credential("slack")).get("signing_secret") or "")
    if not secret:
        raise CredentialError("the slack credential of Slack.trigger has no signing_secret")
    if request.method != "POST" or not signed_by(secret, request, now=time.time()):
        return Received(401, {"error": "invalid_signature"})
    try:
        callback = json.loads(request.body)
    except ValueError:
        return Received(400, {"error": "not JSON"})
    if callback.get("type") == "url_verification":
        return Received(200, {"challenge": callback.get("challenge", "")})
    event = callback.get("event") if callback.get("type") == "event_callback" else None
    if not isinstance(event, dict) or not callback.get("event_id") or not _wanted(event, params):
        return Received(200, {"ok": True})
    return Received(
        200, {"ok": True}, events=[TriggerEvent(callback["event_id"], trigger_of(callback))]
    )
