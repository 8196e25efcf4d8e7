"""Send a text message from a Telegram bot (Bot API ``sendMessage``)."""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.errors import CredentialError, NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType

#: Used when the telegram_bot credential names no ``api_base``.
DEFAULT_API_BASE = "https://api.telegram.org"
#: Telegram refuses longer texts; longer ones are cut here.
MAX_TEXT = 4096


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chat_id: int | str | None = Field(
        None, description="Chat to write to; empty answers the chat of a Telegram.trigger run"
    )
    text: str = Field(min_length=1, description="Message text; templates allowed")
    parse_mode: Literal["", "MarkdownV2", "HTML"] = ""
    reply_to_message_id: int | None = Field(None, description="Answer this message (quoted)")
    disable_notification: bool = False


SPEC = NodeSpec(
    type="Telegram.send_message",
    title="Telegram: send message",
    category="Communication",
    icon="send",
    description="Send a text message to a Telegram chat from the bot whose token the "
    "telegram_bot credential holds.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="The sent message as Telegram returns it")],
    credentials=[CredentialRef("telegram_bot")],
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    credential = await ctx.credential("telegram_bot")
    token = str(credential.get("token") or "")
    if not token:
        raise CredentialError("the telegram_bot credential has no token")
    base = str(credential.get("api_base") or DEFAULT_API_BASE).rstrip("/")
    chat_id = params.chat_id if params.chat_id not in (None, "") else ctx.trigger.get("chat_id")
    if chat_id in (None, ""):
        error = NodeError("no chat_id given, and the run was not started by a Telegram message")
        error.retryable = False
        raise error
    payload: dict[str, Any] = {
        "chat_id": chat_id,
        "text": params.text[:MAX_TEXT],
        "disable_notification": params.disable_notification,
    }
    if params.parse_mode:
        payload["parse_mode"] = params.parse_mode
    if params.reply_to_message_id is not None:
        payload["reply_parameters"] = {"message_id": params.reply_to_message_id}
    return {"out": await _call(ctx, f"{base}/bot{token}/sendMessage", payload)}


async def _call(ctx: NodeContext, url: str, payload: dict[str, Any]) -> Any:
    # The URL holds the bot token: errors name the method, never the URL.
    try:
        response = await ctx.http.post(url, json=payload, timeout=30.0)
        data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise NodeError(f"Telegram sendMessage failed ({type(exc).__name__})") from None
    if isinstance(data, dict) and data.get("ok"):
        return data.get("result")
    description = data.get("description") if isinstance(data, dict) else None
    error = NodeError(f"Telegram sendMessage refused: {description or response.status_code}")
    error.retryable = response.status_code == 429 or response.status_code >= 500
    raise error
