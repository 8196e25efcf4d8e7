"""The node context: what a handler receives besides its params."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

import httpx

from kyra.context.agents import AgentParams
from kyra.context.files import Files
from kyra.context.llm import LLM
from kyra.context.memory import MemoryAccess
from kyra.credentials import ServiceClient


class NodeContext(Protocol):
    """The engine-side services available to one node execution."""

    run_id: UUID
    node_id: str
    owner_id: UUID
    attempt: int

    @property
    def log(self) -> logging.LoggerAdapter[logging.Logger]:
        """A logger whose lines name the run and the node."""

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
    def llm(self) -> LLM:
        """Model calls (``await ctx.llm.chat(ChatRequest(...))``) costed to this node run and held
        to the run's budget."""

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

    async def run_agent(self, params: AgentParams, goal: str) -> dict[str, Any]:
        """Run an agent loop (a saved agent by ``params.agent``, else the inline fields)
        towards ``goal``; returns ``{answer, result, steps, cost_usd}``."""

    async def request_approval(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """Pause the run until a human decides on ``request``; then ``{approved, comment}``."""
