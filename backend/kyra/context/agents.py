"""What running an agent takes (``ctx.run_agent``): one model for the AI.agent node, saved
agents and the agent host, so their fields cannot drift apart."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

#: Prefix of a tools-list entry naming a saved agent offered as a sub-agent ("agent:researcher").
AGENT_TOOL_PREFIX = "agent:"


class ToolSettings(BaseModel):
    """How one tool runs for an agent: approval, credentials, timeout and retries."""

    model_config = ConfigDict(extra="forbid")

    requires_approval: bool = Field(False, description="Pause the run until a human approves")
    credentials: dict[str, str] = Field(
        default_factory=dict, description="Credential kind -> credential id for this tool"
    )
    timeout_s: float | None = Field(None, gt=0, le=3600)
    retries: int | None = Field(None, ge=0, le=10)
    retry_backoff_s: float = Field(0.5, ge=0, le=60)


class AgentOptions(BaseModel):
    """Prompt, tools, model and loop settings: what defines an agent, saved or inline."""

    model_config = ConfigDict(extra="forbid")

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
        if registry is None:
            return tools
        for entry in tools:
            spec = None if entry.startswith(AGENT_TOOL_PREFIX) else registry.get(entry)
            if not entry.startswith(AGENT_TOOL_PREFIX) and (spec is None or not spec.tool):
                raise ValueError(f"{entry!r} is not a node type that can be a tool")
        return tools

    def tool_settings_for(self, name: str) -> ToolSettings:
        return self.tool_settings.get(name) or ToolSettings()


class AgentParams(AgentOptions):
    """What ``ctx.run_agent`` takes: a saved agent by id or name, or an inline one."""

    agent: str | None = Field(
        None,
        description="Saved agent id or name; then the fields after session_id are ignored",
        json_schema_extra={"x-widget": "agent"},
    )
    session_id: str | None = Field(
        None,
        max_length=200,
        description="Continue a conversation of a saved agent, e.g. {{ trigger.body.chat_id }}",
    )
