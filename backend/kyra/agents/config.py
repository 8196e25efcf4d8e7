"""What an agent is made of: prompt, tools, model and loop settings, saved or inline."""

from __future__ import annotations

import re
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Prefix of a tools-list entry naming a saved agent offered as a sub-agent ("agent:researcher").
AGENT_TOOL_PREFIX = "agent:"
#: Deepest nesting of sub-agents unless an agent says otherwise.
DEFAULT_MAX_DEPTH = 3


class ToolSettings(BaseModel):
    """How one tool runs for an agent: approval, credentials, timeout and retries."""

    model_config = ConfigDict(extra="forbid")

    requires_approval: bool = False
    #: Credential kind → credential id of the owner, handed to the tool's handler.
    credentials: dict[str, str] = Field(default_factory=dict)
    timeout_s: float | None = Field(None, gt=0, le=3600)
    retries: int | None = Field(None, ge=0, le=10)
    retry_backoff_s: float = Field(0.5, ge=0, le=60)


class AgentSettings(BaseModel):
    """Loop settings stored in ``ai_agents.settings``."""

    model_config = ConfigDict(extra="forbid")

    on_max_iterations: Literal["fail", "best_answer"] = "fail"
    max_depth: int = Field(DEFAULT_MAX_DEPTH, ge=0, le=10)
    max_tokens: int = Field(1024, gt=0, le=200_000)
    tool_settings: dict[str, ToolSettings] = Field(default_factory=dict)


class AgentConfig(AgentSettings):
    """Everything the loop needs about one agent; ``agent_id`` is None for inline agents."""

    agent_id: uuid.UUID | None = None
    name: str = "agent"
    prompt: str = ""
    tools: list[str] = Field(default_factory=list)
    model: str = "auto"
    provider: str | None = None
    temperature: float | None = Field(0.7, ge=0, le=2)
    max_iterations: int = Field(5, ge=1, le=100)
    #: The saved agent's ``memory_schema`` (inline agents have no memory).
    memory: dict[str, Any] = Field(default_factory=dict)

    def tool_settings_for(self, name: str) -> ToolSettings:
        return self.tool_settings.get(name) or ToolSettings()

    @property
    def identity(self) -> str:
        """What recursion checks compare: the saved agent's id, else its name."""
        return str(self.agent_id) if self.agent_id else f"inline:{self.name}"


def config_of(row: Any) -> AgentConfig:
    """The config of a saved ``ai_agents`` row."""
    settings = AgentSettings.model_validate(row.settings or {})
    return AgentConfig(
        **settings.model_dump(),
        agent_id=row.agent_id,
        name=row.name,
        prompt=row.default_prompt,
        tools=list(row.tools),
        model=row.model,
        provider=row.provider,
        temperature=row.temperature,
        max_iterations=row.max_iterations,
        memory=row.memory_schema or {},
    )


def agent_tool_name(agent_name: str) -> str:
    """The LLM tool name of a sub-agent (``agent__<name>``, cut to the providers' 64 chars)."""
    return ("agent__" + re.sub(r"[^a-zA-Z0-9_-]", "_", agent_name))[:64]
