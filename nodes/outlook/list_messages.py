"""List messages of an Outlook mail folder through Microsoft Graph, newest first, following
``@odata.nextLink`` pages up to a limit."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, paginate
from kyra_nodes.outlook._outlook import GRAPH, SUMMARY_FIELDS, outlook, read_message

#: Messages per page asked of Graph (it allows up to 1000).
PAGE = 50


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folder: str = Field(
        "inbox",
        min_length=1,
        description="Folder: inbox, sentitems, drafts, archive, or a folder id",
    )
    unread_only: bool = Field(False, description="Only messages not read yet")
    filter: str = Field("", description="An OData $filter instead, e.g. \"importance eq 'high'\"")
    limit: int = Field(25, ge=1, le=2000, description="Most messages to return (pages followed)")


SPEC = NodeSpec(
    type="Outlook.list_messages",
    icon="inbox",
    title="Outlook: list messages",
    category="Communication",
    description="List messages of a folder of the connected Outlook account, newest first, with "
    "sender, subject and preview, up to a limit. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{messages: [...], count}")],
    credentials=[CredentialRef("outlook")],
    retries=2,
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await outlook(ctx)
    query: dict[str, Any] = {
        "$top": min(PAGE, params.limit),
        "$select": ",".join(SUMMARY_FIELDS),
        "$orderby": "receivedDateTime desc",
    }
    condition = params.filter or ("isRead eq false" if params.unread_only else "")
    if condition:
        query["$filter"] = condition

    async def page(link: str | None) -> tuple[list[Any], str | None]:
        path, args = (link, None) if link else (f"/me/mailFolders/{params.folder}/messages", query)
        answer = await call(GRAPH, client, "GET", path, what="messages.list", params=args)
        return answer.get("value") or [], answer.get("@odata.nextLink")

    messages = [read_message(m) for m in await paginate(page, limit=params.limit)]
    return {"out": {"messages": messages, "count": len(messages)}}
