"""``postgres``: session windows in ``agent_session_messages`` and the long-term store in
``agent_memories`` (pgvector HNSW, full-text search, semantic triples)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.models import AgentMemory
from kyra.db.queries import memory as queries
from kyra.memory.backends import register_backend
from kyra.memory.backends.base import BackendResources, MemoryRecord, NewMemory, SessionInfo


class _AlreadyGone(Exception):
    """A memory to replace was deleted meanwhile (rolls the replacement back)."""


#: Advisory lock id serialising the creation of an index for a new vector size.
_INDEX_LOCK = 4_711_012


def record_of(row: Any, score: float | None = None, strategy: str | None = None) -> MemoryRecord:
    """A stored row, read or returned without its vector."""
    assert row.id is not None
    return MemoryRecord(
        id=row.id, kind=row.kind, content=row.content, importance=row.importance,
        metadata=dict(row.metadatas or {}), occurred_at=row.occurred_at,
        created_at=row.created_at, key=row.key, subject=row.subject, relation=row.relation,
        object=row.object, session_id=row.session_id, score=score, strategy=strategy,
    )  # fmt: skip


def _row(item: NewMemory) -> dict[str, Any]:
    row: dict[str, Any] = {
        "kind": item.kind, "content": item.content, "importance": item.importance,
        "metadatas": item.metadata, "key": item.key, "subject": item.subject,
        "relation": item.relation, "object": item.object, "session_id": item.session_id,
        "embedding": item.embedding, "embedding_model": item.embedding_model,
        "embedding_dims": len(item.embedding) if item.embedding else None,
    }  # fmt: skip
    if item.occurred_at is not None:
        row["occurred_at"] = item.occurred_at
    return row


@register_backend("postgres", role="short")
class PostgresWindow:
    """Windows in PostgreSQL: shared by every process, and kept across Redis restarts."""

    def __init__(self, resources: BackendResources) -> None:
        self._sessions = resources.session_factory

    async def load(self, agent_id: uuid.UUID, session_id: str, limit: int) -> list[dict[str, Any]]:
        if limit <= 0:
            return []
        async with self._sessions() as session:
            return await queries.session_messages(session, agent_id, session_id, limit)

    async def append(
        self,
        agent_id: uuid.UUID,
        session_id: str,
        entries: list[tuple[str, dict[str, Any]]],
        *,
        window: int,
    ) -> None:
        async with self._sessions.begin() as session:
            await queries.append_session_messages(
                session, agent_id, session_id, entries, window=window
            )

    async def sessions(self, agent_id: uuid.UUID) -> list[SessionInfo]:
        async with self._sessions() as session:
            rows = await queries.session_list(session, agent_id)
        return [SessionInfo(session_id, count, last) for session_id, count, last in rows]

    async def clear(self, agent_id: uuid.UUID, session_id: str | None = None) -> None:
        async with self._sessions.begin() as session:
            await queries.clear_sessions(session, agent_id, session_id)

    async def close(self) -> None:
        return None


@register_backend("postgres", role="long")
class PostgresStore:
    """Long-term memories in ``agent_memories``."""

    def __init__(self, resources: BackendResources) -> None:
        self._sessions = resources.session_factory
        self._indexed: set[int] = set()

    @asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncSession]:
        """A session whose statements run outside a transaction: a search is one statement,
        and the BEGIN and ROLLBACK around it were two round trips of its three."""
        async with self._sessions() as session:
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            yield session

    async def _index(self, dims: set[int]) -> None:
        missing = dims - self._indexed
        if not missing:
            return
        async with self._sessions.begin() as session:
            await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _INDEX_LOCK})
            for size in sorted(missing):
                await queries.ensure_vector_index(session, size)
        self._indexed |= missing

    async def insert(self, agent_id: uuid.UUID, items: list[NewMemory]) -> list[MemoryRecord]:
        await self._index({len(i.embedding) for i in items if i.embedding})
        async with self._sessions.begin() as session:
            rows = await queries.insert_memories(session, agent_id, [_row(i) for i in items])
        return [record_of(row) for row in rows]

    async def search_vector(
        self, agent_id: uuid.UUID, vector: list[float], model: str, *, kinds: list[str],
        limit: int,
    ) -> list[MemoryRecord]:  # fmt: skip
        async with self._reading() as session:
            found = await queries.search_vector(
                session, agent_id, vector, model, kinds=kinds, limit=limit
            )
        return [record_of(row, score, "vector") for row, score in found]

    async def search_keyword(
        self, agent_id: uuid.UUID, query: str, *, kinds: list[str], limit: int
    ) -> list[MemoryRecord]:
        async with self._reading() as session:
            found = await queries.search_keyword(session, agent_id, query, kinds=kinds, limit=limit)
        return [record_of(row, score, "keyword") for row, score in found]

    async def recent(
        self, agent_id: uuid.UUID, *, kinds: list[str], limit: int
    ) -> list[MemoryRecord]:
        records = await self.listing(agent_id, kinds=kinds, limit=limit, offset=0)
        for record in records:
            record.strategy = "recency"
        return records

    async def listing(
        self, agent_id: uuid.UUID, *, kinds: list[str], limit: int, offset: int
    ) -> list[MemoryRecord]:
        async with self._reading() as session:
            rows = await queries.recent_memories(
                session, agent_id, kinds=kinds, limit=limit, offset=offset
            )
        return [record_of(row) for row in rows]

    async def has_searchable(self, agent_id: uuid.UUID) -> bool:
        async with self._sessions() as session:
            return await queries.has_searchable(session, agent_id)

    async def core(self, agent_id: uuid.UUID) -> dict[str, str]:
        async with self._sessions() as session:
            return await queries.core_facts(session, agent_id)

    async def set_core(self, agent_id: uuid.UUID, key: str, value: str) -> MemoryRecord:
        async with self._sessions.begin() as session:
            return record_of(await queries.set_core_fact(session, agent_id, key, value))

    async def delete_core(self, agent_id: uuid.UUID, key: str) -> bool:
        async with self._sessions.begin() as session:
            return await queries.delete_core_fact(session, agent_id, key)

    async def facts(
        self, agent_id: uuid.UUID, *, subject: str | None, relation: str | None,
        object: str | None, limit: int,
    ) -> list[MemoryRecord]:  # fmt: skip
        async with self._sessions() as session:
            rows = await queries.semantic_facts(
                session, agent_id, subject=subject, relation=relation, object=object, limit=limit
            )
        return [record_of(row) for row in rows]

    async def neighbourhood(
        self, agent_id: uuid.UUID, entity: str, *, depth: int, limit: int
    ) -> list[MemoryRecord]:
        seen_entities = {entity.lower()}
        frontier = [entity.lower()]
        found: dict[int, queries.MemoryRow] = {}
        async with self._sessions() as session:
            for _ in range(depth):
                rows = await queries.triples_touching(session, agent_id, frontier, limit=limit)
                frontier = []
                for row in rows:
                    assert row.id is not None
                    found.setdefault(row.id, row)
                    for end in (row.subject, row.object):
                        if end and end.lower() not in seen_entities:
                            seen_entities.add(end.lower())
                            frontier.append(end.lower())
                if not frontier or len(found) >= limit:
                    break
        return [record_of(row) for row in list(found.values())[:limit]]

    async def candidates(
        self, agent_id: uuid.UUID, *, kinds: list[str], older_than: datetime,
        max_importance: float, limit: int,
    ) -> list[MemoryRecord]:  # fmt: skip
        async with self._sessions() as session:
            rows = await queries.compression_candidates(
                session, agent_id, kinds=kinds, older_than=older_than,
                max_importance=max_importance, limit=limit,
            )  # fmt: skip
        return [record_of(row) for row in rows]

    async def replace(
        self, agent_id: uuid.UUID, ids: list[int], summary: NewMemory
    ) -> MemoryRecord | None:
        await self._index({len(summary.embedding)} if summary.embedding else set())
        try:
            async with self._sessions.begin() as session:
                removed = await queries.delete_memories(
                    session, agent_id, col(AgentMemory.id).in_(ids)
                )
                if removed != len(set(ids)):
                    raise _AlreadyGone
                (row,) = await queries.insert_memories(session, agent_id, [_row(summary)])
        except _AlreadyGone:
            return None
        return record_of(row)

    async def delete(self, agent_id: uuid.UUID, memory_id: int) -> bool:
        async with self._sessions.begin() as session:
            return (
                await queries.delete_memories(session, agent_id, col(AgentMemory.id) == memory_id)
                > 0
            )

    async def close(self) -> None:
        return None
