"""Wait for a human to approve or reject before the graph goes on."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(
        "Approve?", max_length=5000, description="What the approver is asked; templates allowed"
    )
    data: Any = Field(None, description="Details shown with the request; defaults to the input")


SPEC = NodeSpec(
    type="Core.approval",
    title="Approval",
    category="Flow",
    icon="approval",
    description=(
        "Pause the run until a human approves or rejects the request; continues on the "
        "approved or the rejected port with the decision and comment."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[
        Port("approved", PortType.object, description="{approved, comment, data}"),
        Port("rejected", PortType.object, description="{approved, comment, data}"),
    ],
    tool=False,
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    data = params.data if params.data is not None else inputs.get("in")
    decision = await ctx.request_approval({"message": params.message, "data": data})
    port = "approved" if decision["approved"] else "rejected"
    return {port: {**decision, "data": data}}
