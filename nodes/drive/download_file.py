"""Download a Google Drive file into the file store, streamed (``files.get`` with ``alt=media``;
Google Docs, Sheets and Slides through ``files.export``)."""

from __future__ import annotations

import mimetypes
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, download, param_error
from kyra_nodes.drive._drive import ALL_DRIVES, DRIVE, FOLDER, WORKSPACE_PREFIX, file_path


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file_id: str = Field(min_length=1, description="The file's id (in its URL: /d/<id>/)")
    export_as: str = Field(
        "application/pdf",
        description="Type Google Docs, Sheets and Slides are exported as (e.g. text/csv, "
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet); other files "
        "download as they are",
    )


SPEC = NodeSpec(
    type="Drive.download_file",
    title="Google Drive: download file",
    category="Files",
    icon="download",
    description="Download a file from Google Drive as a stored file that other nodes take "
    "(streamed, any size); Google Docs are exported (PDF by default). Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("out", PortType.object, description='A file reference {"$file", name, mime, size}')
    ],
    credentials=[CredentialRef("google_drive")],
    retries=3,
    timeout_s=3600,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("google_drive")
    meta = await call(DRIVE, client, "GET", file_path(params.file_id), what="files.get",
                      params={"fields": "id,name,mimeType", **ALL_DRIVES})  # fmt: skip
    mime, name = str(meta.get("mimeType") or ""), str(meta.get("name") or params.file_id)
    if mime == FOLDER:
        raise param_error(f"file_id: {name!r} is a folder; list its files with Drive.list_files")
    if mime.startswith(WORKSPACE_PREFIX):
        extension = mimetypes.guess_extension(params.export_as) or ""
        path, what = file_path(params.file_id, "/export"), "files.export"
        query, name = {"mimeType": params.export_as}, name + extension
    else:
        path, what = file_path(params.file_id), "files.get (media)"
        query = {"alt": "media", **ALL_DRIVES}
    ref = await download(ctx, DRIVE, client, "GET", path, what=what, name=name, params=query,
                         timeout=3600.0)  # fmt: skip
    return {"out": ref}
