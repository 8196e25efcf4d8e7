"""Start a run from an HTTP request to ``/hooks/{path}``; outputs the request."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-/]{0,199}$",
        description="URL path after /hooks/ (letters, digits, - _ /)",
    )
    methods: list[Literal["GET", "POST", "PUT", "PATCH", "DELETE"]] = Field(
        default=["POST"], min_length=1
    )
    reply: Literal["sync", "async"] = Field(
        "sync", description="sync: answer with Webhook.respond; async: 202 with the run id at once"
    )
    timeout_s: float = Field(30, gt=0, le=300, description="sync only: answer 202 after this long")


SPEC = NodeSpec(
    type="Webhook.trigger",
    title="Webhook",
    category="Triggers",
    icon="hook",
    description="Start the graph when an HTTP request arrives at /hooks/{path}.",
    params=Params,
    outputs=[Port("out", PortType.object, description="{method, path, query, headers, body}")],
    trigger=True,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": dict(ctx.trigger)}
