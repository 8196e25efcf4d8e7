"""Upload a file to Slack and share it in a channel (``files.getUploadURLExternal``, the upload,
then ``files.completeUploadExternal``)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.credentials import ServiceClient
from kyra.errors import NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, once, param_error
from kyra_nodes.slack._slack import SLACK, method, slack

#: Largest file this node uploads.
MAX_BYTES = 50 * 1024 * 1024


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field("", description="Channel id to share it in; empty keeps it private")
    filename: str = Field(min_length=1, max_length=255, description="Name, e.g. report.csv")
    content: str = Field("", description="Text content of the file; templates allowed")
    content_base64: str = Field("", description="Binary content, base64 (instead of content)")
    title: str = Field("", description="Title shown in Slack")
    initial_comment: str = Field("", description="Message posted with the file")
    thread_ts: str = Field("", description="Share it as a reply in this thread")


SPEC = NodeSpec(
    type="Slack.upload_file",
    icon="upload",
    title="Slack: upload file",
    category="Communication",
    description="Upload a file (text or base64) to Slack and share it in a channel or thread "
    "with an optional comment; uploads for real, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{file_id, files}")],
    credentials=[CredentialRef("slack")],
    retries=2,
    timeout_s=300,
)


def _content(params: Params) -> bytes:
    if params.content_base64:
        try:
            return base64.b64decode(params.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise param_error("content_base64: not valid base64") from None
    return params.content.encode()


async def _upload(client: ServiceClient, http: httpx.AsyncClient, filename: str,
                  data: bytes) -> dict[str, str]:  # fmt: skip
    # getUploadURLExternal takes form arguments only.
    target = await call(SLACK, client, "POST", "/files.getUploadURLExternal",
                        what="files.getUploadURLExternal",
                        data={"filename": filename, "length": str(len(data))})  # fmt: skip
    try:
        sent = await http.post(target["upload_url"], content=data, timeout=120.0,
                               headers={"Content-Type": "application/octet-stream"})  # fmt: skip
    except httpx.HTTPError as exc:
        raise NodeError(f"Slack file upload failed: {type(exc).__name__}") from None
    if not sent.is_success:
        raise NodeError(f"Slack file upload failed: {sent.status_code}",
                        retryable=sent.status_code >= 500)  # fmt: skip
    return {"file_id": str(target["file_id"])}


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    data = _content(params)
    if not data or len(data) > MAX_BYTES:
        raise param_error(f"content: give 1 to {MAX_BYTES} bytes")
    client = await slack(ctx)
    uploaded = await once(ctx, "upload", _upload, client, ctx.http, params.filename, data)
    shared = await once(
        ctx, "share", method, client, "files.completeUploadExternal",
        files=[{"id": uploaded["file_id"], "title": params.title or params.filename}],
        channel_id=params.channel, initial_comment=params.initial_comment,
        thread_ts=params.thread_ts,
    )  # fmt: skip
    return {"out": {"file_id": uploaded["file_id"], "files": shared.get("files", [])}}
