"""Start the graph for each new or changed file in Google Drive, by polling the changes list
from a stored page token (``changes.getStartPageToken``, then ``changes.list``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext, Polled, TriggerContext, TriggerEvent
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call
from kyra_nodes.drive._drive import ALL_DRIVES, DRIVE, FILE_FIELDS, FOLDER, file_out

#: Changes read per page, and pages per poll (the rest wait for the next poll).
PAGE, MAX_PAGES = 100, 5


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event: Literal["any", "created", "updated"] = Field(
        "any", description="Which files start a run: new ones, changed ones, or both"
    )
    folder_id: str = Field("", description="Only files directly in this folder (its id)")
    include_folders: bool = Field(False, description="Folders count as files too")
    poll_seconds: int = Field(60, ge=10, le=86_400, description="How often to look")
    enabled: bool = True


SPEC = NodeSpec(
    type="Drive.trigger",
    icon="drive",
    title="Google Drive: new or changed file",
    category="Triggers",
    description="Start the graph once for every file created or changed in Google Drive "
    "(optionally in one folder), checked every poll_seconds.",
    params=Params,
    outputs=[
        Port(
            "out",
            PortType.object,
            description="The file as Drive.list_files gives it, plus event (created or "
            "updated) and change_time",
        )
    ],
    credentials=[CredentialRef("google_drive")],
    trigger=True,
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}


@SPEC.poller
async def poll(ctx: TriggerContext, params: Params, cursor: dict[str, Any] | None) -> Polled:
    client = await ctx.service("google_drive")
    if cursor is None:  # first poll: only changes from now on
        start = await call(DRIVE, client, "GET", "/drive/v3/changes/startPageToken",
                           what="changes.getStartPageToken", params=ALL_DRIVES)  # fmt: skip
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return Polled([], {"page_token": start["startPageToken"], "since": now})
    token, since = str(cursor["page_token"]), str(cursor["since"])
    fields = f"nextPageToken,newStartPageToken,changes(fileId,removed,time,file({FILE_FIELDS}))"
    events: list[TriggerEvent] = []
    latest = since
    for _ in range(MAX_PAGES):
        query = {"pageToken": token, "pageSize": str(PAGE), "includeRemoved": "false",
                 "spaces": "drive", "includeItemsFromAllDrives": "true", "fields": fields,
                 **ALL_DRIVES}  # fmt: skip
        page = await call(DRIVE, client, "GET", "/drive/v3/changes", what="changes.list",
                          params=query)  # fmt: skip
        for change in page.get("changes") or []:
            latest = max(latest, str(change.get("time") or ""))
            if (event := _event(params, change, since)) is not None:
                events.append(event)
        if page.get("newStartPageToken"):
            token = str(page["newStartPageToken"])
            break
        token = str(page["nextPageToken"])
    return Polled(events, {"page_token": token, "since": latest})


def _event(params: Params, change: dict[str, Any], since: str) -> TriggerEvent | None:
    """The run a change starts, or None when the params leave it out. A file created after the
    previous poll's last change counts as created; any other change as updated."""
    resource = change.get("file")
    if change.get("removed") or not resource or resource.get("trashed"):
        return None
    if resource.get("mimeType") == FOLDER and not params.include_folders:
        return None
    if params.folder_id and params.folder_id not in (resource.get("parents") or []):
        return None
    event = "created" if str(resource.get("createdTime") or "") > since else "updated"
    if params.event not in ("any", event):
        return None
    version = resource.get("version") or resource.get("modifiedTime") or change.get("time")
    payload = file_out(resource) | {"event": event, "change_time": change.get("time")}
    return TriggerEvent(f"{resource.get('id')}@{version}", payload)
