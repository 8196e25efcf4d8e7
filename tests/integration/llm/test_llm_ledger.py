"""RunLLM against the fakes and a real database: resolution, usage rows, roll-ups, seeding."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.context.llm import ChatMessage, ChatRequest
from kyra.db.models import AiAgent, LlmModel, LlmModelPrice, LlmProvider, LlmUsageLog, NodeRun, Run
from kyra.db.queries.llm import list_models, seed_catalogue
from kyra.llm.errors import ModelNotFoundError, ProviderError
from kyra.services.llm import RunLLM
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.integration.llm.llm_rows import MINI, add_fake_provider, make_run

Sessions = async_sessionmaker[AsyncSession]


def _ask(model: str = "gpt-4o-mini", **extra: object) -> ChatRequest:
    return ChatRequest(
        model=model, messages=[ChatMessage(role="user", content="Hi")], max_tokens=50, **extra
    )


async def test_seeding_twice_changes_nothing(llm_sessions: Sessions) -> None:
    async def counts() -> tuple[int, int, int]:
        async with llm_sessions() as session:
            return tuple(  # type: ignore[return-value]
                [
                    await session.scalar(select(func.count()).select_from(t))
                    for t in (LlmProvider, LlmModel, LlmModelPrice)
                ]
            )

    before = await counts()
    async with llm_sessions.begin() as session:
        await seed_catalogue(session)

    assert await counts() == before


async def test_the_catalogue_is_priced_as_of_the_day_asked(
    llm_sessions: Sessions, user_id: uuid.UUID
) -> None:
    from datetime import date

    async with llm_sessions() as session:
        may = {
            m.model_key: i
            for m, _, i, _ in await list_models(session, owner_id=user_id, day=date(2025, 5, 1))
        }
        july = {
            m.model_key: i
            for m, _, i, _ in await list_models(session, owner_id=user_id, day=date(2025, 7, 1))
        }

    assert may["o3"] == Decimal("0.01") and july["o3"] == Decimal("0.002")


async def test_a_call_writes_a_priced_usage_row_and_rolls_totals_up(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_openai: FakeOpenAI
) -> None:
    await add_fake_provider(
        llm_sessions, user_id, kind="openai", base_url=fake_openai.base_url, models=[MINI]
    )
    rows = await make_run(llm_sessions, user_id)
    fake_openai.script(Reply(text="Hello!", usage=(1234, 567)))
    llm = RunLLM(
        session_factory=llm_sessions,
        owner_id=user_id,
        run_id=rows.child_run_id,
        graph_id=rows.graph_id,
        node_run_id=rows.node_run_id,
        agent_id=rows.agent_id,
    )

    response = await llm.chat(_ask())

    # 1234 * 0.001 / 1000 + 567 * 0.002 / 1000 = 0.001234 + 0.001134
    assert response.cost_usd == Decimal("0.002368")
    assert response.text == "Hello!" and response.provider == "fake-openai"
    async with llm_sessions() as session:
        usage = (
            await session.scalars(select(LlmUsageLog).where(LlmUsageLog.user_id == user_id))
        ).one()
        child = await session.get(Run, rows.child_run_id)
        node_run = await session.get(NodeRun, rows.node_run_id)
        agent = await session.get(AiAgent, rows.agent_id)
    assert (usage.model_key, usage.input_tokens, usage.output_tokens) == ("gpt-4o-mini", 1234, 567)
    assert usage.total_cost == Decimal("0.002368") and usage.latency_ms is not None
    assert (usage.run_id, usage.node_run_id, usage.graph_id) == (
        rows.child_run_id,
        rows.node_run_id,
        rows.graph_id,
    )
    for row in (child, node_run):
        assert (row.cost_usd, row.input_tokens, row.output_tokens) == (
            Decimal("0.002368"),
            1234,
            567,
        )
    assert (agent.total_cost, agent.total_input_tokens, agent.total_output_tokens) == (
        Decimal("0.002368"),
        1234,
        567,
    )


async def test_with_a_cost_callback_the_engine_rolls_up_and_the_ledger_does_not(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_openai: FakeOpenAI
) -> None:
    await add_fake_provider(
        llm_sessions, user_id, kind="openai", base_url=fake_openai.base_url, models=[MINI]
    )
    rows = await make_run(llm_sessions, user_id)
    fake_openai.script(Reply(usage=(1000, 1000)))
    seen: list[dict[str, object]] = []
    llm = RunLLM(
        session_factory=llm_sessions,
        owner_id=user_id,
        run_id=rows.run_id,
        node_run_id=rows.node_run_id,
        on_cost=lambda **kw: seen.append(kw),
    )

    await llm.chat(_ask())

    assert seen == [{"usd": Decimal("0.003000"), "input_tokens": 1000, "output_tokens": 1000}]
    async with llm_sessions() as session:
        root = await session.get(Run, rows.run_id)
        logged = await session.scalar(
            select(LlmUsageLog.total_cost).where(LlmUsageLog.run_id == rows.run_id)
        )
    assert root.cost_usd == 0 and root.reserved_usd == Decimal("0.003000")
    assert logged == Decimal("0.003000")


async def test_anthropic_models_are_called_through_the_same_interface(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_anthropic: FakeAnthropic
) -> None:
    haiku = {
        **MINI,
        "model_key": "claude-3-5-haiku-20241022",
        "capabilities": {"aliases": ["claude-3-5-haiku"]},
    }
    await add_fake_provider(
        llm_sessions, user_id, kind="anthropic", base_url=fake_anthropic.base_url, models=[haiku]
    )
    fake_anthropic.script(Reply(text="Bonjour", usage=(10, 20)))
    llm = RunLLM(session_factory=llm_sessions, owner_id=user_id)

    response = await llm.chat(_ask("claude-3-5-haiku", temperature=0.5))

    assert response.text == "Bonjour" and response.cost_usd == Decimal("0.000050")
    assert fake_anthropic.requests[0].body["model"] == "claude-3-5-haiku-20241022"
    assert fake_anthropic.requests[0].body["temperature"] == 0.5


async def test_auto_picks_among_the_owners_usable_models_and_says_why(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_openai: FakeOpenAI
) -> None:
    pricey = {
        **MINI,
        "model_key": "gpt-4.1",
        "input_cost_per_1k": Decimal("0.002"),
        "is_recommended": False,
    }
    name = await add_fake_provider(
        llm_sessions, user_id, kind="openai", base_url=fake_openai.base_url, models=[MINI, pricey]
    )
    llm = RunLLM(session_factory=llm_sessions, owner_id=user_id)

    response = await llm.chat(_ask("auto", provider=name))

    assert fake_openai.requests[0].body["model"] == "gpt-4o-mini"
    assert response.selection and response.selection.startswith("gpt-4o-mini (fake-openai) scored")


async def test_unknown_models_and_keyless_providers_are_refused_before_any_call(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_openai: FakeOpenAI
) -> None:
    llm = RunLLM(session_factory=llm_sessions, owner_id=user_id)

    with pytest.raises(ModelNotFoundError, match="not in the catalogue"):
        await llm.chat(_ask("gpt-9-ultra"))
    # The shared catalogue knows gpt-4o, but this owner has no key for OpenAI.
    with pytest.raises(ModelNotFoundError, match="no API key"):
        await llm.chat(_ask("gpt-4o", provider="openai"))
    assert fake_openai.requests == []


async def test_a_failed_call_gives_its_reservation_back_and_logs_nothing(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_openai: FakeOpenAI
) -> None:
    await add_fake_provider(
        llm_sessions, user_id, kind="openai", base_url=fake_openai.base_url, models=[MINI]
    )
    rows = await make_run(llm_sessions, user_id, budget="1.00")
    fake_openai.script(Reply(status=400, error_type="invalid_request_error"))
    llm = RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id)

    with pytest.raises(ProviderError):
        await llm.chat(_ask())

    async with llm_sessions() as session:
        root = await session.get(Run, rows.run_id)
        logged = await session.scalar(select(func.count()).where(LlmUsageLog.run_id == rows.run_id))
    assert root.reserved_usd == 0 and logged == 0


async def test_a_stream_is_settled_when_it_ends(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_openai: FakeOpenAI
) -> None:
    await add_fake_provider(
        llm_sessions, user_id, kind="openai", base_url=fake_openai.base_url, models=[MINI]
    )
    rows = await make_run(llm_sessions, user_id, budget="1.00")
    fake_openai.script(Reply(text="streamed words", usage=(100, 50)))
    llm = RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id)

    text = "".join([chunk.content async for chunk in llm.stream(_ask())])

    assert text == "streamed words"
    async with llm_sessions() as session:
        root = await session.get(Run, rows.run_id)
        cost = await session.scalar(
            select(LlmUsageLog.total_cost).where(LlmUsageLog.run_id == rows.run_id)
        )
    assert cost == Decimal("0.000200") and root.reserved_usd == cost
