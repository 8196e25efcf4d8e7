"""Change the text of a message the bot sent (Bot API ``editMessageText``), e.g. to show
progress or a final answer in place."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.telegram._telegram import MAX_TEXT, chat_of, method

#: Telegram's answer when the new text equals the old one: the message already says it.
UNCHANGED = "message is not modified"


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chat_id: int | str | None = Field(
        None, description="Chat of the message; empty: the chat of a Telegram.trigger run"
    )
    message_id: int = Field(description="The message to change (as a send node outputs it)")
    text: str = Field(min_length=1, description="New text; templates allowed")
    parse_mode: Literal["", "MarkdownV2", "HTML"] = ""


SPEC = NodeSpec(
    type="Telegram.edit_message",
    title="Telegram: edit message",
    category="Communication",
    icon="edit",
    description="Replace the text of a message the Telegram bot sent (e.g. 'Working…' → the "
    "answer); changes the message the chat sees.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="The edited message as Telegram returns it")],
    credentials=[CredentialRef("telegram_bot")],
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    chat_id = chat_of(ctx, params.chat_id)
    body: dict[str, Any] = {"chat_id": chat_id, "message_id": params.message_id,
                            "text": params.text[:MAX_TEXT]}  # fmt: skip
    if params.parse_mode:
        body["parse_mode"] = params.parse_mode
    client = await ctx.service("telegram_bot")
    try:
        edited = await method(client, "editMessageText", json=body)
    except NodeError as exc:
        if UNCHANGED not in str(exc.details.get("message", "")):
            raise
        edited = {"message_id": params.message_id, "chat": {"id": body["chat_id"]},
                  "text": body["text"]}  # fmt: skip
    return {"out": edited}
