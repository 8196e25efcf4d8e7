"""Agent memory as handlers reach it (``ctx.memory``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID


class AgentMemory(Protocol):
    """One saved agent's memory. Memories come back as JSON objects (``id``, ``kind``,
    ``content``, ``importance``, ``metadata``, ``occurred_at`` …; searches add ``score`` and
    ``strategy``)."""

    agent_id: UUID
    agent_name: str
    #: The agent's ``memory_schema.compression_strategy`` (none, summarize, importance_based).
    compression_strategy: str

    async def core(self) -> dict[str, str]:
        """Core facts by key (always placed in the agent's context)."""

    async def set_core(self, key: str, value: str) -> dict[str, Any]:
        """Create or overwrite a core fact."""

    async def delete_core(self, key: str) -> bool:
        """Remove a core fact; False when there was none."""

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
        """Embed and store a long-term memory (``triple``: subject, relation, object)."""

    async def search(
        self,
        query: str,
        *,
        kinds: Sequence[str] | None = None,
        strategy: str = "fused",
        limit: int | None = None,
        decay: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Best matches by ``vector``, ``keyword``, ``recency`` or ``fused`` (reciprocal rank)."""

    async def facts(
        self,
        *,
        subject: str | None = None,
        relation: str | None = None,
        object: str | None = None,
        limit: int = 50,
    ) -> list[dict[str, Any]]:
        """Semantic triples matching the given parts."""

    async def neighbourhood(
        self, entity: str, *, depth: int = 1, limit: int = 100
    ) -> list[dict[str, Any]]:
        """Semantic triples within ``depth`` hops of ``entity``."""

    async def candidates(
        self,
        *,
        kinds: Sequence[str],
        older_than_days: float,
        max_importance: float,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Old, unimportant memories a compression may merge, least important first."""

    async def replace(
        self,
        ids: Sequence[int],
        summary: str,
        *,
        importance: float = 0.5,
        metadata: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Store ``summary`` in place of the memories ``ids`` (None if one is gone already)."""

    async def forget(self, memory_id: int) -> bool:
        """Delete one memory; False when the agent has no such memory."""


class MemoryAccess(Protocol):
    """Agent memory as handlers reach it."""

    async def agent(self, ref: str | None = None) -> AgentMemory:
        """The memory of the owner's saved agent ``ref`` (id or name); ``None`` means the agent
        calling this handler as a tool."""
