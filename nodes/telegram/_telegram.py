"""What the Telegram nodes share: Bot API methods (``POST /bot<token>/<method>``, answering
``{"ok": true, "result"}`` or ``{"ok": false, "error_code", "description", "parameters"}``),
the chat of a reply, and files sent as uploads, URLs or Telegram file ids."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from kyra.context import NodeContext, is_file_ref
from kyra.credentials import ServiceClient
from kyra_nodes._service import Service, call, once, param_error


def _refused(answer: Any) -> str | None:
    if isinstance(answer, dict) and answer.get("ok"):
        return None
    return str((answer or {}).get("description") or "Telegram refused the request")


def _retry_after(answer: Any) -> float | None:
    seconds = ((answer or {}).get("parameters") or {}).get("retry_after")
    return float(seconds) if isinstance(seconds, int | float) else None


TELEGRAM = Service("Telegram", refused=_refused, retry_after=_retry_after)
#: Telegram refuses longer texts and captions; longer ones are cut here.
MAX_TEXT = 4096
MAX_CAPTION = 1024


class Delivery(BaseModel):
    """Where a message goes and how it is shown."""

    chat_id: int | str | None = Field(
        None, description="Chat to write to; empty answers the chat of a Telegram.trigger run"
    )
    parse_mode: Literal["", "MarkdownV2", "HTML"] = ""
    reply_to_message_id: int | None = Field(None, description="Answer this message (quoted)")
    disable_notification: bool = False


class Captioned(Delivery):
    """A message with a file and a caption."""

    caption: str = Field("", description="Caption under the file; templates allowed")


def chat_of(ctx: NodeContext, given: int | str | None) -> int | str:
    """The chat given, else the chat of the Telegram message that started the run."""
    chat_id = given if given not in (None, "") else ctx.trigger.get("chat_id")
    if chat_id in (None, ""):
        raise param_error("no chat_id given, and the run was not started by a Telegram message")
    assert chat_id is not None
    return chat_id


def delivery_fields(ctx: NodeContext, params: Delivery) -> dict[str, Any]:
    """The arguments every sending method shares."""
    fields: dict[str, Any] = {"chat_id": chat_of(ctx, params.chat_id),
                              "disable_notification": params.disable_notification}  # fmt: skip
    if params.parse_mode:
        fields["parse_mode"] = params.parse_mode
    if params.reply_to_message_id is not None:
        fields["reply_parameters"] = {"message_id": params.reply_to_message_id}
    return fields


async def method(client: ServiceClient, name: str, **kwargs: Any) -> Any:
    """Call a Bot API method (``json=``, or ``data=`` and ``files=`` for uploads); its result."""
    answer = await call(TELEGRAM, client, "POST", f"/{name}", what=name, **kwargs)
    return answer.get("result")


async def send_media(
    ctx: NodeContext, params: Captioned, name: str, field: str, *, max_bytes: int
) -> Any:
    """Send the photo or document in ``params.<field>`` once per node run: a stored file is
    uploaded (multipart), a URL or a file id is passed for Telegram to fetch."""
    fields = delivery_fields(ctx, params)
    if params.caption:
        fields["caption"] = params.caption[:MAX_CAPTION]
    media = getattr(params, field)
    client = await ctx.service("telegram_bot")
    if not is_file_ref(media):
        if not isinstance(media, str) or not media.strip():
            raise param_error(f"{field}: give a file reference, a URL or a Telegram file id")
        return await once(ctx, "send", method, client, name, json={**fields, field: media})
    stored = await ctx.files.describe(media)
    if stored["size"] > max_bytes:
        raise param_error(f"{field}: {stored['name']} is larger than Telegram's {max_bytes} bytes")
    # Multipart fields are strings; Telegram reads numbers, booleans and objects as JSON.
    form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()}

    async def upload() -> Any:
        async with ctx.files.open(media) as handle:
            files = {field: (stored["name"], handle, stored["mime"])}
            return await method(client, name, data=form, files=files, timeout=120.0)

    return await once(ctx, "send", upload)
