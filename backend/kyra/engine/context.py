"""The engine's implementation of :class:`kyra.context.NodeContext` for one node attempt."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from decimal import Decimal
from functools import cached_property
from typing import Any
from uuid import UUID

import httpx

from kyra.context import AgentParams
from kyra.credentials import ServiceClient
from kyra.db.queries import runs as run_queries
from kyra.engine import templating
from kyra.engine.credentials import CredentialSource
from kyra.engine.invoke import check_ports, render_params, validate_params
from kyra.engine.ports import RecordedChildren
from kyra.engine.runner import RunScope
from kyra.engine.services import EngineServices
from kyra.errors import NodeError, SandboxError
from kyra.files.owned import OwnerFiles
from kyra.spec import NodeSpec

_NODE_LOG = logging.getLogger("kyra.node")

#: Deepest nesting of sub-graph runs (loops and sub-graphs inside sub-graphs).
MAX_DEPTH = 5


class EngineNodeContext:
    """Services for one attempt of one node, or for one tool call an agent makes inside it.

    A node and a tool call differ only in where their credentials come from (the node's
    attached credentials, or the agent's tool settings) and where their cost goes (the node
    run, or the tool's step and on to the node run): a tool call's context is made from its
    node's with :meth:`for_tool`.
    """

    def __init__(
        self,
        services: EngineServices,
        scope: RunScope,
        node_id: str,
        *,
        attempt: int,
        node_run_id: UUID | None,
        parent: EngineNodeContext | None = None,
        step_key: str = "",
        spec: NodeSpec | None = None,
        attached: Mapping[str, str] | None = None,
        agent_id: UUID | None = None,
    ) -> None:
        self.services = services
        self.scope = scope
        self.node_id = node_id
        self.node_run_id = node_run_id
        self.attempt = attempt
        self.run_id = scope.run_id
        self.owner_id = scope.owner_id
        self.parent = parent
        self.step_key = step_key
        self.agent_id = agent_id
        self.children: list[Any] = []
        #: Agent steps kept in memory until the engine records them (see ``kyra.agents``).
        self.steps: list[Any] = []
        self._cost = Decimal(0)
        self._input_tokens = 0
        self._output_tokens = 0
        self._loaded_effects: dict[str, Any] | None = None
        self._spec = spec
        self._attached = attached

    @cached_property
    def credentials(self) -> CredentialSource:
        """Made when the handler first reads a credential (most nodes never do)."""
        spec = self._spec or self.scope.graph.specs[self.node_id]
        missing = (
            f"the agent's settings for {spec.type} name no {{kind!r}} credential"
            if self.parent is not None
            else f"node {self.node_id} needs a {{kind!r}} credential"
        )
        attached = self._attached
        if attached is None:
            attached = self.scope.graph.nodes[self.node_id].credentials
        return CredentialSource(
            self.services, owner_id=self.owner_id, spec=spec, attached=attached, missing=missing
        )

    @property
    def secrets(self) -> AbstractSet[str]:
        """Secret values read so far in this call, to mask in what it returns."""
        source: CredentialSource | None = self.__dict__.get("credentials")
        return source.secrets if source is not None else frozenset()

    def for_tool(
        self,
        *,
        spec: NodeSpec,
        node_id: str,
        step_key: str,
        step_id: UUID | None,
        attached: Mapping[str, str],
        agent_id: UUID | None,
    ) -> EngineNodeContext:
        """The context of a tool call an agent makes in this attempt (see the class docstring);
        ``step_id`` is the tool step's stored id, None while the run lives in memory."""
        return EngineNodeContext(
            self.services, self.scope, node_id, attempt=1, node_run_id=step_id, parent=self,
            step_key=step_key, spec=spec, attached=attached, agent_id=agent_id,
        )  # fmt: skip

    @cached_property
    def log(self) -> logging.LoggerAdapter[logging.Logger]:
        """Made when a handler first logs (most never do)."""
        if self.parent is not None:
            return self.parent.log
        return logging.LoggerAdapter(
            _NODE_LOG, {"run_id": str(self.run_id), "node_id": self.node_id}
        )

    @property
    def cost(self) -> tuple[Decimal, int, int]:
        return self._cost, self._input_tokens, self._output_tokens

    @property
    def root_run_id(self) -> UUID:
        return self.scope.root_run_id or self.scope.run_id

    @property
    def graph_id(self) -> UUID:
        return self.scope.graph_id

    @property
    def budget_usd(self) -> Decimal | None:
        return self.scope.budget_usd

    @property
    def recorded(self) -> RecordedChildren | None:
        if self.scope.replay is None:
            return None
        return self.scope.replay.recorded_children(self.node_id)

    @property
    def idempotency_key(self) -> str:
        if self.parent is not None:
            return f"{self.parent.idempotency_key}:{self.step_key}"
        return f"{self.scope.run_id}:{self.node_id}"

    @property
    def trigger(self) -> Mapping[str, Any]:
        return self.scope.trigger

    @property
    def http(self) -> httpx.AsyncClient:
        return self.services.http

    @cached_property
    def files(self) -> OwnerFiles:
        if self.parent is not None:
            return self.parent.files
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
            agent_id=self.agent_id,
            settings=self.services.settings,
            on_cost=self.add_cost,
            budget_usd=self.scope.budget_usd,
        )

    @cached_property
    def memory(self) -> Any:
        """Saved agents' memories (the calling agent's first, in a tool call), embedding costs
        booked to this node run or tool step."""
        from kyra.memory.access import EngineMemoryAccess

        return EngineMemoryAccess(
            self.services, owner_id=self.scope.owner_id, llm=self.llm, calling_agent=self.agent_id
        )

    async def credential(self, kind: str) -> dict[str, Any]:
        return await self.credentials.fields(kind)

    async def recorded_effect(self, key: str) -> Any:
        if self.parent is not None:
            return await self.parent.recorded_effect(f"{self.step_key}:{key}")
        return (await self._effects()).get(key)

    async def record_effect(self, key: str, value: Any) -> None:
        if self.parent is not None:
            await self.parent.record_effect(f"{self.step_key}:{key}", value)
            return
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
        if self.parent is not None:
            self.parent.add_cost(usd=usd, input_tokens=input_tokens, output_tokens=output_tokens)

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        context = self.scope.template_context()
        if extra:
            context.update(extra)
        return templating.render(value, context)

    async def run_graph(
        self, graph_id: UUID, trigger: Mapping[str, Any], *, key: str
    ) -> dict[str, Any]:
        from kyra.engine.inline import run_child_graph

        if self.parent is not None:
            return await self.parent.run_graph(graph_id, trigger, key=f"{self.step_key}:{key}")
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
        if self.parent is not None:
            return await self.parent.run_node(type_name, params, inputs)
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

    async def run_agent(self, params: AgentParams, goal: str) -> dict[str, Any]:
        if self.parent is not None:
            raise NodeError("a tool cannot start an agent; offer the agent as a sub-agent instead")
        if self.services.agent_host is None:
            raise NodeError("agents are not enabled in this process")
        return await self.services.agent_host.run_agent(self, params, goal)

    async def request_approval(self, request: Mapping[str, Any]) -> dict[str, Any]:
        from kyra.engine.approval import node_approval

        if self.parent is not None:
            raise NodeError("mark the tool requires_approval in the agent's tool settings instead")
        return await node_approval(self.services, self.node_run_id, self.node_id, dict(request))

    async def run_code(self, code: str, data: Any, *, limits: Mapping[str, Any]) -> Any:
        from kyra.sandbox import UNAVAILABLE, SandboxLimits, run_python, sandbox_backend

        choice = self.services.settings.code_sandbox
        backend = await asyncio.to_thread(sandbox_backend, choice)
        if backend is None:
            raise SandboxError(UNAVAILABLE)
        result = await run_python(code, data, limits=SandboxLimits(**dict(limits)), backend=backend)
        return result.result
