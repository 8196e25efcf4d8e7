"""What a handler receives besides its params: the run it belongs to and the services it may use.

Handlers depend on these protocols only; the engine provides the implementations, so a handler
never touches the database, the broker or the web server. Triggers that poll a service or that a
service calls get a :class:`TriggerContext` (no run exists yet) and return events, each of which
starts one run, once.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, Protocol, TypedDict
from uuid import UUID

import httpx

from kyra.credentials import ServiceClient

#: How a stored file travels between nodes: never its bytes, only this reference. ``$file`` is
#: the file's id; ``name``, ``mime`` and ``size`` are for people and for the next node.
FileRef = TypedDict("FileRef", {"$file": str, "name": str, "mime": str, "size": int})


def is_file_ref(value: Any) -> bool:
    """True for a ``{"$file": id, ...}`` reference."""
    return isinstance(value, dict) and isinstance(value.get("$file"), str)


class Files(Protocol):
    """Binary data of the run's owner: stored once (by content), passed on as a :data:`FileRef`.

    Files are streamed in and out in chunks, so a handler never needs a whole file in memory.
    """

    async def save(
        self, content: bytes | AsyncIterable[bytes], *, name: str, mime: str = ""
    ) -> FileRef:
        """Store ``content`` and return its reference (``mime`` is guessed from ``name``)."""

    def open(self, ref: Mapping[str, Any]) -> AbstractAsyncContextManager[BinaryIO]:
        """A readable, seekable binary file for ``ref`` (``async with ctx.files.open(ref)``).

        Raises:
            NodeError: ``ref`` is not a file reference, or not a file of this owner.
        """

    def chunks(self, ref: Mapping[str, Any], *, size: int = 1 << 16) -> AsyncIterator[bytes]:
        """The content of ``ref`` in chunks of at most ``size`` bytes."""

    async def describe(self, ref: Mapping[str, Any]) -> FileRef:
        """The stored facts of ``ref`` (the reference a node received may be hand-written)."""


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
    def files(self) -> Files:
        """Stored files of the run's owner; see :class:`Files`."""

    @property
    def llm(self) -> Any:
        """LLM calls (``await ctx.llm.chat(ChatRequest(...))``) costed to this node run and held
        to the run's budget; see :class:`kyra.services.llm.RunLLM`."""

    @property
    def memory(self) -> MemoryAccess:
        """Agent memory: core facts, episodes, semantic triples, search, compression."""

    async def credential(self, kind: str) -> dict[str, Any]:
        """Decrypted fields of the credential of ``kind`` attached to this node (OAuth2 tokens
        refreshed when they are about to expire); ``{}`` for an optional kind left empty.
        The engine masks these values in the node's outputs and errors and in logs."""

    async def service(self, kind: str) -> ServiceClient:
        """A client for the service of the credential of ``kind``: requests go to its base URL
        (or the credential's override) with the secret injected; see :mod:`kyra.credentials`."""

    async def connect_address(self, host: str, port: int) -> str:
        """The IP address a direct TCP connection to ``host`` (a database) must use: resolved
        once and checked like outbound HTTP (private hosts refused unless
        ``KYRA_HTTP_ALLOW_HOSTS`` allows them).

        Raises:
            NodeError: the host is refused (BlockedAddressError) or does not resolve.
        """

    async def recorded_effect(self, key: str) -> Any:
        """What an earlier attempt of this node in this run recorded under ``key`` (None if
        nothing): a retry or a redelivered message must not repeat a side effect."""

    async def record_effect(self, key: str, value: Any) -> None:
        """Record a side effect's result (JSON, e.g. the sent message's id), committed at once,
        before the handler returns; see ``kyra_nodes._service.once``."""

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


@dataclass(frozen=True)
class TriggerEvent:
    """Something that starts one run: ``payload`` becomes its ``trigger``; ``key`` (e.g. a
    message id) makes sure the same event never starts a second run."""

    key: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Polled:
    """What a poll found, and the cursor the next poll starts from."""

    events: list[TriggerEvent]
    cursor: dict[str, Any] | None


@dataclass(frozen=True)
class InboundRequest:
    """A request a service sent to a trigger's URL (the raw body, for signatures)."""

    method: str
    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Received:
    """The answer to an inbound request, and the events it carries (accepted but ignored:
    none). ``body`` is sent as JSON, or as text when it is a string."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    events: list[TriggerEvent] = field(default_factory=list)


class TriggerContext(Protocol):
    """What a polling or inbound trigger may use: its graph's owner, credentials and HTTP."""

    owner_id: UUID
    graph_id: UUID
    node_id: str
    log: logging.LoggerAdapter[logging.Logger]

    @property
    def http(self) -> httpx.AsyncClient:
        """Outbound HTTP client that refuses internal addresses unless allowed."""

    async def credential(self, kind: str) -> dict[str, Any]:
        """Decrypted fields of the credential of ``kind`` attached to the trigger node."""

    async def service(self, kind: str) -> ServiceClient:
        """A client for the service of the credential of ``kind`` (see NodeContext.service)."""
