"""Send a photo from a Telegram bot (Bot API ``sendPhoto``): a stored file, a URL or a file id."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.telegram._telegram import Captioned, send_media

#: Largest photo Telegram takes as an upload.
MAX_BYTES = 10 * 1024 * 1024


class Params(Captioned):
    model_config = ConfigDict(extra="forbid")

    photo: dict[str, Any] | str = Field(
        description='The photo: a file reference {"$file": …} from another node, an https URL '
        "Telegram fetches, or the file_id of a photo Telegram already has"
    )


SPEC = NodeSpec(
    type="Telegram.send_photo",
    title="Telegram: send photo",
    category="Communication",
    icon="image",
    description="Send a photo (a stored file, a URL or a Telegram file id) with an optional "
    "caption to a Telegram chat from the bot; sends for real, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="The sent message as Telegram returns it")],
    credentials=[CredentialRef("telegram_bot")],
    retries=2,
    timeout_s=180,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": await send_media(ctx, params, "sendPhoto", "photo", max_bytes=MAX_BYTES)}
