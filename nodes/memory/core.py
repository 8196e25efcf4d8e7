"""Core memory: facts always placed in the agent's context (user profile, persona)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.memory._agent import AGENT_FIELD


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["read", "set", "delete"] = Field("read", description="What to do")
    key: str | None = Field(
        None, min_length=1, max_length=200, description="Fact name, e.g. user_name (set, delete)"
    )
    value: str | None = Field(None, max_length=10_000, description="Fact value (set)")
    agent: str | None = AGENT_FIELD

    @model_validator(mode="after")
    def _needs_key(self) -> Params:
        if self.action != "read" and not self.key:
            raise ValueError(f"key is required to {self.action} a core fact")
        if self.action == "set" and self.value is None:
            raise ValueError("value is required to set a core fact")
        return self


SPEC = NodeSpec(
    type="Memory.core",
    icon="memory",
    title="Core memory",
    category="Memory",
    description=(
        "Read, set or delete the agent's core facts (user profile, persona), which are always "
        "placed in its system prompt; set and delete change the stored memory."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{facts, changed}")],
    timeout_s=30,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    memory = await ctx.memory.agent(params.agent)
    changed = False
    if params.action == "set" and params.key and params.value is not None:
        await memory.set_core(params.key, params.value)
        changed = True
    elif params.action == "delete" and params.key:
        changed = await memory.delete_core(params.key)
        if not changed:
            raise NodeError(f"there is no core fact {params.key!r}")
    return {"out": {"facts": await memory.core(), "changed": changed}}
