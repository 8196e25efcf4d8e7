"""Agents, their runs and their answers as the API answers them (never a webhook secret)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from kyra.api.schemas.base import ReadModel, Timestamp
from kyra.api.schemas.runs import TraceNode
from kyra.db.models import AgentRun, AiAgent
from kyra.status import RunStatus

__all__ = [
    "AgentAnswer",
    "AgentHookAccepted",
    "AgentHookReplayed",
    "AgentQueued",
    "AgentRead",
    "AgentRunRead",
]


class AgentRead(ReadModel):
    """A saved agent: its model, tools, memory and settings, and what it has cost so far."""

    id: uuid.UUID
    name: str
    default_prompt: str
    tools: list[str]
    memory_schema: dict[str, Any]
    model: str
    provider: str | None
    temperature: float
    max_iterations: int
    settings: dict[str, Any]
    status: str
    has_webhook_secret: bool
    graph_id: uuid.UUID | None
    total_input_tokens: int
    total_output_tokens: int
    total_cost: float
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, agent: AiAgent) -> AgentRead:
        return cls(
            id=agent.agent_id,
            name=agent.name,
            default_prompt=agent.default_prompt,
            tools=list(agent.tools),
            memory_schema=agent.memory_schema,
            model=agent.model,
            provider=agent.provider,
            temperature=agent.temperature,
            max_iterations=agent.max_iterations,
            settings=agent.settings,
            status=agent.status,
            has_webhook_secret=bool(agent.webhook_secret),
            graph_id=agent.graph_id,
            total_input_tokens=agent.total_input_tokens,
            total_output_tokens=agent.total_output_tokens,
            total_cost=float(agent.total_cost),
            created_at=agent.created_at,
            updated_at=agent.updated_at,
        )


class AgentRunRead(ReadModel):
    """One run of an agent; ``run_id`` is the graph run behind it (null in direct mode)."""

    id: uuid.UUID
    agent_id: uuid.UUID
    run_id: uuid.UUID | None
    mode: str | None
    status: str
    goal: str
    result: Any
    error: str | None
    cost_usd: float
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, row: AgentRun) -> AgentRunRead:
        return cls(
            id=row.run_id,
            agent_id=row.agent_id,
            run_id=row.flow_run_id,
            mode=row.mode,
            status=row.status,
            goal=row.goal,
            result=row.result,
            error=row.error,
            cost_usd=float(row.cost_usd),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class AgentAnswer(ReadModel):
    """A direct or tracked agent run as it ended (or paused): answer, steps and cost."""

    agent_run_id: uuid.UUID
    run_id: uuid.UUID | None
    mode: str
    status: RunStatus
    answer: Any
    result: Any
    finished: bool | None
    iterations: int | None
    cost_usd: float
    input_tokens: int
    output_tokens: int
    error: dict[str, Any] | None
    pause_reason: str | None
    steps: list[TraceNode]

    @classmethod
    def of(cls, answer: dict[str, Any]) -> AgentAnswer:
        """The model of ``kyra.agents.service.run_answer(...)``."""
        return cls.model_validate(answer)


class AgentQueued(ReadModel):
    """A queued agent run: its ids, to follow it at ``/api/runs/{run_id}``."""

    agent_run_id: uuid.UUID
    run_id: uuid.UUID
    mode: Literal["queue"]
    status: RunStatus


class AgentHookAccepted(ReadModel):
    """An agent webhook call queued (mode ``async``): its ids, to follow it."""

    agent_run_id: uuid.UUID
    run_id: uuid.UUID
    status: RunStatus


class AgentHookReplayed(ReadModel):
    """A replay of a signed agent webhook call already accepted: the first call's run id."""

    run_id: uuid.UUID | None
    status: Literal["replayed"]
