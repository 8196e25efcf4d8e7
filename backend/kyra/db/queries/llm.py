"""LLM catalogue, usage ledger and run budgets.

Budgets are held on the root run (follow ``parent_run_id`` up). The root's ``reserved_usd`` is
what the whole run tree has committed against its budget: the settled cost of every LLM call
plus the worst case of the calls in flight. A call reserves with one conditional UPDATE of that
row (so concurrent calls can never overspend); settling swaps the worst case for the real cost
in the same transaction that inserts the usage row. ``cost_usd`` stays the engine's to roll up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, or_

from kyra.crypto import encrypt_json
from kyra.db.models import (
    AiAgent,
    Credential,
    LlmModel,
    LlmModelPrice,
    LlmProvider,
    LlmUsageLog,
    NodeRun,
    Run,
)
from kyra.errors import ConflictError, NotFoundError
from kyra.llm.catalogue import shipped_catalogue

#: Advisory lock id serialising catalogue seeding across processes starting together.
_SEED_LOCK = 4_711_001
#: Credential kind holding a provider's API key (field ``api_key``).
API_KEY_KIND = "llm_api_key"

ModelRow = tuple[LlmModel, LlmProvider, Decimal | None, Decimal | None]


# --- catalogue --------------------------------------------------------------------------------


async def seed_catalogue(session: AsyncSession, catalogue: dict[str, Any] | None = None) -> None:
    """Insert the shipped providers, models and dated prices that are missing (idempotent).

    Existing models keep their edited fields; new price rows are added and each model's
    current price is set to its latest price in effect today.
    """
    data = catalogue or shipped_catalogue()
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SEED_LOCK})
    for entry in data["providers"]:
        provider = await _shared_provider(session, entry)
        for model_entry in entry["models"]:
            model = await _seed_model(session, provider, model_entry)
            await _seed_prices(session, model, model_entry["prices"])
    await session.flush()


async def _shared_provider(session: AsyncSession, entry: dict[str, Any]) -> LlmProvider:
    provider = await session.scalar(
        select(LlmProvider).where(
            col(LlmProvider.owner_id).is_(None), col(LlmProvider.name) == entry["name"]
        )
    )
    if provider is None:
        provider = LlmProvider(
            name=entry["name"],
            provider_key=entry["provider_key"],
            base_url=entry.get("base_url"),
            capabilities=entry.get("capabilities", {}),
        )
        session.add(provider)
        await session.flush()
    return provider


async def _seed_model(
    session: AsyncSession, provider: LlmProvider, entry: dict[str, Any]
) -> LlmModel:
    model = await session.scalar(
        select(LlmModel).where(
            col(LlmModel.provider_id) == provider.provider_id,
            col(LlmModel.model_key) == entry["model_key"],
        )
    )
    if model is None:
        fields = {k: v for k, v in entry.items() if k != "prices"}
        model = LlmModel(provider_id=provider.provider_id, **fields)
        session.add(model)
        await session.flush()
    return model


async def _seed_prices(
    session: AsyncSession, model: LlmModel, prices: list[dict[str, Any]]
) -> None:
    rows = [
        {
            "id": uuid.uuid4(),
            "model_id": model.model_id,
            "effective_from": date.fromisoformat(p["effective_from"]),
            "input_cost_per_1k": Decimal(p["input_cost_per_1k"]),
            "output_cost_per_1k": Decimal(p["output_cost_per_1k"]),
        }
        for p in prices
    ]
    await session.execute(
        insert(LlmModelPrice)
        .values(rows)
        .on_conflict_do_nothing(constraint="uq_llm_model_prices_model_day")
    )
    await _refresh_current_price(session, model)


async def _refresh_current_price(session: AsyncSession, model: LlmModel) -> None:
    latest = (
        await session.execute(
            select(col(LlmModelPrice.input_cost_per_1k), col(LlmModelPrice.output_cost_per_1k))
            .where(
                col(LlmModelPrice.model_id) == model.model_id,
                col(LlmModelPrice.effective_from) <= func.current_date(),
            )
            .order_by(col(LlmModelPrice.effective_from).desc())
            .limit(1)
        )
    ).first()
    if latest is not None:
        model.input_cost_per_1k, model.output_cost_per_1k = latest
        session.add(model)


# --- providers and models ---------------------------------------------------------------------


def _visible(owner_id: uuid.UUID) -> Any:
    return or_(col(LlmProvider.owner_id).is_(None), col(LlmProvider.owner_id) == owner_id)


async def list_providers(session: AsyncSession, *, owner_id: uuid.UUID) -> list[LlmProvider]:
    """Shared catalogue providers plus the owner's own."""
    rows = await session.scalars(
        select(LlmProvider).where(_visible(owner_id)).order_by(col(LlmProvider.name))
    )
    return list(rows)


async def get_provider(
    session: AsyncSession, *, owner_id: uuid.UUID, provider_id: uuid.UUID
) -> LlmProvider:
    provider = await session.scalar(
        select(LlmProvider).where(col(LlmProvider.provider_id) == provider_id, _visible(owner_id))
    )
    if provider is None:
        raise NotFoundError(f"provider {provider_id} not found")
    return provider


async def create_provider(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    name: str,
    provider_key: str,
    base_url: str | None = None,
    api_key: str | None = None,
) -> LlmProvider:
    """Register a provider; its API key becomes an encrypted ``llm_api_key`` credential."""
    taken = await session.scalar(
        select(col(LlmProvider.provider_id)).where(
            col(LlmProvider.owner_id) == owner_id, col(LlmProvider.name) == name
        )
    )
    if taken is not None:
        raise ConflictError(f"a provider named {name!r} already exists")
    provider = LlmProvider(
        owner_id=owner_id, name=name, provider_key=provider_key, base_url=base_url
    )
    if api_key:
        provider.credential_id = await _key_credential(session, owner_id, name, api_key)
    session.add(provider)
    await session.flush()
    return provider


async def _key_credential(
    session: AsyncSession, owner_id: uuid.UUID, name: str, api_key: str
) -> uuid.UUID:
    """Store a provider's API key as an encrypted ``llm_api_key`` credential."""
    credential = Credential(
        owner_id=owner_id,
        name=f"llm provider {name} {uuid.uuid4().hex[:8]}",
        kind=API_KEY_KIND,
        data_enc=encrypt_json({"api_key": api_key}),
    )
    session.add(credential)
    await session.flush()
    return credential.id


async def update_provider(
    session: AsyncSession,
    provider: LlmProvider,
    *,
    changes: dict[str, Any],
    key_owner: uuid.UUID,
    api_key: str | None = None,
    clear_api_key: bool = False,
) -> LlmProvider:
    """Rename, move (base URL) or re-key a provider; a new key replaces the stored credential
    (owned by ``key_owner``: the admin, for a shared catalogue provider)."""
    name = changes.get("name")
    if name is not None and name != provider.name:
        taken = await session.scalar(
            select(col(LlmProvider.provider_id)).where(
                col(LlmProvider.owner_id) == provider.owner_id, col(LlmProvider.name) == name
            )
        )
        if taken is not None:
            raise ConflictError(f"a provider named {name!r} already exists")
        provider.name = name
    if "base_url" in changes:
        provider.base_url = changes["base_url"]
    if api_key or clear_api_key:
        old = provider.credential_id
        provider.credential_id = None
        if api_key:
            provider.credential_id = await _key_credential(
                session, provider.owner_id or key_owner, provider.name, api_key
            )
        if old is not None:
            await session.execute(delete(Credential).where(col(Credential.id) == old))
    await session.flush()
    return provider


async def delete_provider(session: AsyncSession, provider: LlmProvider) -> None:
    """Remove a provider with its models and its stored key (usage logs keep their rows)."""
    credential_id = provider.credential_id
    await session.delete(provider)
    await session.flush()
    if credential_id is not None:
        await session.execute(delete(Credential).where(col(Credential.id) == credential_id))


async def provider_secret(session: AsyncSession, provider: LlmProvider) -> bytes | None:
    """The encrypted credential of a provider, if it has one."""
    if provider.credential_id is None:
        return None
    return await session.scalar(
        select(col(Credential.data_enc)).where(
            col(Credential.id) == provider.credential_id, col(Credential.kind) == API_KEY_KIND
        )
    )


def _current_price_subquery(day: date) -> Any:
    return (
        select(col(LlmModelPrice.input_cost_per_1k), col(LlmModelPrice.output_cost_per_1k))
        .where(
            col(LlmModelPrice.model_id) == col(LlmModel.model_id),
            col(LlmModelPrice.effective_from) <= day,
        )
        .order_by(col(LlmModelPrice.effective_from).desc())
        .limit(1)
        .lateral("price")
    )


async def list_models(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID,
    provider_id: uuid.UUID | None = None,
    day: date | None = None,
) -> list[ModelRow]:
    """Visible models with their provider and the price in effect on ``day`` (today)."""
    price = _current_price_subquery(day or date.today())
    query = (
        select(LlmModel, LlmProvider, price.c.input_cost_per_1k, price.c.output_cost_per_1k)
        .join(LlmProvider, col(LlmProvider.provider_id) == col(LlmModel.provider_id))
        .outerjoin(price, literal_column("true"))
        .where(_visible(owner_id))
        .order_by(col(LlmProvider.name), col(LlmModel.model_key))
    )
    if provider_id is not None:
        query = query.where(col(LlmModel.provider_id) == provider_id)
    return [tuple(row) for row in (await session.execute(query)).all()]


async def get_model(
    session: AsyncSession, *, owner_id: uuid.UUID, model_id: uuid.UUID
) -> tuple[LlmModel, LlmProvider]:
    row = (
        await session.execute(
            select(LlmModel, LlmProvider)
            .join(LlmProvider, col(LlmProvider.provider_id) == col(LlmModel.provider_id))
            .where(col(LlmModel.model_id) == model_id, _visible(owner_id))
        )
    ).first()
    if row is None:
        raise NotFoundError(f"model {model_id} not found")
    return row[0], row[1]


async def create_model(
    session: AsyncSession, *, provider: LlmProvider, fields: dict[str, Any]
) -> LlmModel:
    """Add a model to a provider; its price is recorded as effective today."""
    exists = await session.scalar(
        select(col(LlmModel.model_id)).where(
            col(LlmModel.provider_id) == provider.provider_id,
            col(LlmModel.model_key) == fields["model_key"],
        )
    )
    if exists is not None:
        raise ConflictError(f"model {fields['model_key']!r} already exists for {provider.name}")
    model = LlmModel(provider_id=provider.provider_id, **fields)
    session.add(model)
    await session.flush()
    await set_price(session, model, model.input_cost_per_1k, model.output_cost_per_1k)
    return model


async def update_model(session: AsyncSession, model: LlmModel, changes: dict[str, Any]) -> LlmModel:
    """Apply ``changes``; a price change is a new price row effective today (history kept)."""
    prices = {
        k: changes.pop(k) for k in ("input_cost_per_1k", "output_cost_per_1k") if k in changes
    }
    for name, value in changes.items():
        setattr(model, name, value)
    session.add(model)
    if prices:
        await set_price(
            session,
            model,
            prices.get("input_cost_per_1k", model.input_cost_per_1k),
            prices.get("output_cost_per_1k", model.output_cost_per_1k),
        )
    await session.flush()
    return model


async def set_price(
    session: AsyncSession, model: LlmModel, input_per_1k: Decimal, output_per_1k: Decimal
) -> None:
    """Record the price in effect from today (replacing today's row) and make it current."""
    statement = insert(LlmModelPrice).values(
        id=uuid.uuid4(),
        model_id=model.model_id,
        effective_from=date.today(),
        input_cost_per_1k=input_per_1k,
        output_cost_per_1k=output_per_1k,
    )
    await session.execute(
        statement.on_conflict_do_update(
            constraint="uq_llm_model_prices_model_day",
            set_={
                "input_cost_per_1k": statement.excluded.input_cost_per_1k,
                "output_cost_per_1k": statement.excluded.output_cost_per_1k,
            },
        )
    )
    model.input_cost_per_1k, model.output_cost_per_1k = input_per_1k, output_per_1k
    session.add(model)


# --- budgets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetCheck:
    """The outcome of a reservation attempt on a root run."""

    granted: bool
    budget_usd: Decimal | None
    #: Settled cost plus in-flight reservations of the run tree, after the attempt.
    committed_usd: Decimal


_ROOT_OF = text(
    """
    WITH RECURSIVE chain AS (
        SELECT id, parent_run_id FROM runs WHERE id = :run_id
        UNION ALL
        SELECT r.id, r.parent_run_id FROM runs r JOIN chain c ON r.id = c.parent_run_id
    )
    SELECT id FROM chain WHERE parent_run_id IS NULL
    """
)

_TREE_SPENT = text(
    """
    WITH RECURSIVE tree AS (
        SELECT id FROM runs WHERE id = :root_id
        UNION ALL
        SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id
    )
    SELECT COALESCE(SUM(u.total_cost), 0) FROM llm_usage_logs u
    WHERE u.run_id IN (SELECT id FROM tree)
    """
)


async def root_run_id(session: AsyncSession, run_id: uuid.UUID) -> uuid.UUID | None:
    """The top of ``run_id``'s parent chain; None when the run is not stored (yet)."""
    root: uuid.UUID | None = await session.scalar(_ROOT_OF, {"run_id": run_id})
    return root


async def reserve_budget(session: AsyncSession, root_id: uuid.UUID, amount: Decimal) -> BudgetCheck:
    """Commit ``amount`` against the root run's budget if it fits, atomically.

    Postgres re-checks the WHERE clause on the newest row version after taking the row lock,
    so of any number of concurrent reservations only those that fit succeed. Run it on an
    autocommit connection so the lock is released as soon as the statement ends.
    """
    fits = or_(col(Run.budget_usd).is_(None), col(Run.reserved_usd) + amount <= col(Run.budget_usd))
    # updated_at is left alone: it is indexed, and a hot row updated per call must stay a HOT
    # update (no new index entries) or every later lookup of the run slows down.
    granted = (
        await session.execute(
            update(Run)
            .where(col(Run.id) == root_id, fits)
            .values(reserved_usd=col(Run.reserved_usd) + amount, updated_at=col(Run.updated_at))
            .returning(col(Run.budget_usd), col(Run.reserved_usd))
        )
    ).first()
    if granted is not None:
        return BudgetCheck(True, granted[0], granted[1])
    refused = (
        await session.execute(
            select(col(Run.budget_usd), col(Run.reserved_usd)).where(col(Run.id) == root_id)
        )
    ).first()
    if refused is None:
        raise NotFoundError(f"run {root_id} not found")
    return BudgetCheck(False, refused[0], refused[1])


async def settle_budget(
    session: AsyncSession, root_id: uuid.UUID, reserved: Decimal, cost: Decimal = Decimal(0)
) -> None:
    """Replace a reservation by the call's real cost (zero when the call failed)."""
    await session.execute(
        update(Run)
        .where(col(Run.id) == root_id)
        .values(
            reserved_usd=func.greatest(col(Run.reserved_usd) - reserved + cost, 0),
            updated_at=col(Run.updated_at),
        )
    )


async def recount_budget(session: AsyncSession, root_id: uuid.UUID) -> Decimal:
    """Reset the committed amount to the tree's logged spend, dropping reservations that crashed
    calls left behind; safe only while no node of the tree runs (e.g. when resuming)."""
    spent = Decimal(await session.scalar(_TREE_SPENT, {"root_id": root_id}) or 0)
    await session.execute(update(Run).where(col(Run.id) == root_id).values(reserved_usd=spent))
    return spent


# --- usage ledger -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RollUp:
    """Which totals a usage row adds to besides the ledger itself."""

    run_id: uuid.UUID | None = None
    node_run_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None


async def record_usage(
    session: AsyncSession,
    usage: LlmUsageLog,
    *,
    roll_up: RollUp,
    root_id: uuid.UUID | None = None,
    reserved: Decimal = Decimal(0),
) -> None:
    """Write one usage row, add it to the requested totals and settle its reservation.

    The root run's row is updated last, so its lock is held only until the commit that follows.
    """
    session.add(usage)
    await session.flush()
    amounts = {
        "cost": usage.total_cost,
        "input": usage.input_tokens,
        "output": usage.output_tokens,
    }
    if roll_up.run_id is not None:
        await _add_totals(session, Run, col(Run.id) == roll_up.run_id, amounts)
    if roll_up.node_run_id is not None:
        await _add_totals(session, NodeRun, col(NodeRun.id) == roll_up.node_run_id, amounts)
    if roll_up.agent_id is not None:
        await session.execute(
            update(AiAgent)
            .where(col(AiAgent.agent_id) == roll_up.agent_id)
            .values(
                total_cost=col(AiAgent.total_cost) + amounts["cost"],
                total_input_tokens=col(AiAgent.total_input_tokens) + amounts["input"],
                total_output_tokens=col(AiAgent.total_output_tokens) + amounts["output"],
            )
        )
    if root_id is not None:
        await settle_budget(session, root_id, reserved, usage.total_cost)


async def _add_totals(
    session: AsyncSession, table: Any, where: Any, amounts: dict[str, Any]
) -> None:
    await session.execute(
        update(table)
        .where(where)
        .values(
            cost_usd=table.cost_usd + amounts["cost"],
            input_tokens=table.input_tokens + amounts["input"],
            output_tokens=table.output_tokens + amounts["output"],
        )
    )
