"""What a handler receives besides its params: the run it belongs to and the services it may use.

Handlers depend on this protocol only; the engine provides the implementation, so a handler
never touches the database, the broker or the web server.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import httpx


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


class NodeContext(Protocol):
    """The engine-side services available to one node execution."""

    run_id: UUID
    node_id: str
    owner_id: UUID
    attempt: int
    log: logging.LoggerAdapter[logging.Logger]

    @property
    def idempotency_key(self) -> str:
        """Stable across retries of this node in this run: pass it to side-effecting APIs."""

    @property
    def trigger(self) -> Mapping[str, Any]:
        """The payload that started the run."""

    @property
    def http(self) -> httpx.AsyncClient:
        """Outbound HTTP client that refuses internal addresses unless allowed."""

    @property
    def llm(self) -> Any:
        """LLM calls (``await ctx.llm.chat(ChatRequest(...))``) costed to this node run and held
        to the run's budget; see :class:`kyra.services.llm.RunLLM`."""

    @property
    def memory(self) -> MemoryAccess:
        """Agent memory: core facts, episodes, semantic triples, search, compression."""

    async def credential(self, kind: str) -> dict[str, Any]:
        """Decrypted fields of the credential of ``kind`` attached to this node."""

    def add_cost(self, *, usd: float, input_tokens: int = 0, output_tokens: int = 0) -> None:
        """Account cost to this node run (and so to the run)."""

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        """Render templates in ``value`` against the run context plus ``extra``."""

    async def run_graph(
        self, graph_id: UUID, trigger: Mapping[str, Any], *, key: str
    ) -> dict[str, Any]:
        """Run another graph of the same owner as a child run and return its output."""

    async def run_node(
        self, type_name: str, params: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Execute another handler inline (validated params) and return its port values."""

    async def run_code(self, code: str, data: Any, *, limits: Mapping[str, Any]) -> Any:
        """Run user Python in the sandbox and return what it printed as result."""

    async def run_agent(self, config: Mapping[str, Any], goal: str) -> dict[str, Any]:
        """Run an agent loop (``config``: a saved agent's ``agent`` id/name, or inline fields)
        towards ``goal``; returns ``{answer, result, steps, cost_usd}``."""

    async def request_approval(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Pause the run until a human decides on ``request``; then ``{approved, comment}``."""
