"""Send a message to a Discord channel: as a bot (``POST /channels/{id}/messages``) or through
a channel webhook (``POST <webhook URL>?wait=true``)."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import Service, call, once, param_error

DISCORD = Service("Discord")
#: Longest nonce Discord accepts.
NONCE_CHARS = 25


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_id: str = Field("", description="Channel (or thread) id; for a bot credential")
    content: str = Field(
        "", max_length=2000, description="Message text (Markdown); templates allowed"
    )
    embeds: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=10,
        description="Rich embeds ({title, description, url, color, fields})",
    )
    reply_to: str = Field("", description="Answer this message id (bot only)")
    username: str = Field(
        "", max_length=80, description="Name shown instead of the webhook's (webhook only)"
    )
    avatar_url: str = Field("", description="Avatar shown instead of the webhook's (webhook only)")
    thread_id: str = Field(
        "", description="Post in this thread of the webhook's channel (webhook only)"
    )
    allow_mentions: bool = Field(
        False, description="Let @everyone, roles and user mentions in the text ping people"
    )
    tts: bool = False


SPEC = NodeSpec(
    type="Discord.send_message",
    title="Discord: send message",
    category="Communication",
    icon="chat",
    description="Send a message (text and/or embeds) to a Discord channel as the bot, or through "
    "a channel webhook; sends for real, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("out", PortType.object, description="{message_id, channel_id, content, timestamp}")
    ],
    credentials=[
        CredentialRef("discord_bot", required=False),
        CredentialRef("discord_webhook", required=False),
    ],
    retries=2,
    timeout_s=60,
)


def _body(params: Params) -> dict[str, Any]:
    body: dict[str, Any] = {"content": params.content, "tts": params.tts}
    if params.embeds:
        body["embeds"] = params.embeds
    if not params.allow_mentions:
        body["allowed_mentions"] = {"parse": []}
    return body


async def _as_bot(ctx: NodeContext, params: Params, body: dict[str, Any]) -> Any:
    if not params.channel_id:
        raise param_error("channel_id: give the channel to post in")
    if params.reply_to:
        body["message_reference"] = {"message_id": params.reply_to, "fail_if_not_exists": False}
    # Discord returns the first message instead of posting again for a repeated nonce.
    nonce = hashlib.sha256(ctx.idempotency_key.encode()).hexdigest()[:NONCE_CHARS]
    body |= {"nonce": nonce, "enforce_nonce": True}
    client = await ctx.service("discord_bot")
    path = f"/channels/{params.channel_id}/messages"
    return await once(ctx, "send", call, DISCORD, client, "POST", path, what="create message",
                      json=body)  # fmt: skip


async def _by_webhook(ctx: NodeContext, params: Params, body: dict[str, Any]) -> Any:
    body |= {
        k: v for k, v in (("username", params.username), ("avatar_url", params.avatar_url)) if v
    }
    query = {"wait": "true"} | ({"thread_id": params.thread_id} if params.thread_id else {})
    client = await ctx.service("discord_webhook")
    return await once(ctx, "send", call, DISCORD, client, "POST", "", what="execute webhook",
                      json=body, params=query)  # fmt: skip


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    if not params.content.strip() and not params.embeds:
        raise param_error("content: give a text or embeds")
    bot = bool(await ctx.credential("discord_bot"))
    if bot == bool(await ctx.credential("discord_webhook")):
        raise param_error("credentials: attach a discord_bot or a discord_webhook credential (one)")
    sent = await (_as_bot if bot else _by_webhook)(ctx, params, _body(params))
    out = {"message_id": sent.get("id"), "channel_id": sent.get("channel_id"),
           "content": sent.get("content"), "timestamp": sent.get("timestamp")}  # fmt: skip
    return {"out": out}
