"""An AI agent: a model that calls tools and sub-agents until it can answer the goal."""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from kyra.context import NodeContext
from kyra.errors import NodeError
from kyra.spec import NodeSpec, Port, PortType


class ToolSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requires_approval: bool = Field(False, description="Pause the run until a human approves")
    credentials: dict[str, str] = Field(
        default_factory=dict, description="Credential kind -> credential id for this tool"
    )
    timeout_s: float | None = Field(None, gt=0, le=3600)
    retries: int | None = Field(None, ge=0, le=10)


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: str | None = Field(
        None,
        description="Saved agent id or name; then the fields after session_id are ignored",
        json_schema_extra={"x-widget": "agent"},
    )
    goal: str = Field("", description="What to achieve; templates allowed. Empty uses the input")
    session_id: str | None = Field(
        None,
        max_length=200,
        description="Continue a conversation of a saved agent, e.g. {{ trigger.body.chat_id }}",
    )
    prompt: str = Field("", description="System prompt of an inline agent")
    tools: list[str] = Field(
        default_factory=list,
        description='Node types offered as tools, e.g. "HTTP.request"; "agent:<name>" for agents',
        json_schema_extra={"x-widget": "node-tools"},
    )
    model: str = Field(
        "auto",
        description="Catalogue model key, or auto",
        json_schema_extra={"x-widget": "llm-model"},
    )
    provider: str | None = Field(
        None,
        description="Provider name when several serve the model",
        json_schema_extra={"x-widget": "llm-provider"},
    )
    temperature: float | None = Field(0.7, ge=0, le=2)
    max_iterations: int = Field(5, ge=1, le=100, description="Model calls before giving up")
    max_tokens: int = Field(1024, gt=0, le=200_000, description="Output cap per model call")
    on_max_iterations: Literal["fail", "best_answer"] = Field(
        "fail", description="Fail the node, or output the last text when iterations run out"
    )
    tool_settings: dict[str, ToolSettings] = Field(
        default_factory=dict, description="Per tool type: approval, credentials, timeout"
    )

    @field_validator("tools")
    @classmethod
    def _tools_exist(cls, tools: list[str], info: ValidationInfo) -> list[str]:
        # Graph validation passes the registry; at run time the agent host checks again.
        registry = (info.context or {}).get("registry")
        for entry in tools if registry is not None else []:
            spec = None if entry.startswith("agent:") else registry.get(entry)
            if not entry.startswith("agent:") and (spec is None or not spec.tool):
                raise ValueError(f"{entry!r} is not a node type that can be a tool")
        return tools


SPEC = NodeSpec(
    type="AI.agent",
    title="AI agent",
    category="AI",
    icon="agent",
    description=(
        "Pursue a goal with a language model that calls tools and sub-agents until it answers; "
        "every model and tool call is recorded with its cost, and tools may have side effects."
    ),
    params=Params,
    inputs=[Port("in", description="Used as the goal when the goal is empty")],
    outputs=[
        Port("out", PortType.object, description="{answer, result, steps, cost_usd}"),
    ],
    # Agents reach other agents as sub-agents ("agent:<name>"), with depth and recursion checks.
    tool=False,
    timeout_s=1800,
)


@SPEC.handler
async def execute(ctx: NodeContext, params: Params, inputs: dict[str, Any]) -> dict[str, Any]:
    goal = params.goal or _as_text(inputs.get("in"))
    if not goal:
        raise NodeError("no goal: the goal is empty and no input arrived")
    config = params.model_dump(exclude={"goal"})
    return {"out": await ctx.run_agent(config, goal)}


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, default=str)
