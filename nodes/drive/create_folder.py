"""Create a folder in Google Drive (``files.create`` of a folder-type File)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, once
from kyra_nodes.drive._drive import ALL_DRIVES, DRIVE, FILE_FIELDS, FILES, FOLDER, file_out


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=1000, description="The new folder's name")
    parent_id: str = Field("", description="Create it in this folder (its id); else My Drive")


SPEC = NodeSpec(
    type="Drive.create_folder",
    title="Google Drive: create folder",
    category="Files",
    icon="folder",
    description="Create a folder in Google Drive (in My Drive or in a parent folder) and return "
    "its id; creates it for real, once per run.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="The folder: {id, name, parents, …}")],
    credentials=[CredentialRef("google_drive")],
    retries=3,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await ctx.service("google_drive")
    metadata: dict[str, Any] = {"name": params.name, "mimeType": FOLDER}
    if params.parent_id:
        metadata["parents"] = [params.parent_id]
    created = await once(ctx, "create", call, DRIVE, client, "POST", FILES, what="files.create",
                         params={"fields": FILE_FIELDS, **ALL_DRIVES}, json=metadata)  # fmt: skip
    return {"out": file_out(created)}
