"""What an agent is made of: prompt, tools, model and loop settings, saved or inline."""

from __future__ import annotations

import re
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kyra.context.agents import AgentOptions, ToolSettings
from kyra.jsontypes import Integer

#: Deepest nesting of sub-agents unless an agent says otherwise.
DEFAULT_MAX_DEPTH = 3


class AgentSettings(BaseModel):
    """Loop settings stored in ``ai_agents.settings``."""

    model_config = ConfigDict(extra="forbid")

    on_max_iterations: Literal["fail", "best_answer"] = "fail"
    max_depth: Integer = Field(DEFAULT_MAX_DEPTH, ge=0, le=10)
    max_tokens: Integer = Field(1024, gt=0, le=200_000)
    tool_settings: dict[str, ToolSettings] = Field(default_factory=dict)


class AgentConfig(AgentOptions):
    """Everything the loop needs about one agent; ``agent_id`` is None for inline agents."""

    agent_id: uuid.UUID | None = None
    name: str = "agent"
    max_depth: int = Field(DEFAULT_MAX_DEPTH, ge=0, le=10)
    #: The saved agent's ``memory_schema`` (inline agents have no memory).
    memory: dict[str, Any] = Field(default_factory=dict)

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
