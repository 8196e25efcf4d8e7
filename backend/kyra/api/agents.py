"""Agents: CRUD over the seed's ``ai_agents`` fields, runs in three modes, and their history."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, Literal

from litestar import Controller, Response, delete, get, patch, post
from litestar.exceptions import ValidationException
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.agents.config import AGENT_TOOL_PREFIX, AgentSettings
from kyra.agents.memory import SESSION_ID
from kyra.agents.service import run_agent, run_answer
from kyra.api.auth import Principal
from kyra.api.fields import JsonObject, LimitQuery, LineParameter, Name, OffsetQuery, Text
from kyra.crypto import encrypt_text
from kyra.db.models import AgentRun, AiAgent
from kyra.db.queries import agents as queries
from kyra.engine.services import EngineServices
from kyra.errors import ConflictError
from kyra.memory.schema import MemorySchemaError, parse_memory_schema

_NAME = r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$"
#: Agent fields a PATCH may set to null.
_CLEARABLE = frozenset({"provider", "webhook_secret"})


class AgentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=_NAME)
    default_prompt: Text = Field("", max_length=100_000)
    tools: list[Name] = Field(default_factory=list, max_length=100)
    memory_schema: JsonObject = Field(default_factory=dict)
    model: Name = "auto"
    provider: Name | None = None
    temperature: float = Field(0.7, ge=0, le=2)
    max_iterations: int = Field(3, ge=1, le=100)
    settings: AgentSettings = Field(default_factory=AgentSettings)
    webhook_secret: str | None = Field(
        None, min_length=8, max_length=64, description="Write-only; stored encrypted"
    )


class AgentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, pattern=_NAME)
    default_prompt: Text | None = Field(None, max_length=100_000)
    tools: list[Name] | None = Field(None, max_length=100)
    memory_schema: JsonObject | None = None
    model: Name | None = None
    provider: Name | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    max_iterations: int | None = Field(None, ge=1, le=100)
    settings: AgentSettings | None = None
    webhook_secret: str | None = Field(
        None, min_length=8, max_length=64, description="Write-only; stored encrypted"
    )


class AgentRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal: Text = Field(min_length=1, max_length=100_000)
    mode: Literal["direct", "tracked", "queue"] = "direct"
    budget_usd: Decimal | None = Field(None, ge=0, le=1_000_000)
    session_id: str | None = Field(
        None, pattern=SESSION_ID.pattern, description="Continue this conversation"
    )
    temperature: float | None = Field(None, ge=0, le=2, description="Overrides the agent's")


def _sealed(secret: str | None) -> str | None:
    """The webhook secret as stored: Fernet-encrypted (never returned by the API)."""
    return encrypt_text(secret).decode() if secret else None


def agent_read(agent: AiAgent) -> dict[str, Any]:
    return {
        "id": str(agent.agent_id),
        "name": agent.name,
        "default_prompt": agent.default_prompt,
        "tools": list(agent.tools),
        "memory_schema": agent.memory_schema,
        "model": agent.model,
        "provider": agent.provider,
        "temperature": agent.temperature,
        "max_iterations": agent.max_iterations,
        "settings": agent.settings,
        "status": agent.status,
        "has_webhook_secret": bool(agent.webhook_secret),
        "graph_id": str(agent.graph_id) if agent.graph_id else None,
        "total_input_tokens": agent.total_input_tokens,
        "total_output_tokens": agent.total_output_tokens,
        "total_cost": float(agent.total_cost),
        "created_at": agent.created_at.isoformat(),
        "updated_at": agent.updated_at.isoformat(),
    }


def agent_run_read(row: AgentRun) -> dict[str, Any]:
    return {
        "id": str(row.run_id),
        "agent_id": str(row.agent_id),
        "run_id": str(row.flow_run_id) if row.flow_run_id else None,
        "mode": row.mode,
        "status": row.status,
        "goal": row.goal,
        "result": row.result,
        "error": row.error,
        "cost_usd": float(row.cost_usd),
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


async def _check_tools(
    session: AsyncSession, services: EngineServices, owner_id: uuid.UUID, name: str,
    tools: list[str],
) -> None:  # fmt: skip
    errors: list[dict[str, str]] = []
    agents = [t.removeprefix(AGENT_TOOL_PREFIX) for t in tools if t.startswith(AGENT_TOOL_PREFIX)]
    found = {a.name for a in await queries.agents_named(session, owner_id=owner_id, names=agents)}
    for index, entry in enumerate(tools):
        field = f"tools[{index}]"
        if entry.startswith(AGENT_TOOL_PREFIX):
            sub = entry.removeprefix(AGENT_TOOL_PREFIX)
            if sub == name:
                errors.append({"key": field, "message": "an agent cannot be its own sub-agent"})
            elif sub not in found:
                errors.append({"key": field, "message": f"no agent named {sub!r}"})
            continue
        spec = services.registry.get(entry)
        if spec is None or not spec.tool:
            message = f"{entry!r} is not a node type that can be a tool"
            errors.append({"key": field, "message": message})
    if errors:
        raise ValidationException(detail="agent is invalid", extra=errors)


def _memory_schema(raw: dict[str, Any], services: EngineServices) -> dict[str, Any]:
    """The validated schema with its defaults filled in, or 400 naming each bad key."""
    try:
        schema = parse_memory_schema(raw, default_short=services.settings.memory_short_backend)
    except MemorySchemaError as exc:
        raise ValidationException(detail="memory_schema is invalid", extra=exc.errors) from None
    return schema.model_dump(mode="json")


class AgentController(Controller):
    path = "/api/agents"
    tags = ["agents"]

    @post("/")
    async def create(
        self, data: AgentCreate, db_session: AsyncSession, principal: Principal,
        services: EngineServices,
    ) -> dict[str, Any]:  # fmt: skip
        await _check_tools(db_session, services, principal.user_id, data.name, data.tools)
        fields = data.model_dump(exclude={"settings", "webhook_secret", "memory_schema"})
        agent = AiAgent(
            owner_id=principal.user_id, **fields,
            memory_schema=_memory_schema(data.memory_schema, services),
            settings=data.settings.model_dump(mode="json"),
            webhook_secret=_sealed(data.webhook_secret),
        )  # fmt: skip
        db_session.add(agent)
        try:
            await db_session.flush()
        except IntegrityError as exc:
            raise ConflictError(f"an agent named {data.name!r} already exists") from exc
        return agent_read(agent)

    @get("/")
    async def list_agents(
        self, db_session: AsyncSession, principal: Principal
    ) -> list[dict[str, Any]]:
        return [
            agent_read(a) for a in await queries.list_agents(db_session, owner_id=principal.user_id)
        ]

    @get("/{agent_ref:str}")
    async def read(
        self, agent_ref: LineParameter, db_session: AsyncSession, principal: Principal
    ) -> dict[str, Any]:
        return agent_read(
            await queries.get_agent(db_session, owner_id=principal.user_id, ref=agent_ref)
        )

    @patch("/{agent_ref:str}")
    async def update(
        self, agent_ref: LineParameter, data: AgentUpdate, db_session: AsyncSession,
        principal: Principal, services: EngineServices,
    ) -> dict[str, Any]:  # fmt: skip
        agent = await queries.get_agent(db_session, owner_id=principal.user_id, ref=agent_ref)
        changes = data.model_dump(exclude_unset=True, exclude={"settings"})
        # null clears only what may be empty; elsewhere it means "unchanged".
        changes = {k: v for k, v in changes.items() if v is not None or k in _CLEARABLE}
        name = changes.get("name") or agent.name
        if "tools" in changes or "name" in changes:
            await _check_tools(db_session, services, principal.user_id, name,
                               changes.get("tools", list(agent.tools)))  # fmt: skip
        if "memory_schema" in changes:
            changes["memory_schema"] = _memory_schema(changes["memory_schema"] or {}, services)
        if "webhook_secret" in changes:
            changes["webhook_secret"] = _sealed(changes["webhook_secret"])
        for key, value in changes.items():
            setattr(agent, key, value)
        if data.settings is not None:
            agent.settings = data.settings.model_dump(mode="json")
        await db_session.flush()
        return agent_read(agent)

    @delete("/{agent_ref:str}")
    async def remove(
        self, agent_ref: LineParameter, db_session: AsyncSession, principal: Principal,
        services: EngineServices,
    ) -> None:  # fmt: skip
        agent = await queries.get_agent(db_session, owner_id=principal.user_id, ref=agent_ref)
        # Memories and postgres windows go with the row; other windows are dropped here.
        short = agent.memory_schema.get("short_backend") or services.settings.memory_short_backend
        await services.memory.forget_agent(agent.agent_id, short)
        await db_session.delete(agent)

    @post(
        "/{agent_ref:str}/run",
        status_code=200,
        opt={"statuses": {202: "Queued (mode queue): the run ids"}},
    )
    async def run(
        self, agent_ref: LineParameter, data: AgentRunCreate, db_session: AsyncSession,
        principal: Principal, services: EngineServices,
    ) -> Response[dict[str, Any]]:  # fmt: skip
        agent = await queries.get_agent(db_session, owner_id=principal.user_id, ref=agent_ref)
        started = await run_agent(
            services, db_session, agent, goal=data.goal, mode=data.mode,
            budget_usd=data.budget_usd, session_id=data.session_id, temperature=data.temperature,
        )  # fmt: skip
        if data.mode == "queue":
            body = {"agent_run_id": str(started.agent_run.run_id), "run_id": str(started.run.id),
                    "mode": "queue", "status": started.run.status}  # fmt: skip
            return Response(body, status_code=202)
        return Response(run_answer(started), status_code=200)

    @get("/{agent_ref:str}/runs")
    async def runs(
        self, agent_ref: LineParameter, db_session: AsyncSession, principal: Principal,
        limit: LimitQuery = 50, offset: OffsetQuery = 0,
    ) -> list[dict[str, Any]]:  # fmt: skip
        agent = await queries.get_agent(db_session, owner_id=principal.user_id, ref=agent_ref)
        rows = await queries.list_agent_runs(
            db_session, agent_id=agent.agent_id, limit=limit, offset=offset
        )
        return [agent_run_read(r) for r in rows]


ROUTES = [AgentController]
