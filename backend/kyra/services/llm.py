"""RunLLM: model calls on behalf of one node run, priced, logged and held to the run's budget.

The engine hands one :class:`RunLLM` to each node attempt as ``ctx.llm``. A call resolves the
model (``auto`` included), reserves its worst-case cost on the root run, calls the provider,
writes the usage row and settles the reservation to the real cost.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from time import perf_counter
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.crypto import decrypt_json
from kyra.db.models import LlmModel, LlmProvider, LlmUsageLog, NodeRun
from kyra.db.queries import llm as queries
from kyra.llm.catalogue import ModelInfo
from kyra.llm.clients.base import ClientConfig, LLMClient, StreamAccumulator
from kyra.llm.errors import BudgetExceededError, ModelNotFoundError, ProviderError
from kyra.llm.factory import LLMClientFactory
from kyra.llm.pricing import (
    RESERVE_CHARS_PER_TOKEN,
    Price,
    cost_usd,
    estimate_prompt_tokens,
    estimate_tokens,
    max_cost_usd,
)
from kyra.llm.selection import Requirements, Selection, select_model
from kyra.llm.types import ChatChunk, ChatRequest, ChatResponse, EmbeddingResponse, Usage
from kyra.settings import Settings, get_settings

__all__ = ["ClientPool", "MemoryBudgets", "RunLLM", "model_info", "requirements_of"]

CostCallback = Callable[..., None]

#: Settings attribute holding the fallback API key per provider kind.
_ENV_KEYS = {"openai": "openai_api_key", "anthropic": "anthropic_api_key"}
#: Settings attribute holding the fallback base URL per provider kind.
_ENV_URLS = {"openai": "openai_base_url", "anthropic": "anthropic_base_url"}


def model_info(model: LlmModel, provider: LlmProvider, price: Price | None = None) -> ModelInfo:
    """A catalogue row as the pure layer's :class:`ModelInfo`."""
    return ModelInfo(
        model_key=model.model_key,
        provider=provider.name,
        provider_kind=provider.provider_key,
        context_length=model.context_length,
        max_output_tokens=model.max_output_tokens,
        price=price or Price.of(model.input_cost_per_1k, model.output_cost_per_1k),
        capabilities=model.capabilities or {},
        is_recommended=model.is_recommended,
        model_id=model.model_id,
        provider_id=provider.provider_id,
    )


class ClientPool:
    """SDK clients reused across calls, per event loop (their connection pools are loop-bound)."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], LLMClient]]
        self._by_loop = weakref.WeakKeyDictionary()

    def get(self, kind: str, config: ClientConfig) -> LLMClient:
        clients = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        key = (kind, config)
        if key not in clients:
            clients[key] = LLMClientFactory.create(config, provider_kind=kind)
        return clients[key]

    async def aclose(self) -> None:
        """Close the clients of the running loop."""
        clients = self._by_loop.pop(asyncio.get_running_loop(), {})
        for client in clients.values():
            await client.aclose()


class MemoryBudgets:
    """Budgets of runs that are not stored yet (``sync`` runs are written when they finish).

    Such a run lives in one process, so a lock-protected table is as strict as the row update.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._committed: OrderedDict[UUID, Decimal] = OrderedDict()
        self._capacity = capacity

    def reserve(
        self, root_id: UUID, budget: Decimal | None, amount: Decimal
    ) -> queries.BudgetCheck:
        with self._lock:
            committed = self._committed.get(root_id, Decimal(0))
            if budget is not None and committed + amount > budget:
                return queries.BudgetCheck(False, budget, committed)
            self._committed[root_id] = committed + amount
            self._committed.move_to_end(root_id)
            if len(self._committed) > self._capacity:
                self._committed.popitem(last=False)
            return queries.BudgetCheck(True, budget, committed + amount)

    def settle(self, root_id: UUID, reserved: Decimal, cost: Decimal) -> None:
        with self._lock:
            if root_id in self._committed:
                self._committed[root_id] += cost - reserved


_DEFAULT_POOL = ClientPool()
_DEFAULT_MEMORY = MemoryBudgets()


@dataclass
class _Scope:
    """Where this RunLLM's usage is booked: stored rows, or the in-memory budget table."""

    root_id: UUID | None = None
    run_stored: bool = False
    node_run_stored: bool = False


@dataclass
class _Call:
    request: ChatRequest
    model: ModelInfo
    client: LLMClient
    reserved: Decimal = Decimal(0)
    selection: str | None = None
    started: float = field(default_factory=perf_counter)
    #: Set once the reservation was settled or given back.
    done: bool = False


@dataclass
class _Provider:
    row: LlmProvider
    secret: bytes | None


class RunLLM:
    """LLM access for one node run (or any caller with an owner), with budget and ledger.

    Args:
        session_factory: sessions on the application database.
        owner_id: the user the calls are billed to (API key owner).
        run_id: the run (any run of a tree; the budget is the root's).
        graph_id, node_run_id, agent_id: what the usage rows are attributed to.
        settings: for fallback API keys and retry/timeout knobs.
        on_cost: called with ``usd``, ``input_tokens``, ``output_tokens`` after each call; when
            given, the caller rolls node-run and run totals up itself and the ledger does not.
        budget_usd: the root run's budget when the run is not stored yet (``sync`` mode).
        clients: SDK client cache (a process-wide one by default).
        memory_budgets: budgets of unstored runs (a process-wide table by default).
    """

    def __init__(
        self,
        *,
        session_factory: async_sessionmaker[AsyncSession],
        owner_id: UUID,
        run_id: UUID | None = None,
        graph_id: UUID | None = None,
        node_run_id: UUID | None = None,
        agent_id: UUID | None = None,
        settings: Settings | None = None,
        on_cost: CostCallback | None = None,
        budget_usd: Decimal | None = None,
        clients: ClientPool | None = None,
        memory_budgets: MemoryBudgets | None = None,
    ) -> None:
        self._sessions = session_factory
        self.owner_id = owner_id
        self.run_id = run_id
        self.graph_id = graph_id
        self.node_run_id = node_run_id
        self.agent_id = agent_id
        self._settings = settings or get_settings()
        self._on_cost = on_cost
        self._budget_usd = budget_usd
        self._clients = clients or _DEFAULT_POOL
        self._memory = memory_budgets or _DEFAULT_MEMORY
        self._models: list[ModelInfo] | None = None
        self._providers: dict[UUID, _Provider] = {}
        self._scope: _Scope | None = None

    # --- public --------------------------------------------------------------------------------

    async def chat(self, request: ChatRequest) -> ChatResponse:
        """Make one call and return the reply with its cost.

        Raises:
            BudgetExceededError: the worst-case cost does not fit; nothing was sent.
            ModelNotFoundError: unknown model, or no provider with a key for it.
            ProviderError: the provider failed after the client's retries.
        """
        call = await self._prepare(request)
        try:
            response = await call.client.chat(call.request)
        except BaseException:
            await self._release(call)
            raise
        return await self._settle(call, response)

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatChunk]:
        """Like :meth:`chat` but yields fragments; the call is settled when the stream ends."""
        call = await self._prepare(request)
        acc = StreamAccumulator(call.request)
        try:
            async for chunk in call.client.stream(call.request):
                acc.add(chunk)
                yield chunk
        except ProviderError:
            await self._release(call)
            raise
        finally:
            if not call.done:
                await self._settle(call, acc.response(call.model.provider_kind))

    async def embed(
        self,
        texts: list[str],
        *,
        model: str,
        provider: str | None = None,
        dimensions: int | None = None,
    ) -> EmbeddingResponse:
        """Embed ``texts`` with a catalogue model of an OpenAI-compatible provider, priced,
        logged and held to the budget like a chat call.

        Raises:
            BudgetExceededError: the estimated cost does not fit; nothing was sent.
            ModelNotFoundError: unknown model, no key, or a provider without embeddings.
            ProviderError: the provider failed after the client's retries.
        """
        info = await self._explicit(model, provider)
        client = self._client(info)
        if not hasattr(client, "embed"):
            raise ModelNotFoundError(f"provider {info.provider!r} serves no embeddings")
        call = _Call(ChatRequest(model=info.model_key, messages=[]), info, client)
        tokens = sum(estimate_tokens(t, chars_per_token=RESERVE_CHARS_PER_TOKEN) for t in texts)
        await self._reserve(call, max_cost_usd(info.price, tokens, 0))
        call.started = perf_counter()
        try:
            response: EmbeddingResponse = await client.embed(
                info.model_key, texts, dimensions=dimensions
            )
        except BaseException:
            await self._release(call)
            raise
        call.done = True
        latency = (perf_counter() - call.started) * 1000
        cost = await self._ledger(call.model, response.usage, latency, call.reserved)
        return response.model_copy(
            update={"cost_usd": cost, "latency_ms": round(latency, 3), "provider": info.provider}
        )

    async def log_usage(self, model_key: str, *, input_tokens: int, latency_ms: float) -> None:
        """Write a free usage row for work done without a provider (a local embedding model)."""
        free = ModelInfo(
            model_key=model_key, provider="local", provider_kind="local", context_length=0,
            max_output_tokens=0, price=Price.of(0, 0),
        )  # fmt: skip
        await self._ledger(free, Usage.of(input_tokens, 0), latency_ms, Decimal(0))

    async def models(self) -> list[ModelInfo]:
        """Models this owner can see, priced as of today."""
        if self._models is None:
            async with self._sessions() as session:
                rows = await queries.list_models(session, owner_id=self.owner_id)
                await self._load_secrets(session, {r[1].provider_id: r[1] for r in rows})
            self._models = [model_info(m, p, _price(m, i, o)) for m, p, i, o in rows]
        return self._models

    async def selection(
        self, needs: Requirements, *, provider: str | None = None
    ) -> tuple[Selection, bool]:
        """What ``auto`` would pick for a call with ``needs`` and why, without calling anything.

        Returns the selection and whether it was made among models with an API key; when no
        provider has a key yet, the whole visible catalogue is ranked instead.
        """
        models = [m for m in await self.models() if provider in (None, m.provider)]
        usable = [m for m in models if self._has_key(m)]
        return select_model(usable or models, needs), bool(usable)

    # --- preparing a call ----------------------------------------------------------------------

    async def _prepare(self, request: ChatRequest) -> _Call:
        model, explanation = await self._resolve(request)
        cap = min(request.max_tokens or model.max_output_tokens, model.max_output_tokens)
        concrete = request.model_copy(update={"model": model.model_key, "max_tokens": cap})
        call = _Call(concrete, model, self._client(model), selection=explanation)
        prompt = estimate_prompt_tokens(
            concrete.messages, concrete.tools, chars_per_token=RESERVE_CHARS_PER_TOKEN
        )
        await self._reserve(call, max_cost_usd(model.price, prompt, cap))
        call.started = perf_counter()
        return call

    async def _resolve(self, request: ChatRequest) -> tuple[ModelInfo, str | None]:
        usable = [m for m in await self.models() if self._has_key(m)]
        if request.provider:
            usable = [m for m in usable if m.provider == request.provider]
        if request.model == "auto":
            selection = select_model(
                [m for m in usable if not m.has("embeddings")], requirements_of(request)
            )
            return selection.model, selection.explanation
        return await self._explicit(request.model, request.provider), None

    async def _explicit(self, model: str, provider: str | None) -> ModelInfo:
        """The catalogue model named ``model`` (of ``provider``) that can be called."""
        usable = [m for m in await self.models() if self._has_key(m)]
        matches = [m for m in await self.models() if m.answers_to(model)]
        if provider:
            matches = [m for m in matches if m.provider == provider]
        if not matches:
            raise ModelNotFoundError(f"model {model!r} is not in the catalogue")
        # Prefer a provider that can actually be called, and the owner's own over shared ones.
        matches.sort(key=lambda m: (m not in usable, self._is_shared(m)))
        if matches[0] not in usable:
            raise ModelNotFoundError(
                f"provider {matches[0].provider!r} has no API key: register one with "
                f"POST /api/llm/providers or set {_ENV_KEYS.get(matches[0].provider_kind, 'a key')}"
            )
        return matches[0]

    def _is_shared(self, model: ModelInfo) -> bool:
        provider = self._providers.get(model.provider_id) if model.provider_id else None
        return provider is None or provider.row.owner_id is None

    def _has_key(self, model: ModelInfo) -> bool:
        return bool(self._api_key(model)) or model.provider_kind == "openai_compatible"

    def _api_key(self, model: ModelInfo) -> str:
        provider = self._providers.get(model.provider_id) if model.provider_id else None
        if provider is not None and provider.secret is not None:
            return str(decrypt_json(provider.secret).get("api_key", ""))
        return str(getattr(self._settings, _ENV_KEYS.get(model.provider_kind, ""), "") or "")

    def _client(self, model: ModelInfo) -> LLMClient:
        provider = self._providers.get(model.provider_id) if model.provider_id else None
        base_url = provider.row.base_url if provider else None
        env_url = getattr(self._settings, _ENV_URLS.get(model.provider_kind, ""), None)
        config = ClientConfig(
            api_key=self._api_key(model),
            base_url=base_url or env_url or None,
            max_retries=int(getattr(self._settings, "llm_max_retries", 2)),
            timeout_s=float(getattr(self._settings, "llm_timeout_seconds", 120.0)),
        )
        return self._clients.get(model.provider_kind, config)

    async def _load_secrets(
        self, session: AsyncSession, providers: dict[UUID, LlmProvider]
    ) -> None:
        for provider_id, row in providers.items():
            self._providers[provider_id] = _Provider(
                row, await queries.provider_secret(session, row)
            )

    # --- budget and ledger ---------------------------------------------------------------------

    async def _booking(self) -> _Scope:
        if self._scope is None:
            self._scope = _Scope()
            if self.run_id is not None:
                async with self._sessions() as session:
                    root = await queries.root_run_id(session, self.run_id)
                    node_run = None
                    if self.node_run_id is not None:
                        node_run = await session.scalar(
                            select(NodeRun.id).where(NodeRun.id == self.node_run_id)
                        )
                self._scope = _Scope(root or self.run_id, root is not None, node_run is not None)
        return self._scope

    async def _reserve(self, call: _Call, amount: Decimal) -> None:
        scope = await self._booking()
        if scope.root_id is None:
            return
        if scope.run_stored:
            async with self._sessions() as session:
                await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                check = await queries.reserve_budget(session, scope.root_id, amount)
        else:
            check = self._memory.reserve(scope.root_id, self._budget_usd, amount)
        if not check.granted:
            raise BudgetExceededError(
                run_id=self.run_id,
                root_run_id=scope.root_id,
                budget_usd=check.budget_usd or Decimal(0),
                committed_usd=check.committed_usd,
                required_usd=amount,
            )
        call.reserved = amount

    async def _release(self, call: _Call) -> None:
        scope = await self._booking()
        call.done = True
        if scope.root_id is None or not call.reserved:
            return
        if scope.run_stored:
            async with self._sessions() as session, session.begin():
                await queries.settle_budget(session, scope.root_id, call.reserved)
        else:
            self._memory.settle(scope.root_id, call.reserved, Decimal(0))

    async def _settle(self, call: _Call, response: ChatResponse) -> ChatResponse:
        call.done = True
        latency = (perf_counter() - call.started) * 1000
        cost = await self._ledger(call.model, response.usage, latency, call.reserved)
        return response.model_copy(
            update={
                "cost_usd": cost,
                "latency_ms": round(latency, 3),
                "provider": call.model.provider,
                "selection": call.selection,
            }
        )

    async def _ledger(
        self, model: ModelInfo, usage: Usage, latency: float, reserved: Decimal
    ) -> Decimal:
        """Write the usage row, settle the reservation and report the cost; returns the cost."""
        cost = cost_usd(model.price, usage.prompt_tokens, usage.completion_tokens)
        scope = await self._booking()
        row = LlmUsageLog(
            user_id=self.owner_id,
            model_id=model.model_id,
            model_key=model.model_key,
            agent_id=self.agent_id,
            graph_id=self.graph_id,
            run_id=self.run_id if scope.run_stored else None,
            node_run_id=self.node_run_id if scope.node_run_stored else None,
            input_tokens=usage.prompt_tokens,
            output_tokens=usage.completion_tokens,
            total_cost=cost,
            latency_ms=round(latency, 3),
        )
        await self._book(scope, row, reserved)
        if self._on_cost is not None:
            self._on_cost(
                usd=cost, input_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens
            )
        return cost

    async def _book(self, scope: _Scope, row: LlmUsageLog, reserved: Decimal) -> None:
        ledger_rolls_up = self._on_cost is None
        roll_up = queries.RollUp(
            run_id=row.run_id if ledger_rolls_up else None,
            node_run_id=row.node_run_id if ledger_rolls_up else None,
            agent_id=self.agent_id,
        )
        async with self._sessions() as session, session.begin():
            await queries.record_usage(
                session,
                row,
                roll_up=roll_up,
                root_id=scope.root_id if scope.run_stored else None,
                reserved=reserved,
            )
        if scope.root_id is not None and not scope.run_stored:
            self._memory.settle(scope.root_id, reserved, row.total_cost)


def _price(model: LlmModel, input_per_1k: Decimal | None, output_per_1k: Decimal | None) -> Price:
    if input_per_1k is None or output_per_1k is None:
        return Price.of(model.input_cost_per_1k, model.output_cost_per_1k)
    return Price.of(input_per_1k, output_per_1k)


def requirements_of(request: ChatRequest) -> Requirements:
    images = any(
        isinstance(m.content, list) and any(p.get("type") == "image_url" for p in m.content)
        for m in request.messages
    )
    return Requirements(
        prompt_tokens=estimate_prompt_tokens(request.messages, request.tools),
        output_tokens=request.max_tokens or 0,
        tools=bool(request.tools),
        vision=images,
        json_mode=request.wants_json,
    )
