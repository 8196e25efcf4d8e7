"""Upload a file (or a text) to Google Drive: one multipart request up to 5 MB, a resumable
upload in 8 MiB chunks above it, continued where Google stopped when an attempt fails."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.credentials import ServiceClient
from kyra.errors import NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, once, param_error, send
from kyra_nodes.drive._drive import ALL_DRIVES, DRIVE, FILE_FIELDS, UPLOADS, file_out
from kyra_nodes.shared.upload import Source, SourceParams, source_of

#: Largest file sent in one multipart request (Google: "5 MB or less").
MULTIPART_MAX = 5 * 1024 * 1024
#: Bytes per request of a resumable upload: a multiple of 256 KiB, as Google requires.
CHUNK = 8 * 1024 * 1024
_UPLOAD = "files.create (upload)"


class Params(SourceParams):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        "", max_length=1000, description="Name in Drive; the file's own name when empty"
    )
    folder_id: str = Field("", description="Put it in this folder (its id); else My Drive")
    content_type: str = Field(
        "", pattern=r"^[^\r\n]*$", description="Content-Type; the file's type when empty"
    )


SPEC = NodeSpec(
    type="Drive.upload_file",
    title="Google Drive: upload file",
    category="Files",
    icon="upload",
    description="Upload a file (or a text) to Google Drive, into My Drive or a folder, streamed "
    "(any size) and resumed after failures; creates the file for real, once per run.",
    params=Params,
    inputs=[Port("in", description="A file reference, when file and content are not set")],
    outputs=[Port("out", PortType.object, description="The new file: {id, name, size, …}")],
    credentials=[CredentialRef("google_drive")],
    retries=3,
    timeout_s=3600,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    source = await source_of(ctx, params, inputs)
    name = params.name or source.name
    if not name:
        raise param_error("name: give the file's name (content has none)")
    metadata: dict[str, Any] = {"name": name, "mimeType": params.content_type or source.mime}
    if params.folder_id:
        metadata["parents"] = [params.folder_id]
    client = await ctx.service("google_drive")
    if source.size <= MULTIPART_MAX:
        created = await once(ctx, "upload", multipart, ctx, client, metadata, source)
    else:
        created = await once(ctx, "upload", resumable, ctx, client, metadata, source)
    return {"out": file_out(created)}


async def multipart(
    ctx: NodeContext, client: ServiceClient, metadata: dict[str, Any], source: Source
) -> Any:
    """One ``uploadType=multipart`` request: the metadata part, then the media part."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
        f"{json.dumps(metadata)}\r\n--{boundary}\r\nContent-Type: {metadata['mimeType']}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    async def body() -> AsyncIterator[bytes]:
        yield head
        async for chunk in source.reader(ctx).segment(source.size):
            yield chunk
        yield tail

    headers = {"content-type": f"multipart/related; boundary={boundary}",
               "content-length": str(len(head) + source.size + len(tail))}  # fmt: skip
    query = {"uploadType": "multipart", "fields": FILE_FIELDS, **ALL_DRIVES}
    return await call(DRIVE, client, "POST", UPLOADS, what=_UPLOAD, params=query,
                      content=body(), headers=headers, timeout=600.0)  # fmt: skip


async def resumable(
    ctx: NodeContext, client: ServiceClient, metadata: dict[str, Any], source: Source
) -> Any:
    """A resumable upload: a session (recorded, so a later attempt continues it), then chunks
    with ``Content-Range`` until Google answers with the file instead of 308."""
    session, offset = await ctx.recorded_effect("session"), 0
    if session:
        progress = await _progress(client, session, source.size)
        if isinstance(progress, dict):
            return progress
        session, offset = (session, progress) if progress is not None else (None, 0)
    if not session:
        session = await _start(client, metadata, source)
        await ctx.record_effect("session", session)
    reader = source.reader(ctx)
    await reader.skip(offset)
    while True:
        length = min(CHUNK, source.size - offset)
        headers = {
            "content-length": str(length),
            "content-range": f"bytes {offset}-{offset + length - 1}/{source.size}",
        }
        sent = await send(
            DRIVE,
            client,
            "PUT",
            session,
            what=_UPLOAD,
            answers=(308,),
            content=reader.segment(length),
            headers=headers,
            timeout=600.0,
        )
        if sent.status_code != 308:
            return sent.json()
        if (received := _received(sent)) != offset + length:
            raise NodeError(
                f"Google Drive kept {received} of {offset + length} bytes; the next "
                "attempt resumes there",
                retryable=True,
            )
        offset = received  # fmt: skip


async def _start(client: ServiceClient, metadata: dict[str, Any], source: Source) -> str:
    query = {"uploadType": "resumable", "fields": FILE_FIELDS, **ALL_DRIVES}
    headers = {"X-Upload-Content-Type": metadata["mimeType"],
               "X-Upload-Content-Length": str(source.size)}  # fmt: skip
    started = await send(DRIVE, client, "POST", UPLOADS, what=_UPLOAD, params=query,
                         json=metadata, headers=headers)  # fmt: skip
    session = str(started.headers.get("location") or "")
    if not session:
        raise NodeError("Google Drive started an upload without a session URI", retryable=True)
    return session


async def _progress(client: ServiceClient, session: str, size: int) -> dict[str, Any] | int | None:
    """Where a recorded session stands: the file when complete, the bytes Google has, or None
    when the session expired (a week after it began)."""
    status = await send(DRIVE, client, "PUT", session, what=_UPLOAD, answers=(308, 404, 410),
                        content=b"", headers={"content-range": f"bytes */{size}"})  # fmt: skip
    if status.status_code in (404, 410):
        return None
    return _received(status) if status.status_code == 308 else dict(status.json())


def _received(answer: httpx.Response) -> int:
    """The bytes a 308 answer says Google holds (``Range: bytes=0-N``; none without it)."""
    found = re.fullmatch(r"bytes=0-(\d+)", answer.headers.get("range", ""))
    return int(found.group(1)) + 1 if found else 0
