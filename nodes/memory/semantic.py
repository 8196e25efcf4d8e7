"""Semantic memory: a knowledge graph of subject-relation-object facts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kyra.context import NodeContext
from kyra.spec import NodeSpec, Port, PortType
from kyra_nodes.memory._agent import AGENT_FIELD


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["add", "lookup", "neighbourhood"] = Field(
        "lookup", description="Add a fact, look facts up, or walk the graph around an entity"
    )
    subject: str | None = Field(None, max_length=500, description="e.g. Ada")
    relation: str | None = Field(None, max_length=200, description="e.g. works at")
    object: str | None = Field(None, max_length=500, description="e.g. Acme")
    entity: str | None = Field(None, max_length=500, description="Centre (neighbourhood)")
    depth: int = Field(1, ge=1, le=3, description="Hops from the entity (neighbourhood)")
    limit: int = Field(50, ge=1, le=500)
    agent: str | None = AGENT_FIELD

    @model_validator(mode="after")
    def _complete(self) -> Params:
        if self.action == "add" and not (self.subject and self.relation and self.object):
            raise ValueError("subject, relation and object are required to add a fact")
        if self.action == "neighbourhood" and not self.entity:
            raise ValueError("entity is required for a neighbourhood")
        return self


SPEC = NodeSpec(
    type="Memory.semantic",
    icon="graph",
    title="Semantic memory",
    category="Memory",
    description=(
        "Add subject-relation-object facts to the agent's knowledge graph, look facts up by any "
        "part, or list the facts around an entity; add stores a memory."
    ),
    params=Params,
    inputs=[Port("in")],
    outputs=[Port("out", PortType.object, description="{stored} or {facts}")],
    timeout_s=60,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    memory = await ctx.memory.agent(params.agent)
    if params.action == "add":
        assert params.subject and params.relation and params.object
        triple = (params.subject, params.relation, params.object)
        stored = await memory.remember("semantic", " ".join(triple), triple=triple)
        return {"out": {"stored": stored}}
    if params.action == "neighbourhood":
        assert params.entity
        facts = await memory.neighbourhood(params.entity, depth=params.depth, limit=params.limit)
        return {"out": {"facts": facts}}
    facts = await memory.facts(
        subject=params.subject, relation=params.relation, object=params.object,
        limit=params.limit,
    )  # fmt: skip
    return {"out": {"facts": facts}}
