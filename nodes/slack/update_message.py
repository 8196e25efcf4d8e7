"""Change the text or blocks of a message the app posted (``chat.update``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import param_error
from kyra_nodes.slack._slack import method, slack


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(min_length=1, description="Channel id (C0123…) of the message")
    ts: str = Field(min_length=1, description="The message's ts (as Slack.post_message outputs)")
    text: str = Field("", max_length=40_000, description="New text; templates allowed")
    blocks: list[dict[str, Any]] = Field(default_factory=list, description="New Block Kit blocks")


SPEC = NodeSpec(
    type="Slack.update_message",
    icon="edit",
    title="Slack: update message",
    category="Communication",
    description="Replace the text (or blocks) of a Slack message the app posted, e.g. to show "
    "progress; changes the message everyone sees.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{channel, ts, text}")],
    credentials=[CredentialRef("slack")],
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    if not params.text and not params.blocks:
        raise param_error("text: give a text or blocks")
    updated = await method(
        await slack(ctx), "chat.update", channel=params.channel, ts=params.ts,
        text=params.text, blocks=params.blocks or None,
    )  # fmt: skip
    return {"out": {k: updated.get(k) for k in ("channel", "ts", "text")}}
