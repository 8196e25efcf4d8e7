"""The memory manager: one agent's short-term window and long-term memories behind one facade.

Built per agent and call site by :meth:`MemoryServices.manager` from the agent's
``memory_schema``; the backends and the embedding cache it uses live as long as the process.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from kyra.errors import NodeError
from kyra.memory.backends import (
    BackendResources,
    LongTermStore,
    SessionWindow,
    create_long_backend,
    create_short_backend,
)
from kyra.memory.backends.base import MemoryRecord, NewMemory, SessionInfo
from kyra.memory.embeddings import EmbeddingCache, build_embedder
from kyra.memory.embeddings.base import Embedder
from kyra.memory.schema import MemorySchema
from kyra.memory.search import apply_decay, fuse

Strategy = Literal["vector", "keyword", "recency", "fused"]
#: Kinds a search looks at unless told otherwise (core facts are always in context instead).
SEARCHABLE = ["episodic", "semantic", "note", "summary"]
#: Candidates each strategy contributes to a fusion, per result wanted.
_POOL = 3


class MemoryDisabledError(NodeError):
    """The agent has no long-term memory (``memory_schema.long_backend`` is null)."""

    retryable = False


@dataclass
class Recall:
    """What an agent is given before its first model call."""

    core: dict[str, str] = field(default_factory=dict)
    window: list[dict[str, Any]] = field(default_factory=list)
    memories: list[MemoryRecord] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.core or self.window or self.memories)

    def as_dict(self) -> dict[str, Any]:
        return {
            "core": self.core,
            "window": self.window,
            "memories": [m.as_dict() for m in self.memories],
        }


def coherent_window(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The window from its first user message on: a trimmed window may start with tool results
    whose call was cut off, which providers refuse."""
    for index, message in enumerate(messages):
        if message.get("role") == "user":
            return messages[index:]
    return []


class MemoryManager:
    """One agent's memory (see the module docstring)."""

    def __init__(
        self,
        agent_id: uuid.UUID,
        schema: MemorySchema,
        *,
        window: SessionWindow,
        core_store: LongTermStore,
        long: LongTermStore | None,
        embedder: Embedder,
    ) -> None:
        self.agent_id = agent_id
        self.schema = schema
        self._window = window
        self._core = core_store
        self._long = long
        self._embedder = embedder

    @property
    def long(self) -> LongTermStore:
        if self._long is None:
            raise MemoryDisabledError(
                "this agent has no long-term memory: set memory_schema.long_backend to 'postgres'"
            )
        return self._long

    @property
    def has_long_term(self) -> bool:
        return self._long is not None

    # --- short-term -----------------------------------------------------------------------------

    async def load_window(self, session_id: str) -> list[dict[str, Any]]:
        messages = await self._window.load(self.agent_id, session_id, self.schema.short_window)
        return coherent_window(messages)

    async def append_window(
        self, session_id: str, entries: list[tuple[str, dict[str, Any]]]
    ) -> None:
        if entries and self.schema.short_window > 0:
            await self._window.append(
                self.agent_id, session_id, entries, window=self.schema.short_window
            )

    async def sessions(self) -> list[SessionInfo]:
        return await self._window.sessions(self.agent_id)

    async def clear_session(self, session_id: str) -> None:
        await self._window.clear(self.agent_id, session_id)

    # --- core facts -----------------------------------------------------------------------------

    async def core(self) -> dict[str, str]:
        return await self._core.core(self.agent_id)

    async def set_core(self, key: str, value: str) -> MemoryRecord:
        return await self._core.set_core(self.agent_id, key, value)

    async def delete_core(self, key: str) -> bool:
        return await self._core.delete_core(self.agent_id, key)

    # --- long-term ------------------------------------------------------------------------------

    async def _embedded(self, items: list[NewMemory]) -> list[NewMemory]:
        vectors = await self._embedder.embed([item.content for item in items])
        for item, vector in zip(items, vectors, strict=True):
            item.embedding, item.embedding_model = vector, self._embedder.name
        return items

    async def store(self, items: list[NewMemory]) -> list[MemoryRecord]:
        """Embed and store memories (core facts go through :meth:`set_core`)."""
        store = self.long
        return await store.insert(self.agent_id, await self._embedded(items))

    async def search(
        self,
        query: str,
        *,
        kinds: list[str] | None = None,
        strategy: Strategy = "fused",
        limit: int | None = None,
        decay: bool | None = None,
    ) -> list[MemoryRecord]:
        """The memories best matching ``query`` by ``strategy``; each names how it was found.

        A fused search runs its strategies concurrently (each on its own connection), each cut
        to a few times ``limit`` before the fusion.
        """
        store, wanted = self.long, limit or self.schema.top_k
        kinds = kinds or SEARCHABLE
        decayed = self.schema.decay_enabled if decay is None else decay
        pool = wanted * _POOL if strategy == "fused" or decayed else wanted

        async def by_vector() -> Sequence[MemoryRecord]:
            (vector,) = await self._embedder.embed([query])
            found = await store.search_vector(
                self.agent_id, vector, self._embedder.name, kinds=kinds, limit=pool
            )
            return apply_decay(found, self.schema.decay_half_life_days) if decayed else found

        strategies: dict[str, Callable[[], Awaitable[Sequence[MemoryRecord]]]] = {}
        if strategy in ("vector", "fused"):
            strategies["vector"] = by_vector
        if strategy in ("keyword", "fused"):
            strategies["keyword"] = lambda: store.search_keyword(
                self.agent_id, query, kinds=kinds, limit=pool
            )
        if strategy == "recency" or (strategy == "fused" and decayed):
            strategies["recency"] = lambda: store.recent(self.agent_id, kinds=kinds, limit=pool)
        found = await asyncio.gather(*(run() for run in strategies.values()))
        rankings = dict(zip(strategies, found, strict=True))
        if strategy != "fused":
            return list(rankings[strategy][:wanted])
        return fuse(rankings, limit=wanted)

    async def has_searchable(self) -> bool:
        return self._long is not None and await self._long.has_searchable(self.agent_id)

    async def listing(self, *, kinds: list[str], limit: int, offset: int) -> list[MemoryRecord]:
        return await self._core.listing(self.agent_id, kinds=kinds, limit=limit, offset=offset)

    async def facts(
        self, *, subject: str | None, relation: str | None, object: str | None, limit: int
    ) -> list[MemoryRecord]:
        return await self.long.facts(
            self.agent_id, subject=subject, relation=relation, object=object, limit=limit
        )

    async def neighbourhood(self, entity: str, *, depth: int, limit: int) -> list[MemoryRecord]:
        return await self.long.neighbourhood(self.agent_id, entity, depth=depth, limit=limit)

    async def candidates(
        self, *, kinds: list[str], older_than_days: float, max_importance: float, limit: int
    ) -> list[MemoryRecord]:
        older_than = datetime.now(UTC) - timedelta(days=older_than_days)
        return await self.long.candidates(
            self.agent_id, kinds=kinds, older_than=older_than,
            max_importance=max_importance, limit=limit,
        )  # fmt: skip

    async def replace(self, ids: list[int], summary: NewMemory) -> MemoryRecord | None:
        store = self.long
        (embedded,) = await self._embedded([summary])
        return await store.replace(self.agent_id, ids, embedded)

    async def forget(self, memory_id: int) -> bool:
        return await self._core.delete(self.agent_id, memory_id)

    # --- the agent loop -------------------------------------------------------------------------

    async def recall(self, goal: str, session_id: str | None) -> Recall:
        """Core facts, the session's window and the ``top_k`` memories relevant to ``goal``."""
        recall = Recall(core=await self.core())
        if session_id:
            recall.window = await self.load_window(session_id)
        if self.schema.top_k and await self.has_searchable():
            recall.memories = await self.search(goal, limit=self.schema.top_k)
        return recall


class MemoryServices:
    """The memory side of one process: backend instances and the embedding cache."""

    def __init__(self, resources: BackendResources, *, embedding_threads: int | None) -> None:
        self.resources = resources
        self.cache = EmbeddingCache()
        self._threads = embedding_threads
        self._short: dict[str, SessionWindow] = {}
        self._long: dict[str, LongTermStore] = {}

    def window(self, name: str) -> SessionWindow:
        if name not in self._short:
            self._short[name] = create_short_backend(name, self.resources)
        return self._short[name]

    def store(self, name: str) -> LongTermStore:
        if name not in self._long:
            self._long[name] = create_long_backend(name, self.resources)
        return self._long[name]

    def manager(self, agent_id: uuid.UUID, schema: MemorySchema, *, llm: Any) -> MemoryManager:
        """The manager of one agent; ``llm`` (a RunLLM) books embedding calls and usage."""
        long = self.store(schema.long_backend) if schema.long_backend else None
        return MemoryManager(
            agent_id, schema, window=self.window(schema.short_backend),
            core_store=long or self.store("postgres"), long=long,
            embedder=build_embedder(
                schema.embedding, llm=llm, cache=self.cache, threads=self._threads
            ),
        )  # fmt: skip

    async def forget_agent(self, agent_id: uuid.UUID, short_backend: str) -> None:
        """Drop the agent's sessions from its window backend and any other this process used
        (its stored memories go with the agent row)."""
        self.window(short_backend)
        for window in self._short.values():
            await window.clear(agent_id)

    async def close(self) -> None:
        for window in self._short.values():
            await window.close()
        for store in self._long.values():
            await store.close()
