"""Set the HTTP reply of a synchronous webhook call."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: int = Field(200, ge=100, le=599)
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = Field(None, description="JSON value or text; templates allowed")


SPEC = NodeSpec(
    type="Webhook.respond",
    title="Respond to webhook",
    category="Flow",
    icon="reply",
    description="Answer the webhook request that started this run with a status, headers and body.",
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", description="{status, headers, body}")],
    tool=False,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"out": {"status": params.status, "headers": params.headers, "body": params.body}}
