"""Add and remove labels of a Gmail message (``users.messages.modify``): mark read, archive,
star, file under a label."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import CredentialRef, NodeSpec, Port, PortType
from kyra_nodes._service import call, param_error
from kyra_nodes.gmail._gmail import GMAIL, USER, gmail


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(min_length=1, description="Gmail id of the message")
    add_labels: list[str] = Field(
        default_factory=list,
        description="Label ids to add: STARRED, IMPORTANT, UNREAD, INBOX or a user label id "
        "(Label_123)",
    )
    remove_labels: list[str] = Field(
        default_factory=list,
        description="Label ids to remove: UNREAD marks it read, INBOX archives it",
    )


SPEC = NodeSpec(
    type="Gmail.modify_labels",
    icon="tags",
    title="Gmail: modify labels",
    category="Communication",
    description="Add or remove labels of a Gmail message (remove UNREAD to mark it read, INBOX "
    "to archive it); changes the mailbox.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{id, thread_id, label_ids}")],
    credentials=[CredentialRef("gmail")],
    retries=2,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    if not params.add_labels and not params.remove_labels:
        raise param_error("add_labels / remove_labels: name at least one label")
    changed = await call(
        GMAIL, await gmail(ctx), "POST", f"{USER}/messages/{params.message_id}/modify",
        what="messages.modify",
        json={"addLabelIds": params.add_labels, "removeLabelIds": params.remove_labels},
    )  # fmt: skip
    return {
        "out": {"id": changed["id"], "thread_id": changed["threadId"],
                "label_ids": changed.get("labelIds", [])}
    }  # fmt: skip
