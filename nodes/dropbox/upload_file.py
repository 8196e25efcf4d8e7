"""Upload a file (or a text) to Dropbox: ``files/upload`` up to 8 MiB, an upload session above
it (``start``, ``append_v2`` per 8 MiB, ``finish`` with the last part), continued from the
bytes Dropbox holds when an attempt fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx
from pydantic import ConfigDict, Field

from kyra.context import NodeContext
from kyra.credentials import ServiceClient
from kyra.errors import NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, once, param_error, send, service_error
from kyra_nodes.dropbox._dropbox import DROPBOX, WRITE_PATH, api_arg, entry_out
from kyra_nodes.shared.upload import Source, SourceParams, source_of

#: Bytes per request; larger files go up in an upload session (a multiple of 4 MiB, as
#: Dropbox asks of session chunks).
CHUNK = 8 * 1024 * 1024
_BINARY = {"Content-Type": "application/octet-stream"}


class Params(SourceParams):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        pattern=WRITE_PATH,
        description="Where, e.g. /Reports/may.csv; a path ending in / keeps the file's own name",
    )
    mode: Literal["add", "overwrite"] = Field(
        "add", description="add: never replace a file there (see autorename); overwrite: do"
    )
    autorename: bool = Field(
        False, description='With add, save as "may (1).csv" instead of failing on a conflict'
    )


SPEC = NodeSpec(
    type="Dropbox.upload_file",
    title="Dropbox: upload file",
    category="Files",
    icon="dropbox",
    description="Upload a file (or a text) to a Dropbox path, streamed (any size, resumed "
    "after failures); writes for real, once per run.",
    params=Params,
    inputs=[Port("in", description="A file reference, when file and content are not set")],
    outputs=[Port("out", PortType.object, description="The file: {name, path, id, size, rev, …}")],
    credentials=[CredentialRef("dropbox")],
    retries=3,
    timeout_s=3600,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    source = await source_of(ctx, params, inputs)
    path = params.path
    if path.endswith("/"):
        if not source.name:
            raise param_error("path: name the file (content has no name of its own)")
        path += source.name
    commit = {"path": path, "mode": params.mode, "autorename": params.autorename,
              "mute": False, "strict_conflict": False}  # fmt: skip
    content = (await ctx.service("dropbox")).on("content")
    if source.size <= CHUNK:
        headers = api_arg(commit) | _BINARY | {"Content-Length": str(source.size)}
        uploaded = await once(ctx, "upload", call, DROPBOX, content, "POST", "/2/files/upload",
                              what="files/upload", headers=headers, timeout=600.0,
                              content=source.reader(ctx).segment(source.size))  # fmt: skip
    else:
        uploaded = await once(ctx, "upload", session, ctx, content, commit, source)
    return {"out": entry_out(uploaded)}


async def session(
    ctx: NodeContext, client: ServiceClient, commit: dict[str, Any], source: Source
) -> Any:
    """An upload session: started once, its id and the bytes Dropbox confirmed recorded after
    each chunk, so a later attempt goes on from there; finished with the last chunk."""
    progress = await ctx.recorded_effect("session") or {}
    session_id, offset = progress.get("id"), int(progress.get("offset") or 0)
    if not session_id:
        started = await call(DROPBOX, client, "POST", "/2/files/upload_session/start",
                             what="files/upload_session/start", content=b"",
                             headers=api_arg({"close": False}) | _BINARY)  # fmt: skip
        session_id = str(started["session_id"])
        await ctx.record_effect("session", {"id": session_id, "offset": 0})
    reader = source.reader(ctx)
    await reader.skip(offset)
    while source.size - offset > CHUNK:
        cursor = {"session_id": session_id, "offset": offset}
        await _post(ctx, client, "append_v2", {"cursor": cursor, "close": False},
                    reader.segment(CHUNK), CHUNK)  # fmt: skip
        offset += CHUNK
        await ctx.record_effect("session", {"id": session_id, "offset": offset})
    cursor = {"session_id": session_id, "offset": offset}
    finished = await _post(
        ctx,
        client,
        "finish",
        {"cursor": cursor, "commit": commit},
        reader.segment(source.size - offset),
        source.size - offset,
    )
    return finished.json()  # fmt: skip


async def _post(
    ctx: NodeContext,
    client: ServiceClient,
    step: str,
    arg: dict[str, Any],
    body: AsyncIterator[bytes],
    length: int,
) -> httpx.Response:
    """One session call. When Dropbox holds another number of bytes than the cursor says (an
    earlier answer was lost), that offset is recorded and the attempt fails: the next resumes
    from it.

    Raises:
        NodeError: the service's error, or the offset mismatch (retryable).
    """
    what = f"files/upload_session/{step}"
    headers = api_arg(arg) | _BINARY | {"Content-Length": str(length)}
    sent = await send(DROPBOX, client, "POST", f"/2/{what}", what=what, answers=(409,),
                      content=body, headers=headers, timeout=600.0)  # fmt: skip
    if sent.status_code != 409:
        return sent
    answer = sent.json()
    correct = _correct_offset(answer)
    if correct is None:
        raise service_error(DROPBOX, what, sent, answer)
    await ctx.record_effect("session", {"id": arg["cursor"]["session_id"], "offset": correct})
    raise NodeError(f"Dropbox holds {correct} bytes of the upload; the next attempt goes on "
                    "from there", retryable=True)  # fmt: skip


def _correct_offset(answer: Any) -> int | None:
    """``correct_offset`` of an ``incorrect_offset`` error (nested under ``lookup_failed`` in
    ``finish``), else None."""
    error = answer.get("error") if isinstance(answer, dict) else None
    if isinstance(error, dict) and error.get(".tag") == "lookup_failed":
        error = error.get("lookup_failed")
    if isinstance(error, dict) and error.get(".tag") == "incorrect_offset":
        return int(error["correct_offset"])
    return None
