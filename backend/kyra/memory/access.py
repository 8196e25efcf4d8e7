"""The engine's side of ``ctx.memory``: the owner's saved agents' memories for handlers."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kyra.db.queries import agents as agent_queries
from kyra.errors import NodeError, NotFoundError
from kyra.memory.backends.base import NewMemory
from kyra.memory.manager import MemoryManager, MemoryServices, Strategy
from kyra.memory.schema import MemorySchemaError, parse_memory_schema

_STRATEGIES = ("vector", "keyword", "recency", "fused")


async def agent_manager(
    services: Any, *, owner_id: uuid.UUID, ref: Any, llm: Any
) -> tuple[Any, MemoryManager]:
    """The owner's agent ``ref`` (id or name) and its memory manager.

    Raises:
        NotFoundError: no such agent for this owner.
        NodeError: its stored memory schema no longer validates.
    """
    async with services.session_factory() as session:
        row = await agent_queries.get_agent(session, owner_id=owner_id, ref=ref)
    try:
        schema = parse_memory_schema(
            row.memory_schema, default_short=services.settings.memory_short_backend
        )
    except MemorySchemaError as exc:
        raise NodeError(f"agent {row.name!r}: {exc}") from None
    memory: MemoryServices = services.memory
    return row, memory.manager(row.agent_id, schema, llm=llm)


class EngineAgentMemory:
    """:class:`kyra.context.AgentMemory` over a :class:`MemoryManager`."""

    def __init__(self, agent_id: uuid.UUID, agent_name: str, manager: MemoryManager) -> None:
        self.agent_id = agent_id
        self.agent_name = agent_name
        self.compression_strategy: str = manager.schema.compression_strategy
        self._manager = manager

    async def core(self) -> dict[str, str]:
        return await self._manager.core()

    async def set_core(self, key: str, value: str) -> dict[str, Any]:
        return (await self._manager.set_core(key, value)).as_dict()

    async def delete_core(self, key: str) -> bool:
        return await self._manager.delete_core(key)

    async def remember(
        self,
        kind: str,
        content: str,
        *,
        importance: float = 0.5,
        metadata: Mapping[str, Any] | None = None,
        occurred_at: datetime | None = None,
        triple: tuple[str, str, str] | None = None,
    ) -> dict[str, Any]:
        subject, relation, object_ = triple or (None, None, None)
        item = NewMemory(
            kind=kind, content=content, importance=importance, metadata=dict(metadata or {}),
            occurred_at=occurred_at, subject=subject, relation=relation, object=object_,
        )  # fmt: skip
        (record,) = await self._manager.store([item])
        return record.as_dict()

    async def search(
        self,
        query: str,
        *,
        kinds: Sequence[str] | None = None,
        strategy: str = "fused",
        limit: int | None = None,
        decay: bool | None = None,
    ) -> list[dict[str, Any]]:
        if strategy not in _STRATEGIES:
            raise NodeError(f"unknown search strategy {strategy!r}; one of {list(_STRATEGIES)}")
        chosen: Strategy = strategy  # type: ignore[assignment]
        found = await self._manager.search(
            query, kinds=list(kinds or []) or None, strategy=chosen, limit=limit, decay=decay
        )
        return [record.as_dict() for record in found]

    async def facts(
        self,
        *,
        subject: str | None = None,
        relation: str | None = None,
        object: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        found = await self._manager.facts(
            subject=subject, relation=relation, object=object, limit=limit
        )
        return [record.as_dict() for record in found]

    async def neighbourhood(
        self, entity: str, *, depth: int = 1, limit: int = 100
    ) -> list[dict[str, Any]]:
        found = await self._manager.neighbourhood(entity, depth=depth, limit=limit)
        return [record.as_dict() for record in found]

    async def candidates(
        self, *, kinds: Sequence[str], older_than_days: float, max_importance: float, limit: int
    ) -> list[dict[str, Any]]:
        found = await self._manager.candidates(
            kinds=list(kinds), older_than_days=older_than_days,
            max_importance=max_importance, limit=limit,
        )  # fmt: skip
        return [record.as_dict() for record in found]

    async def replace(
        self,
        ids: Sequence[int],
        summary: str,
        *,
        importance: float = 0.5,
        metadata: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        item = NewMemory(
            kind="summary", content=summary, importance=importance, metadata=dict(metadata or {})
        )
        record = await self._manager.replace(list(ids), item)
        return record.as_dict() if record is not None else None

    async def forget(self, memory_id: int) -> bool:
        return await self._manager.forget(memory_id)


class EngineMemoryAccess:
    """:class:`kyra.context.MemoryAccess` for one node attempt or agent tool call.

    Args:
        services: the engine services of the process.
        owner_id: whose agents may be reached.
        llm: the RunLLM that books embedding calls (to the node run or the tool's step).
        calling_agent: the saved agent calling the handler as a tool (``ref`` None means it).
    """

    def __init__(
        self, services: Any, *, owner_id: uuid.UUID, llm: Any, calling_agent: uuid.UUID | None
    ) -> None:
        self._services = services
        self._owner_id = owner_id
        self._llm = llm
        self._calling_agent = calling_agent
        self._agents: dict[str, EngineAgentMemory] = {}

    async def agent(self, ref: str | None = None) -> EngineAgentMemory:
        target = ref or (str(self._calling_agent) if self._calling_agent else None)
        if not target:
            raise NodeError("name the agent whose memory to use (the agent parameter)")
        if target not in self._agents:
            try:
                row, manager = await agent_manager(
                    self._services, owner_id=self._owner_id, ref=target, llm=self._llm
                )
            except NotFoundError:
                raise NodeError(f"no saved agent {target!r}") from None
            self._agents[target] = EngineAgentMemory(row.agent_id, row.name, manager)
        return self._agents[target]
