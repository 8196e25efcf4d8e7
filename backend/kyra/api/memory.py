"""Agent memory over HTTP: browse, search, add and delete memories; read session windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from litestar import Controller, delete, get, post
from litestar.exceptions import ValidationException
from litestar.params import Parameter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kyra.agents.memory import SESSION_ID
from kyra.api.auth import Principal
from kyra.db.queries import agents as agent_queries
from kyra.engine.services import EngineServices
from kyra.errors import NotFoundError
from kyra.memory.access import agent_manager
from kyra.memory.backends.base import NewMemory
from kyra.memory.manager import SEARCHABLE, MemoryDisabledError, MemoryManager
from kyra.services.llm import RunLLM

MemoryKindName = Literal["core", "episodic", "semantic", "note", "summary"]
_ALL_KINDS = ["core", *SEARCHABLE]


class MemoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: MemoryKindName = "note"
    content: str = Field(min_length=1, max_length=20_000)
    metadata: dict[str, Any] = Field(default_factory=dict)
    importance: float = Field(0.5, ge=0, le=1)
    occurred_at: datetime | None = None
    key: str | None = Field(None, min_length=1, max_length=200, description="Core facts: name")
    subject: str | None = Field(None, max_length=500, description="Semantic facts")
    relation: str | None = Field(None, max_length=200)
    object: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _complete(self) -> MemoryCreate:
        if self.kind == "core" and not self.key:
            raise ValueError("key is required for a core fact")
        triple = (self.subject, self.relation, self.object)
        if self.kind == "semantic" and not all(triple):
            raise ValueError("subject, relation and object are required for a semantic fact")
        return self


async def _manager(
    services: EngineServices, principal: Principal, agent_ref: str
) -> tuple[Any, MemoryManager]:
    async with services.session_factory() as session:
        row = await agent_queries.get_agent(session, owner_id=principal.user_id, ref=agent_ref)
    llm = RunLLM(
        session_factory=services.session_factory, owner_id=principal.user_id,
        agent_id=row.agent_id, settings=services.settings,
    )  # fmt: skip
    return await agent_manager(services, owner_id=principal.user_id, ref=row.agent_id, llm=llm)


def _kinds(kind: str | None) -> list[str]:
    if kind is None:
        return []
    if kind not in _ALL_KINDS:
        raise ValidationException(
            detail="unknown kind", extra=[{"key": "kind", "message": f"one of {_ALL_KINDS}"}]
        )
    return [kind]


class MemoryController(Controller):
    path = "/api/agents/{agent_ref:str}"
    tags = ["agents"]

    @get("/memories")
    async def list_memories(
        self, agent_ref: str, principal: Principal, services: EngineServices,
        kind: MemoryKindName | None = None,
        text: str | None = Parameter(query="query", default=None, max_length=10_000),
        strategy: Literal["fused", "vector", "keyword", "recency"] = "fused",
        limit: int = Parameter(default=50, ge=1, le=500), offset: int = Parameter(default=0, ge=0),
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Memories newest first, or the best matches of ``query`` (with score and strategy)."""
        _, manager = await _manager(services, principal, agent_ref)
        kinds = _kinds(kind)
        if not text:
            found = await manager.listing(kinds=kinds, limit=limit, offset=offset)
        else:
            if "core" in kinds:
                raise ValidationException(
                    detail="core facts are not searched",
                    extra=[{"key": "kind", "message": "core facts are always in context"}],
                )
            try:
                found = await manager.search(text, kinds=kinds or None, strategy=strategy,
                                             limit=limit)  # fmt: skip
            except MemoryDisabledError as exc:
                raise ValidationException(detail=str(exc)) from None
        return [record.as_dict() for record in found]

    @post("/memories")
    async def add_memory(
        self, agent_ref: str, data: MemoryCreate, principal: Principal, services: EngineServices
    ) -> dict[str, Any]:
        _, manager = await _manager(services, principal, agent_ref)
        if data.kind == "core":
            assert data.key is not None
            return (await manager.set_core(data.key, data.content)).as_dict()
        item = NewMemory(
            kind=data.kind, content=data.content, importance=data.importance,
            metadata=data.metadata, occurred_at=data.occurred_at, subject=data.subject,
            relation=data.relation, object=data.object,
        )  # fmt: skip
        try:
            (record,) = await manager.store([item])
        except MemoryDisabledError as exc:
            raise ValidationException(detail=str(exc)) from None
        return record.as_dict()

    @delete("/memories/{memory_id:int}")
    async def delete_memory(
        self, agent_ref: str, memory_id: int, principal: Principal, services: EngineServices
    ) -> None:
        _, manager = await _manager(services, principal, agent_ref)
        if not await manager.forget(memory_id):
            raise NotFoundError(f"memory {memory_id} not found")

    @get("/sessions")
    async def list_sessions(
        self, agent_ref: str, principal: Principal, services: EngineServices
    ) -> list[dict[str, Any]]:
        _, manager = await _manager(services, principal, agent_ref)
        return [
            {"session_id": s.session_id, "messages": s.messages,
             "updated_at": s.updated_at.isoformat() if s.updated_at else None}
            for s in await manager.sessions()
        ]  # fmt: skip

    @get("/sessions/{session_id:str}")
    async def read_session(
        self, agent_ref: str, session_id: str, principal: Principal, services: EngineServices
    ) -> dict[str, Any]:
        """The session's window: the messages the agent's next run in it will be shown."""
        _, manager = await _manager(services, principal, agent_ref)
        if not SESSION_ID.match(session_id):
            raise NotFoundError(f"session {session_id} not found")
        messages = await manager.load_window(session_id)
        return {"session_id": session_id, "window": manager.schema.short_window,
                "backend": manager.schema.short_backend, "messages": messages}  # fmt: skip

    @delete("/sessions/{session_id:str}")
    async def forget_session(
        self, agent_ref: str, session_id: str, principal: Principal, services: EngineServices
    ) -> None:
        _, manager = await _manager(services, principal, agent_ref)
        await manager.clear_session(session_id)


ROUTES = [MemoryController]
