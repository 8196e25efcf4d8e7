"""Download a Dropbox file into the file store, streamed (``files/download`` on the content host;
its metadata comes in the ``Dropbox-API-Result`` header)."""

from __future__ import annotations

import json
import mimetypes
import posixpath
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import download
from kyra_nodes.dropbox._dropbox import DROPBOX, READ_PATH, api_arg


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        pattern=READ_PATH, description="The file: /Reports/may.csv, id:…, or rev:… (a revision)"
    )


SPEC = NodeSpec(
    type="Dropbox.download_file",
    title="Dropbox: download file",
    category="Files",
    icon="dropbox",
    description="Download a file from Dropbox (by path, id or revision) as a stored file that "
    "other nodes take (streamed, any size). Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("out", PortType.object, description='A file reference {"$file", name, mime, size}')
    ],
    credentials=[CredentialRef("dropbox")],
    retries=3,
    timeout_s=3600,
)


def _name(response: httpx.Response) -> str:
    try:
        return str(json.loads(response.headers.get("dropbox-api-result", ""))["name"])
    except (ValueError, KeyError, TypeError):
        return ""


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    content = (await ctx.service("dropbox")).on("content")
    fallback = posixpath.basename(params.path)

    def name(response: httpx.Response) -> str:
        return _name(response) or fallback

    def mime(response: httpx.Response) -> str:  # Dropbox says application/octet-stream
        return mimetypes.guess_type(name(response))[0] or "application/octet-stream"

    ref = await download(ctx, DROPBOX, content, "POST", "/2/files/download",
                         what="files/download", name=name, mime=mime,
                         headers=api_arg({"path": params.path}),
                         timeout=3600.0)  # fmt: skip
    return {"out": ref}
