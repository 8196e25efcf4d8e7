"""Post a message to a Slack channel or thread (``chat.postMessage``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import once, param_error
from kyra_nodes.slack._slack import method, slack


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(min_length=1, description="Channel id (C0123…) or name (#general)")
    text: str = Field("", max_length=40_000, description="Message text (mrkdwn); templates allowed")
    blocks: list[dict[str, Any]] = Field(
        default_factory=list, description="Block Kit blocks (text becomes the notification)"
    )
    thread_ts: str = Field("", description="Reply in the thread of this message ts")
    reply_broadcast: bool = Field(False, description="Also show a thread reply in the channel")
    unfurl_links: bool = True


SPEC = NodeSpec(
    type="Slack.post_message",
    icon="chat",
    title="Slack: post message",
    category="Communication",
    description="Post a message to a Slack channel, or reply in a thread, as the app's bot; "
    "posts for real, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{channel, ts, message}")],
    credentials=[CredentialRef("slack")],
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    if not params.text and not params.blocks:
        raise param_error("text: give a text or blocks")
    client = await slack(ctx)
    posted = await once(
        ctx, "post", method, client, "chat.postMessage",
        channel=params.channel.lstrip("#"), text=params.text, blocks=params.blocks or None,
        thread_ts=params.thread_ts, unfurl_links=params.unfurl_links,
        reply_broadcast=params.reply_broadcast or None,
    )  # fmt: skip
    return {"out": {k: posted[k] for k in ("channel", "ts", "message")}}
