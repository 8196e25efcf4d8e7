"""The engine's implementation of :class:`kyra.context.NodeContext` for one node attempt."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Any
from uuid import UUID

import httpx

from kyra.credentials import ServiceClient
from kyra.db.queries import runs as run_queries
from kyra.engine import templating
from kyra.engine.credentials import CredentialSource
from kyra.engine.runner import RunScope, check_ports, render_params, validate_params
from kyra.engine.services import EngineServices
from kyra.errors import NodeError, SandboxError
from kyra.files.owned import OwnerFiles

#: Deepest nesting of sub-graph runs (loops and sub-graphs inside sub-graphs).
MAX_DEPTH = 5


class EngineNodeContext:
    """Services for one attempt of one node; cost added here rolls up to the node run."""

    def __init__(
        self,
        services: EngineServices,
        scope: RunScope,
        node_id: str,
        *,
        attempt: int,
        node_run_id: UUID | None,
    ) -> None:
        self.services = services
        self.scope = scope
        self.node_id = node_id
        self.node_run_id = node_run_id
        self.attempt = attempt
        self.run_id = scope.run_id
        self.owner_id = scope.owner_id
        self.log = logging.LoggerAdapter(
            logging.getLogger("kyra.node"), {"run_id": str(scope.run_id), "node_id": node_id}
        )
        self.children: list[Any] = []
        #: Agent steps kept in memory until the engine records them (see ``kyra.agents``).
        self.steps: list[Any] = []
        self._cost = Decimal(0)
        self._input_tokens = 0
        self._output_tokens = 0
        self._loaded_effects: dict[str, Any] | None = None
        self.credentials = CredentialSource(
            services,
            owner_id=scope.owner_id,
            spec=scope.graph.specs[node_id],
            attached=scope.graph.nodes[node_id].credentials,
            missing=f"node {node_id} needs a {{kind!r}} credential",
        )

    @property
    def cost(self) -> tuple[Decimal, int, int]:
        return self._cost, self._input_tokens, self._output_tokens

    @property
    def idempotency_key(self) -> str:
        return f"{self.scope.run_id}:{self.node_id}"

    @property
    def trigger(self) -> Mapping[str, Any]:
        return self.scope.trigger

    @property
    def http(self) -> httpx.AsyncClient:
        return self.services.http

    @cached_property
    def files(self) -> OwnerFiles:
        return OwnerFiles(
            self.services.files,
            self.services.session_factory,
            owner_id=self.scope.owner_id,
            run_id=self.scope.run_id,
            node_id=self.node_id,
            max_bytes=self.services.settings.max_file_bytes,
        )

    @cached_property
    def llm(self) -> Any:
        """LLM calls accounted to this node run and held to the run's budget."""
        from kyra.services.llm import RunLLM

        return RunLLM(
            session_factory=self.services.session_factory,
            owner_id=self.scope.owner_id,
            run_id=self.scope.root_run_id or self.scope.run_id,
            graph_id=self.scope.graph_id,
            node_run_id=self.node_run_id,
            settings=self.services.settings,
            on_cost=self.add_cost,
            budget_usd=self.scope.budget_usd,
        )

    @cached_property
    def memory(self) -> Any:
        """Saved agents' memories, embedding costs booked to this node run."""
        from kyra.memory.access import EngineMemoryAccess

        return EngineMemoryAccess(
            self.services, owner_id=self.scope.owner_id, llm=self.llm, calling_agent=None
        )

    async def credential(self, kind: str) -> dict[str, Any]:
        return await self.credentials.fields(kind)

    async def recorded_effect(self, key: str) -> Any:
        return (await self._effects()).get(key)

    async def record_effect(self, key: str, value: Any) -> None:
        effects = await self._effects()
        effects[key] = value
        if self.node_run_id is not None:
            async with self.services.session_factory() as session, session.begin():
                await run_queries.record_node_run_effect(session, self.node_run_id, key, value)

    async def _effects(self) -> dict[str, Any]:
        if self.node_run_id is None:  # inline: the run lives in memory
            return self.scope.effects.setdefault(self.node_id, {})
        if self._loaded_effects is None:
            async with self.services.session_factory() as session:
                self._loaded_effects = await run_queries.node_run_effects(session, self.node_run_id)
        return self._loaded_effects

    async def service(self, kind: str) -> ServiceClient:
        return await self.credentials.client(kind, self.http)

    async def connect_address(self, host: str, port: int) -> str:
        return await self.services.connect_address(host, port)

    def add_cost(
        self, *, usd: float | Decimal, input_tokens: int = 0, output_tokens: int = 0
    ) -> None:
        self._cost += Decimal(str(usd))
        self._input_tokens += input_tokens
        self._output_tokens += output_tokens

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        context = self.scope.template_context()
        if extra:
            context.update(extra)
        return templating.render(value, context)

    async def run_graph(
        self, graph_id: UUID, trigger: Mapping[str, Any], *, key: str
    ) -> dict[str, Any]:
        from kyra.engine.inline import run_child_graph

        if self.scope.depth >= MAX_DEPTH:
            raise NodeError(f"sub-graphs are nested deeper than {MAX_DEPTH} levels")
        child = await run_child_graph(
            self.services, self.scope, graph_id, dict(trigger), key=f"{self.node_id}:{key}"
        )
        self.children.append(child)
        if child.status != "succeeded":
            message = (child.error or {}).get("message", child.status)
            raise NodeError(f"sub-graph run {child.run_id} {child.status}: {message}")
        return dict(child.output or {})

    async def run_node(
        self, type_name: str, params: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        spec = self.services.registry.get(type_name)
        if spec is None:
            raise NodeError(f"unknown node type {type_name!r}")
        if spec.trigger:
            raise NodeError(f"{type_name} is a trigger and cannot be run from another node")
        rendered = render_params(spec, dict(params), self.scope.template_context())
        parsed = validate_params(spec, rendered)
        assert spec.execute is not None
        result = await spec.execute(self, parsed, dict(inputs))
        return check_ports(spec, params, result)

    async def run_agent(self, config: Mapping[str, Any], goal: str) -> dict[str, Any]:
        from kyra.agents.host import run_agent_node

        return await run_agent_node(self, config, goal)

    async def request_approval(self, request: Mapping[str, Any]) -> dict[str, Any]:
        from kyra.engine.approval import node_approval

        return await node_approval(self.services, self.node_run_id, self.node_id, dict(request))

    async def run_code(self, code: str, data: Any, *, limits: Mapping[str, Any]) -> Any:
        from kyra.sandbox import UNAVAILABLE, SandboxLimits, run_python, sandbox_backend

        choice = self.services.settings.code_sandbox
        backend = await asyncio.to_thread(sandbox_backend, choice)
        if backend is None:
            raise SandboxError(UNAVAILABLE)
        result = await run_python(code, data, limits=SandboxLimits(**dict(limits)), backend=backend)
        return result.result
