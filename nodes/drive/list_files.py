"""List or search the files of Google Drive (``files.list``, following page tokens up to a
limit)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, paginate
from kyra_nodes.drive._drive import ALL_DRIVES, DRIVE, FILE_FIELDS, FILES, file_out, quoted

#: Most files Drive returns per page.
PAGE = 1000
_ORDER_KEY = (
    r"(createdTime|folder|modifiedByMeTime|modifiedTime|name|name_natural|quotaBytesUsed|"
    r"recency|sharedWithMeTime|starred|viewedByMeTime)( desc)?"
)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder_id: str = Field("", description="Only files directly in this folder (its id)")
    name_contains: str = Field("", description="Only files whose name contains this")
    mime_type: str = Field(
        "", description="Only this type, e.g. application/vnd.google-apps.folder for folders"
    )
    query: str = Field(
        "", description="More conditions in Drive's search syntax, e.g. modifiedTime > '2024-05-01'"
    )
    include_trashed: bool = False
    order_by: str = Field(
        "modifiedTime desc",
        pattern=rf"^{_ORDER_KEY}(,{_ORDER_KEY})*$",
        description="Sort keys, e.g. 'modifiedTime desc' or 'folder,name'",
    )
    limit: int = Field(100, ge=1, le=100_000, description="Most files returned (pages followed)")


SPEC = NodeSpec(
    type="Drive.list_files",
    title="Google Drive: list files",
    category="Files",
    icon="drive",
    description="List or search the files of Google Drive (in a folder, by name or type), with "
    "their ids, types, sizes and dates, up to a limit. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port(
            "out",
            PortType.object,
            description="{files: [{id, name, mime_type, size, modified_time, parents, …}], count}",
        )
    ],
    credentials=[CredentialRef("google_drive")],
    retries=3,
    timeout_s=120,
)


def search(params: Params) -> str:
    """The ``q`` of ``files.list`` for the params (values quoted, never spliced raw)."""
    terms = [] if params.include_trashed else ["trashed = false"]
    if params.folder_id:
        terms.append(f"{quoted(params.folder_id)} in parents")
    if params.name_contains:
        terms.append(f"name contains {quoted(params.name_contains)}")
    if params.mime_type:
        terms.append(f"mimeType = {quoted(params.mime_type)}")
    if params.query.strip():
        terms.append(f"({params.query.strip()})")
    return " and ".join(terms)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("google_drive")
    query = {"pageSize": str(min(PAGE, params.limit)), "orderBy": params.order_by,
             "fields": f"nextPageToken,files({FILE_FIELDS})", "includeItemsFromAllDrives": "true",
             **ALL_DRIVES}  # fmt: skip
    if q := search(params):
        query["q"] = q

    async def page(token: str | None) -> tuple[list[Any], str | None]:
        answer = await call(DRIVE, client, "GET", FILES, what="files.list",
                            params=query | ({"pageToken": token} if token else {}))  # fmt: skip
        return [file_out(f) for f in answer.get("files") or []], answer.get("nextPageToken")

    files = await paginate(page, limit=params.limit)
    return {"out": {"files": files, "count": len(files)}}
