"""LLM providers and models (API keys write-only), recommendations and the ``auto`` explainer."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from litestar import Controller, delete, get, post, put
from litestar.exceptions import PermissionDeniedException
from litestar.params import Parameter
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.fields import Flag, Integer, JsonObject, Name, Text
from kyra.context.llm import ChatMessage
from kyra.crypto import decrypt_json
from kyra.db.models import LlmModel, LlmProvider
from kyra.db.queries import llm as queries
from kyra.engine.services import EngineServices
from kyra.llm.clients.base import ClientConfig
from kyra.llm.errors import ProviderError
from kyra.llm.pricing import estimate_prompt_tokens
from kyra.llm.probe import provider_models
from kyra.llm.recommendation import BudgetTier, UseCase, recommend
from kyra.llm.selection import Requirements, ScoredModel
from kyra.services.llm import RunLLM, model_info

ProviderKind = Literal["openai", "anthropic", "openai_compatible"]
_STRICT = ConfigDict(extra="forbid")


# --- wire schemas -----------------------------------------------------------------------------


#: An absolute http(s) address without spaces or control characters.
HTTP_URL_PATTERN = r"^https?://[^\x00-\x20\x7f]+$"


class ProviderCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        # The rule of _compatible_needs_url, published in the schema.
        json_schema_extra={
            "if": {"properties": {"kind": {"const": "openai_compatible"}}},
            "then": {"required": ["base_url"], "properties": {"base_url": {"type": "string"}}},
        },
    )

    name: Name
    kind: ProviderKind
    base_url: str | None = Field(default=None, max_length=500, pattern=HTTP_URL_PATTERN)
    api_key: str | None = Field(
        default=None, min_length=1, max_length=500, description="Write-only; stored encrypted"
    )

    @model_validator(mode="after")
    def _compatible_needs_url(self) -> ProviderCreate:
        if self.kind == "openai_compatible" and not self.base_url:
            raise ValueError("base_url is required for an openai_compatible provider")
        return self


class ProviderUpdate(BaseModel):
    model_config = _STRICT

    name: Name | None = None
    base_url: str | None = Field(default=None, max_length=500, pattern=HTTP_URL_PATTERN)
    api_key: str | None = Field(
        default=None, min_length=1, max_length=500, description="Write-only; replaces the key"
    )
    clear_api_key: bool = Field(default=False, description="Forget the stored key")


class ProviderTestRead(BaseModel):
    ok: bool
    message: str
    models: list[str] = Field(default_factory=list, description="Models the provider lists")


class ProviderRead(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    base_url: str | None
    has_api_key: bool
    shared: bool
    capabilities: dict[str, Any]
    created_at: datetime


class _ModelFields(BaseModel):
    model_config = _STRICT

    display_name: Name | None = None
    context_length: Integer | None = Field(default=None, gt=0, le=100_000_000)
    max_output_tokens: Integer | None = Field(default=None, gt=0, le=10_000_000)
    input_cost_per_1k: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=8)
    output_cost_per_1k: Decimal | None = Field(default=None, ge=0, le=1000, decimal_places=8)
    capabilities: JsonObject | None = None
    is_recommended: Flag | None = None


class ModelCreate(_ModelFields):
    provider_id: uuid.UUID
    model_key: Name


class ModelUpdate(_ModelFields):
    pass


class ModelRead(BaseModel):
    id: uuid.UUID
    provider_id: uuid.UUID
    provider: str
    model_key: str
    display_name: str
    context_length: int
    max_output_tokens: int
    input_cost_per_1k: float
    output_cost_per_1k: float
    capabilities: dict[str, Any]
    is_recommended: bool
    shared: bool


class RecommendationRead(BaseModel):
    model: str
    provider: str
    score: float
    components: dict[str, float]
    typical_call_usd: float
    explanation: str


class SelectCreate(BaseModel):
    model_config = _STRICT

    prompt: Text = Field(min_length=1, max_length=2_000_000)
    system: Text | None = Field(default=None, max_length=2_000_000)
    max_tokens: Integer | None = Field(default=None, gt=0, le=10_000_000)
    tools: Flag = Field(default=False, description="The call will offer tools")
    vision: Flag = Field(default=False, description="The call will include images")
    json_mode: Flag = Field(default=False, description="The call asks for JSON output")
    provider: Name | None = None


class CandidateRead(BaseModel):
    model: str
    provider: str
    score: float
    reasons: list[str]


class SelectRead(BaseModel):
    model: str
    provider: str
    score: float
    explanation: str
    among_usable: bool = Field(description="False when no provider has an API key yet")
    ranking: list[CandidateRead]
    excluded: dict[str, list[str]]


# --- mapping ----------------------------------------------------------------------------------


def provider_read(provider: LlmProvider) -> ProviderRead:
    return ProviderRead(
        id=provider.provider_id,
        name=provider.name,
        kind=provider.provider_key,
        base_url=provider.base_url,
        has_api_key=provider.credential_id is not None,
        shared=provider.owner_id is None,
        capabilities=provider.capabilities or {},
        created_at=provider.created_at,
    )


def model_read(
    model: LlmModel, provider: LlmProvider, price: tuple[Any, Any] = (None, None)
) -> ModelRead:
    return ModelRead(
        id=model.model_id,
        provider_id=provider.provider_id,
        provider=provider.name,
        model_key=model.model_key,
        display_name=model.display_name,
        context_length=model.context_length,
        max_output_tokens=model.max_output_tokens,
        input_cost_per_1k=float(price[0] if price[0] is not None else model.input_cost_per_1k),
        output_cost_per_1k=float(price[1] if price[1] is not None else model.output_cost_per_1k),
        capabilities=model.capabilities or {},
        is_recommended=model.is_recommended,
        shared=provider.owner_id is None,
    )


def _candidate(scored: ScoredModel) -> CandidateRead:
    model = scored.model
    return CandidateRead(
        model=model.model_key,
        provider=model.provider,
        score=scored.score,
        reasons=list(scored.reasons),
    )


def _check_can_edit(provider: LlmProvider, principal: Principal) -> None:
    # Other owners' providers are invisible (404) already; the shared catalogue is admin-only.
    if provider.owner_id is None and not principal.is_admin:
        raise PermissionDeniedException("only admins may change the shared catalogue")


# --- controllers ------------------------------------------------------------------------------


class ProviderController(Controller):
    path = "/api/llm/providers"
    tags = ["llm"]

    @post("/")
    async def create(
        self, data: ProviderCreate, db_session: AsyncSession, principal: Principal
    ) -> ProviderRead:
        provider = await queries.create_provider(
            db_session,
            owner_id=principal.user_id,
            name=data.name,
            provider_key=data.kind,
            base_url=data.base_url,
            api_key=data.api_key,
        )
        return provider_read(provider)

    @get("/")
    async def list_providers(
        self, db_session: AsyncSession, principal: Principal
    ) -> list[ProviderRead]:
        return [
            provider_read(p)
            for p in await queries.list_providers(db_session, owner_id=principal.user_id)
        ]

    @put("/{provider_id:uuid}")
    async def update(
        self, provider_id: uuid.UUID, data: ProviderUpdate, db_session: AsyncSession,
        principal: Principal,
    ) -> ProviderRead:  # fmt: skip
        provider = await queries.get_provider(
            db_session, owner_id=principal.user_id, provider_id=provider_id
        )
        _check_can_edit(provider, principal)
        changes = data.model_dump(include={"name", "base_url"}, exclude_unset=True)
        provider = await queries.update_provider(
            db_session, provider, changes=changes, key_owner=principal.user_id,
            api_key=data.api_key, clear_api_key=data.clear_api_key,
        )  # fmt: skip
        return provider_read(provider)

    @delete("/{provider_id:uuid}")
    async def remove(
        self, provider_id: uuid.UUID, db_session: AsyncSession, principal: Principal
    ) -> None:
        provider = await queries.get_provider(
            db_session, owner_id=principal.user_id, provider_id=provider_id
        )
        _check_can_edit(provider, principal)
        await queries.delete_provider(db_session, provider)

    @post("/{provider_id:uuid}/test", status_code=200)
    async def test(
        self, provider_id: uuid.UUID, db_session: AsyncSession, principal: Principal,
        services: EngineServices,
    ) -> ProviderTestRead:  # fmt: skip
        """Ask the provider for its models with the stored key: does it answer?"""
        provider = await queries.get_provider(
            db_session, owner_id=principal.user_id, provider_id=provider_id
        )
        secret = await queries.provider_secret(db_session, provider)
        settings = services.settings
        key = str(decrypt_json(secret).get("api_key", "")) if secret else ""
        if not key:
            key = str(getattr(settings, f"{provider.provider_key}_api_key", "") or "")
        config = ClientConfig(api_key=key, base_url=provider.base_url, timeout_s=15)
        try:
            models = await provider_models(provider.provider_key, config)
        except ProviderError as exc:
            return ProviderTestRead(ok=False, message=str(exc))
        return ProviderTestRead(
            ok=True,
            message=f"{provider.name} answered with {len(models)} models",
            models=models[:50],
        )


class ModelController(Controller):
    path = "/api/llm/models"
    tags = ["llm"]

    @get("/")
    async def list_models(
        self, db_session: AsyncSession, principal: Principal, provider_id: uuid.UUID | None = None
    ) -> list[ModelRead]:
        rows = await queries.list_models(
            db_session, owner_id=principal.user_id, provider_id=provider_id
        )
        return [model_read(m, p, (i, o)) for m, p, i, o in rows]

    @post("/", opt={"errors": [403, 404]})
    async def create(
        self, data: ModelCreate, db_session: AsyncSession, principal: Principal
    ) -> ModelRead:
        provider = await queries.get_provider(
            db_session, owner_id=principal.user_id, provider_id=data.provider_id
        )
        _check_can_edit(provider, principal)
        fields = data.model_dump(exclude={"provider_id"}, exclude_none=True)
        model = await queries.create_model(db_session, provider=provider, fields=fields)
        return model_read(model, provider)

    @put("/{model_id:uuid}", opt={"errors": [403]})
    async def update(
        self, model_id: uuid.UUID, data: ModelUpdate, db_session: AsyncSession, principal: Principal
    ) -> ModelRead:
        model, provider = await queries.get_model(
            db_session, owner_id=principal.user_id, model_id=model_id
        )
        _check_can_edit(provider, principal)
        model = await queries.update_model(db_session, model, data.model_dump(exclude_none=True))
        return model_read(model, provider)


class AdviceController(Controller):
    path = "/api/llm"
    tags = ["llm"]

    @get("/recommendations")
    async def recommendations(
        self,
        db_session: AsyncSession,
        principal: Principal,
        use_case: UseCase = UseCase.general,
        budget: BudgetTier = BudgetTier.medium,
        limit: int = Parameter(default=5, ge=1, le=50),
    ) -> list[RecommendationRead]:
        rows = await queries.list_models(db_session, owner_id=principal.user_id)
        models = [model_info(m, p) for m, p, _, _ in rows]
        return [
            RecommendationRead(
                model=r.model.model_key,
                provider=r.model.provider,
                score=r.score,
                components={k: round(v, 6) for k, v in r.components.items()},
                typical_call_usd=float(r.typical_call_usd),
                explanation=r.explanation,
            )
            for r in recommend(models, use_case, budget, limit=limit)
        ]

    @post("/select", status_code=200)
    async def select(
        self, data: SelectCreate, services: EngineServices, principal: Principal
    ) -> SelectRead:
        messages = [ChatMessage(role="user", content=data.prompt)]
        if data.system:
            messages.insert(0, ChatMessage(role="system", content=data.system))
        needs = Requirements(
            prompt_tokens=estimate_prompt_tokens(messages),
            output_tokens=data.max_tokens or 0,
            tools=data.tools,
            vision=data.vision,
            json_mode=data.json_mode,
        )
        llm = RunLLM(
            session_factory=services.session_factory,
            owner_id=principal.user_id,
            settings=services.settings,
        )
        selection, among_usable = await llm.selection(needs, provider=data.provider)
        return SelectRead(
            model=selection.model.model_key,
            provider=selection.model.provider,
            score=selection.score,
            explanation=selection.explanation,
            among_usable=among_usable,
            ranking=[_candidate(s) for s in selection.ranking],
            excluded=selection.excluded,
        )


ROUTES: list[type[Controller]] = [ProviderController, ModelController, AdviceController]
