"""Start the graph for each new message in a Gmail label, by polling the mailbox history
(``users.history.list`` from a stored ``historyId`` cursor)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext, Polled, TriggerContext, TriggerEvent
from kyra.errors import NodeError
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call
from kyra_nodes.gmail._gmail import GMAIL, USER, get_message, gmail, read_message

#: New messages read per poll; the rest wait for the next one.
MAX_PER_POLL = 50


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label_id: str = Field("INBOX", description="Watch this label (INBOX, or a label id)")
    format: Literal["full", "metadata"] = Field(
        "full", description="What each run gets: the whole message, or its headers and snippet"
    )
    poll_seconds: int = Field(60, ge=10, le=86_400, description="How often to look")
    enabled: bool = True


SPEC = NodeSpec(
    type="Gmail.trigger",
    icon="inbox",
    title="Gmail: new message",
    category="Triggers",
    description="Start the graph once for every new message that arrives in a Gmail label "
    "(checked every poll_seconds).",
    params=Params,
    outputs=[
        Port("out", PortType.object, description="The message, as Gmail.get_message reads it")
    ],
    credentials=[CredentialRef("gmail")],
    trigger=True,
    timeout_s=120,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}


@SPEC.poller
async def poll(ctx: TriggerContext, params: Params, cursor: dict[str, Any] | None) -> Polled:
    client = await gmail(ctx)
    if cursor is None:  # first poll: only mail from now on
        return Polled([], {"history_id": await _current(client)})
    query = {"startHistoryId": cursor["history_id"], "historyTypes": "messageAdded",
             "labelId": params.label_id, "maxResults": MAX_PER_POLL}  # fmt: skip
    try:
        answer = await call(GMAIL, client, "GET", f"{USER}/history", what="history.list",
                            params=query)  # fmt: skip
    except NodeError as exc:
        if exc.details.get("status") != 404:
            raise
        # Gmail keeps about a week of history: start again from now.
        ctx.log.warning("Gmail history %s is gone; starting from now", cursor["history_id"])
        return Polled([], {"history_id": await _current(client)})
    added = [
        added["message"]["id"]
        for record in answer.get("history") or []
        for added in record.get("messagesAdded") or []
        if params.label_id in added["message"].get("labelIds", [params.label_id])
    ]
    events = [
        TriggerEvent(message_id, message)
        for message_id in dict.fromkeys(added)
        if (message := await _read(client, message_id, params.format)) is not None
    ]
    history = answer.get("history") or []
    # More than one page waiting: continue after the last record read.
    next_id = history[-1]["id"] if answer.get("nextPageToken") and history else None
    return Polled(events, {"history_id": str(next_id or answer["historyId"])})


async def _read(client: Any, message_id: str, fmt: str) -> dict[str, Any] | None:
    """The message, or None when it was deleted since it arrived."""
    try:
        return read_message(await get_message(client, message_id, fmt=fmt))
    except NodeError as exc:
        if exc.details.get("status") == 404:
            return None
        raise


async def _current(client: Any) -> str:
    profile = await call(GMAIL, client, "GET", f"{USER}/profile", what="users.getProfile")
    return str(profile["historyId"])
