"""Tool calls run like node runs: validated params, timeout, retries, credentials, cost.

A :class:`ToolContext` is the :class:`~kyra.context.NodeContext` a handler sees when an agent
calls it: the agent node's run, with the credentials of the agent's tool settings and costs
booked to the tool's step (and so to the agent node run).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Any
from uuid import UUID

import httpx

from kyra.agents.config import ToolSettings
from kyra.credentials import ServiceClient
from kyra.engine.credentials import CredentialSource
from kyra.engine.runner import backoff_seconds, check_ports, validate_params
from kyra.errors import NodeError, NodeTimeoutError, PauseRequested
from kyra.spec import NodeSpec

_log = logging.getLogger("kyra.agents")


class ToolContext:
    """Services for one tool call of an agent (see the module docstring)."""

    def __init__(
        self,
        parent: Any,
        *,
        step: Any,
        settings: ToolSettings,
        spec: NodeSpec,
        agent_id: UUID | None,
        live: bool,
    ) -> None:
        self._parent = parent
        self._step = step
        self._settings = settings
        self._spec = spec
        self._agent_id = agent_id
        self._live = live
        self.run_id = parent.run_id
        self.node_id = step.node_id
        self.owner_id = parent.owner_id
        self.attempt = 1
        self.log = parent.log
        self.cost = Decimal(0)
        self.input_tokens = 0
        self.output_tokens = 0
        self.credentials = CredentialSource(
            parent.services,
            owner_id=parent.owner_id,
            spec=spec,
            attached=settings.credentials,
            missing=f"the agent's settings for {spec.type} name no {{kind!r}} credential",
        )

    @property
    def idempotency_key(self) -> str:
        return f"{self._parent.idempotency_key}:{self._step.step_key}"

    @property
    def trigger(self) -> Mapping[str, Any]:
        return self._parent.trigger  # type: ignore[no-any-return]

    @property
    def http(self) -> httpx.AsyncClient:
        return self._parent.http  # type: ignore[no-any-return]

    @property
    def files(self) -> Any:
        return self._parent.files

    @cached_property
    def llm(self) -> Any:
        from kyra.services.llm import RunLLM

        scope, services = self._parent.scope, self._parent.services
        return RunLLM(
            session_factory=services.session_factory,
            owner_id=scope.owner_id,
            run_id=scope.root_run_id or scope.run_id,
            graph_id=scope.graph_id,
            node_run_id=self._step.id if self._live else None,
            agent_id=self._agent_id,
            settings=services.settings,
            on_cost=self.add_cost,
            budget_usd=scope.budget_usd,
        )

    @cached_property
    def memory(self) -> Any:
        """The calling agent's memory (and the owner's other agents'), costs on this step."""
        from kyra.memory.access import EngineMemoryAccess

        return EngineMemoryAccess(
            self._parent.services, owner_id=self.owner_id, llm=self.llm,
            calling_agent=self._agent_id,
        )  # fmt: skip

    async def credential(self, kind: str) -> dict[str, Any]:
        return await self.credentials.fields(kind)

    async def recorded_effect(self, key: str) -> Any:
        return await self._parent.recorded_effect(f"{self._step.step_key}:{key}")

    async def record_effect(self, key: str, value: Any) -> None:
        await self._parent.record_effect(f"{self._step.step_key}:{key}", value)

    async def service(self, kind: str) -> ServiceClient:
        return await self.credentials.client(kind, self.http)

    async def connect_address(self, host: str, port: int) -> str:
        return await self._parent.connect_address(host, port)  # type: ignore[no-any-return]

    def add_cost(
        self, *, usd: float | Decimal, input_tokens: int = 0, output_tokens: int = 0
    ) -> None:
        self.cost += Decimal(str(usd))
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self._parent.add_cost(usd=usd, input_tokens=input_tokens, output_tokens=output_tokens)

    def render(self, value: Any, extra: Mapping[str, Any] | None = None) -> Any:
        return self._parent.render(value, extra)

    async def run_graph(
        self, graph_id: UUID, trigger: Mapping[str, Any], *, key: str
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._parent.run_graph(
            graph_id, trigger, key=f"{self._step.step_key}:{key}"
        )
        return result

    async def run_node(
        self, type_name: str, params: Mapping[str, Any], inputs: Mapping[str, Any]
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self._parent.run_node(type_name, params, inputs)
        return result

    async def run_code(self, code: str, data: Any, *, limits: Mapping[str, Any]) -> Any:
        return await self._parent.run_code(code, data, limits=limits)

    async def run_agent(self, config: Mapping[str, Any], goal: str) -> dict[str, Any]:
        raise NodeError("a tool cannot start an agent; offer the agent as a sub-agent instead")

    async def request_approval(self, request: Mapping[str, Any]) -> dict[str, Any]:
        raise NodeError("mark the tool requires_approval in the agent's tool settings instead")


async def execute_tool(
    ctx: ToolContext, spec: NodeSpec, arguments: dict[str, Any], settings: ToolSettings
) -> tuple[Any, dict[str, Any]]:
    """Validate ``arguments`` with the spec's params model and run the handler with retries.

    Returns the validated params (as JSON) and the emitted ports.

    Raises:
        ParamsInvalidError: the arguments do not validate (the model gets the problems back).
        NodeError: the handler failed on its last attempt.
    """
    params = validate_params(spec, arguments)
    timeout = settings.timeout_s or spec.timeout_s
    attempts = 1 + (settings.retries if settings.retries is not None else spec.retries)
    assert spec.execute is not None
    for attempt in range(1, attempts + 1):
        retry_after: float | None = None
        try:
            try:
                result = await asyncio.wait_for(spec.execute(ctx, params, {}), timeout)
            except TimeoutError:
                raise NodeTimeoutError(f"timed out after {timeout:g}s") from None
            ports = ctx.credentials.mask(check_ports(spec, arguments, result))
            return params.model_dump(mode="json"), ports
        except PauseRequested:
            raise
        except NodeError as exc:
            if not exc.retryable or attempt >= attempts:
                raise _masked(ctx, exc) from None
            retry_after = exc.retry_after
        except Exception as exc:
            # A handler bug: report it to the model like a failure, after the retries.
            _log.warning("tool %s raised %r", spec.type, exc)
            if attempt >= attempts:
                raise _masked(ctx, NodeError(f"{spec.type} failed: {exc!r}")) from exc
        await asyncio.sleep(
            backoff_seconds(settings.retry_backoff_s, attempt, retry_after=retry_after)
        )
    raise AssertionError("unreachable")


def _masked(ctx: ToolContext, exc: NodeError) -> NodeError:
    """``exc`` with the secrets the tool read masked in its message and details."""
    if ctx.credentials.secrets:
        exc.args = (ctx.credentials.mask(str(exc)),)
        exc.details = ctx.credentials.mask(exc.details)
    return exc
