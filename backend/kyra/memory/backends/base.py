"""What a memory backend implements: a session window (short-term) or a long-term store."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.settings import Settings


@dataclass(frozen=True)
class BackendResources:
    """What backends are built from, once per process (see ``MemoryServices``)."""

    settings: Settings
    session_factory: async_sessionmaker[AsyncSession]


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    messages: int
    updated_at: datetime | None


@dataclass
class NewMemory:
    """A long-term memory about to be stored (its embedding already computed, if any)."""

    kind: str
    content: str
    importance: float = 0.5
    metadata: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    subject: str | None = None
    relation: str | None = None
    object: str | None = None
    session_id: str | None = None
    occurred_at: datetime | None = None
    embedding: list[float] | None = None
    embedding_model: str | None = None


@dataclass
class MemoryRecord:
    """A stored memory; ``score`` and ``strategy`` are set by searches."""

    id: int
    kind: str
    content: str
    importance: float
    metadata: dict[str, Any]
    occurred_at: datetime
    created_at: datetime
    key: str | None = None
    subject: str | None = None
    relation: str | None = None
    object: str | None = None
    session_id: str | None = None
    score: float | None = None
    strategy: str | None = None
    #: The strategies that found a fused result.
    matched_by: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "kind": self.kind,
            "content": self.content,
            "importance": self.importance,
            "metadata": self.metadata,
            "occurred_at": self.occurred_at.isoformat(),
            "created_at": self.created_at.isoformat(),
        }
        optional = {
            "key": self.key, "subject": self.subject, "relation": self.relation,
            "object": self.object, "session_id": self.session_id, "score": self.score,
            "strategy": self.strategy, "matched_by": self.matched_by,
        }  # fmt: skip
        return data | {k: v for k, v in optional.items() if v is not None}


class SessionWindow(Protocol):
    """The last messages of each session of an agent, seen by every process that shares it."""

    def __init__(self, resources: BackendResources) -> None: ...

    async def load(self, agent_id: uuid.UUID, session_id: str, limit: int) -> list[dict[str, Any]]:
        """The last ``limit`` messages of the session, oldest first."""

    async def append(
        self,
        agent_id: uuid.UUID,
        session_id: str,
        entries: list[tuple[str, dict[str, Any]]],
        *,
        window: int,
    ) -> None:
        """Add ``(key, message)`` entries; a key already in the session is skipped (so a retried
        or resumed step appends once), and only the last ``window`` messages are kept."""

    async def sessions(self, agent_id: uuid.UUID) -> list[SessionInfo]:
        """The agent's sessions, most recently used first."""

    async def clear(self, agent_id: uuid.UUID, session_id: str | None = None) -> None:
        """Forget one session, or every session of the agent."""

    async def close(self) -> None:
        """Release connections."""


class LongTermStore(Protocol):
    """Memories that outlive sessions: core facts, episodes, semantic triples, summaries."""

    def __init__(self, resources: BackendResources) -> None: ...

    async def insert(self, agent_id: uuid.UUID, items: list[NewMemory]) -> list[MemoryRecord]:
        """Store memories; one with a ``key`` already stored for its kind is left as it is."""

    async def search_vector(
        self, agent_id: uuid.UUID, vector: list[float], model: str, *, kinds: list[str],
        limit: int,
    ) -> list[MemoryRecord]:  # fmt: skip
        """Nearest memories embedded by ``model`` (cosine; score = similarity)."""

    async def search_keyword(
        self, agent_id: uuid.UUID, query: str, *, kinds: list[str], limit: int
    ) -> list[MemoryRecord]:
        """Full-text matches, best first."""

    async def recent(
        self, agent_id: uuid.UUID, *, kinds: list[str], limit: int
    ) -> list[MemoryRecord]:
        """Newest memories first."""

    async def listing(
        self, agent_id: uuid.UUID, *, kinds: list[str], limit: int, offset: int
    ) -> list[MemoryRecord]:
        """Memories for browsing, newest first."""

    async def has_searchable(self, agent_id: uuid.UUID) -> bool:
        """True when the agent has any memory a search could return."""

    async def core(self, agent_id: uuid.UUID) -> dict[str, str]:
        """Core facts by key."""

    async def set_core(self, agent_id: uuid.UUID, key: str, value: str) -> MemoryRecord:
        """Create or overwrite one core fact."""

    async def delete_core(self, agent_id: uuid.UUID, key: str) -> bool:
        """Remove one core fact; False when there was none."""

    async def facts(
        self, agent_id: uuid.UUID, *, subject: str | None, relation: str | None,
        object: str | None, limit: int,
    ) -> list[MemoryRecord]:  # fmt: skip
        """Semantic triples matching the given parts (case-insensitive)."""

    async def neighbourhood(
        self, agent_id: uuid.UUID, entity: str, *, depth: int, limit: int
    ) -> list[MemoryRecord]:
        """Triples reachable from ``entity`` within ``depth`` hops (either direction)."""

    async def candidates(
        self, agent_id: uuid.UUID, *, kinds: list[str], older_than: datetime,
        max_importance: float, limit: int,
    ) -> list[MemoryRecord]:  # fmt: skip
        """Old, unimportant memories a compression may merge, least important first."""

    async def replace(
        self, agent_id: uuid.UUID, ids: list[int], summary: NewMemory
    ) -> MemoryRecord | None:
        """Store ``summary`` and delete the memories ``ids`` in one transaction (None when
        any of them is gone already)."""

    async def delete(self, agent_id: uuid.UUID, memory_id: int) -> bool:
        """Forget one memory; False when the agent has no such memory."""

    async def close(self) -> None:
        """Release connections."""
