"""List the workspace's channels (``conversations.list``, following cursors up to a limit)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, paginate
from kyra_nodes.slack._slack import SLACK, slack

#: Slack recommends pages of at most 200.
PAGE = 200


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    types: list[Literal["public_channel", "private_channel", "mpim", "im"]] = Field(
        default=["public_channel"], min_length=1, description="Kinds of conversations"
    )
    exclude_archived: bool = True
    limit: int = Field(100, ge=1, le=5000, description="Most channels to return (pages followed)")


SPEC = NodeSpec(
    type="Slack.list_channels",
    icon="list",
    title="Slack: list channels",
    category="Communication",
    description="List the Slack workspace's channels with their ids, names and topics, up to a "
    "limit. Changes nothing.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{channels: [{id, name, ...}], count}")],
    credentials=[CredentialRef("slack")],
    retries=2,
    timeout_s=120,
)


def _channel(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": raw["id"], "name": raw.get("name"), "is_private": raw.get("is_private", False),
        "is_archived": raw.get("is_archived", False), "is_member": raw.get("is_member"),
        "num_members": raw.get("num_members"), "topic": (raw.get("topic") or {}).get("value", ""),
        "purpose": (raw.get("purpose") or {}).get("value", ""),
    }  # fmt: skip


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    client = await slack(ctx)

    async def page(cursor: str | None) -> tuple[list[Any], str | None]:
        query = {"types": ",".join(params.types), "limit": min(PAGE, params.limit),
                 "exclude_archived": str(params.exclude_archived).lower()}  # fmt: skip
        if cursor:
            query["cursor"] = cursor
        answer = await call(SLACK, client, "GET", "/conversations.list",
                            what="conversations.list", params=query)  # fmt: skip
        next_cursor = (answer.get("response_metadata") or {}).get("next_cursor") or None
        return answer.get("channels") or [], next_cursor

    channels = [_channel(c) for c in await paginate(page, limit=params.limit)]
    return {"out": {"channels": channels, "count": len(channels)}}
