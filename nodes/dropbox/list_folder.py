"""List a Dropbox folder (``files/list_folder``, then ``files/list_folder/continue`` with the
cursor while ``has_more``, up to a limit)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, paginate
from kyra_nodes.dropbox._dropbox import DROPBOX, FOLDER_PATH, entry_out

#: Most entries Dropbox returns per call.
PAGE = 2000


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        "", pattern=FOLDER_PATH, description='The folder, e.g. /Reports ("" is the root)'
    )
    recursive: bool = Field(False, description="Include the contents of every subfolder")
    include_deleted: bool = Field(False, description="Include entries of deleted files")
    limit: int = Field(1000, ge=1, le=100_000, description="Most entries returned (pages followed)")


SPEC = NodeSpec(
    type="Dropbox.list_folder",
    title="Dropbox: list folder",
    category="Files",
    icon="dropbox",
    description="List the files and folders in a Dropbox folder (optionally recursively), with "
    "their paths, sizes, revisions and dates, up to a limit. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{entries: [{type, name, path, size, modified, rev, …}], count}",
        )
    ],
    credentials=[CredentialRef("dropbox")],
    retries=3,
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("dropbox")
    first = {
        "path": "" if params.path == "/" else params.path,
        "recursive": params.recursive,
        "include_deleted": params.include_deleted,
        "limit": min(PAGE, params.limit),
    }

    async def page(cursor: str | None) -> tuple[list[Any], str | None]:
        while True:  # Dropbox may answer an empty page that still has more after it
            if cursor is None:
                answer = await call(DROPBOX, client, "POST", "/2/files/list_folder",
                                    what="files/list_folder", json=first)  # fmt: skip
            else:
                answer = await call(
                    DROPBOX,
                    client,
                    "POST",
                    "/2/files/list_folder/continue",
                    what="files/list_folder/continue",
                    json={"cursor": cursor},
                )
            entries = [entry_out(e) for e in answer.get("entries") or []]
            cursor = str(answer["cursor"]) if answer.get("has_more") else None
            if entries or cursor is None:
                return entries, cursor

    entries = await paginate(page, limit=params.limit)
    return {"out": {"entries": entries, "count": len(entries)}}
