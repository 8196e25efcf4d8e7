"""List Gmail messages matching a search (``users.messages.list``, following pages up to a
limit), with their headers and snippet."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, paginate
from kyra_nodes.gmail._gmail import GMAIL, USER, get_message, gmail, read_message

#: Largest page Gmail serves.
PAGE = 500
#: Message reads sent at once when details are fetched.
READS_AT_ONCE = 8


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(
        "", description="Gmail search, as in the search box: 'from:ada is:unread newer_than:2d'"
    )
    label_ids: list[str] = Field(
        default_factory=list, description="Only messages with all these labels (e.g. INBOX)"
    )
    limit: int = Field(20, ge=1, le=2000, description="Most messages to return (pages followed)")
    include_spam_trash: bool = False
    details: Literal["ids", "metadata", "full"] = Field(
        "metadata",
        description="ids: ids only; metadata: headers and snippet (one read per message); "
        "full: also the bodies",
    )


SPEC = NodeSpec(
    type="Gmail.list_messages",
    icon="inbox",
    title="Gmail: list messages",
    category="Communication",
    description="Find messages in the connected Gmail account with a Gmail search and/or "
    "labels, newest first, up to a limit. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{messages: [...], count}")],
    credentials=[CredentialRef("gmail")],
    retries=2,
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await gmail(ctx)

    async def page(token: str | None) -> tuple[list[Any], str | None]:
        query: dict[str, Any] = {"maxResults": min(PAGE, params.limit)}
        query |= {"q": params.query} if params.query else {}
        query |= {"labelIds": params.label_ids} if params.label_ids else {}
        query |= {"pageToken": token} if token else {}
        if params.include_spam_trash:
            query["includeSpamTrash"] = "true"
        answer = await call(GMAIL, client, "GET", f"{USER}/messages", what="messages.list",
                            params=query)  # fmt: skip
        return answer.get("messages") or [], answer.get("nextPageToken")

    found = await paginate(page, limit=params.limit)
    if params.details == "ids":
        messages = [{"id": m["id"], "thread_id": m["threadId"]} for m in found]
    else:
        gate = asyncio.Semaphore(READS_AT_ONCE)

        async def read(message_id: str) -> dict[str, Any]:
            async with gate:
                return read_message(await get_message(client, message_id, fmt=params.details))

        messages = list(await asyncio.gather(*(read(m["id"]) for m in found)))
    return {"out": {"messages": messages, "count": len(messages)}}
