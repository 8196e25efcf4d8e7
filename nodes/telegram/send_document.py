"""Send a file as a document from a Telegram bot (Bot API ``sendDocument``): a stored file, a
URL or a file id."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes.telegram._telegram import Captioned, send_media

#: Largest file a bot may upload.
MAX_BYTES = 50 * 1024 * 1024


class Params(Captioned):
    model_config = ConfigDict(extra="forbid")

    document: dict[str, Any] | str = Field(
        description='The file: a file reference {"$file": …} from another node (e.g. a CSV or '
        "XLSX it built), an https URL Telegram fetches, or a Telegram file_id"
    )


SPEC = NodeSpec(
    type="Telegram.send_document",
    title="Telegram: send document",
    category="Communication",
    icon="attach",
    description="Send a file (a stored file, a URL or a Telegram file id) with an optional "
    "caption to a Telegram chat from the bot; sends for real, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="The sent message as Telegram returns it")],
    credentials=[CredentialRef("telegram_bot")],
    retries=2,
    timeout_s=300,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": await send_media(ctx, params, "sendDocument", "document", max_bytes=MAX_BYTES)}
