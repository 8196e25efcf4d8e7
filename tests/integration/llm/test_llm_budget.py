"""Hard budgets: reservations on the root run hold under concurrency and across sub-runs."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.context.llm import ChatMessage, ChatRequest, ChatResponse
from kyra.db.models import LlmUsageLog, Run
from kyra.db.queries.llm import recount_budget, reserve_budget
from kyra.llm.errors import BudgetExceededError
from kyra.services.llm import MemoryBudgets, RunLLM
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.integration.llm.llm_rows import MINI, add_fake_provider, make_run

Sessions = async_sessionmaker[AsyncSession]

#: "Hi" reserves 8 prompt tokens (3 priming + 4 framing + 1 text) and 50 output tokens:
#: 8 * 0.001 / 1000 + 50 * 0.002 / 1000 = 0.000108 USD; the fake then reports exactly that.
CALL_USD = Decimal("0.000108")
FULL_USAGE = (8, 50)


def _ask() -> ChatRequest:
    return ChatRequest(
        model="gpt-4o-mini", messages=[ChatMessage(role="user", content="Hi")], max_tokens=50
    )


async def _outcomes(llms: list[RunLLM]) -> list[ChatResponse | BaseException]:
    return await asyncio.gather(*(llm.chat(_ask()) for llm in llms), return_exceptions=True)


async def _spent(sessions: Sessions, run_id: uuid.UUID) -> Decimal:
    async with sessions() as session:
        return await session.scalar(
            select(func.coalesce(func.sum(LlmUsageLog.total_cost), 0)).where(
                LlmUsageLog.run_id == run_id
            )
        )


@pytest.fixture
async def provider(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_openai: FakeOpenAI
) -> FakeOpenAI:
    await add_fake_provider(
        llm_sessions, user_id, kind="openai", base_url=fake_openai.base_url, models=[MINI]
    )
    fake_openai.script(*[Reply(usage=FULL_USAGE)] * 20)
    return fake_openai


async def test_ten_concurrent_calls_never_overspend(
    llm_sessions: Sessions, user_id: uuid.UUID, provider: FakeOpenAI
) -> None:
    rows = await make_run(llm_sessions, user_id, budget=str(CALL_USD * 5))
    llms = [
        RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id)
        for _ in range(10)
    ]

    outcomes = await _outcomes(llms)

    refused = [o for o in outcomes if isinstance(o, BudgetExceededError)]
    answered = [o for o in outcomes if isinstance(o, ChatResponse)]
    assert (len(answered), len(refused)) == (5, 5)
    assert len(provider.requests) == 5
    assert await _spent(llm_sessions, rows.run_id) == CALL_USD * 5
    async with llm_sessions() as session:
        root = await session.get(Run, rows.run_id)
    assert root.reserved_usd == CALL_USD * 5  # committed: settled costs, nothing in flight


async def test_a_refused_call_is_never_sent_and_says_why(
    llm_sessions: Sessions, user_id: uuid.UUID, provider: FakeOpenAI
) -> None:
    rows = await make_run(llm_sessions, user_id, budget="0.0001")
    llm = RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id)

    with pytest.raises(BudgetExceededError) as caught:
        await llm.chat(_ask())

    assert provider.requests == []
    error = caught.value
    assert not error.retryable
    assert error.details["reason"] == "budget_exceeded"
    assert error.details["required_usd"] == str(CALL_USD)
    assert error.details["root_run_id"] == str(rows.run_id)


async def test_the_root_budget_caps_calls_made_from_sub_runs(
    llm_sessions: Sessions, user_id: uuid.UUID, provider: FakeOpenAI
) -> None:
    rows = await make_run(llm_sessions, user_id, budget=str(CALL_USD * 3))
    root_llm = RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id)
    child_llms = [
        RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.child_run_id)
        for _ in range(4)
    ]

    await root_llm.chat(_ask())
    outcomes = await _outcomes(child_llms)

    assert sum(isinstance(o, ChatResponse) for o in outcomes) == 2
    assert sum(isinstance(o, BudgetExceededError) for o in outcomes) == 2
    total = await _spent(llm_sessions, rows.run_id) + await _spent(llm_sessions, rows.child_run_id)
    assert total == CALL_USD * 3


async def test_raising_the_budget_lets_the_next_call_through(
    llm_sessions: Sessions, user_id: uuid.UUID, provider: FakeOpenAI
) -> None:
    rows = await make_run(llm_sessions, user_id, budget=str(CALL_USD))
    llm = RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id)
    await llm.chat(_ask())
    with pytest.raises(BudgetExceededError):
        await llm.chat(_ask())

    async with llm_sessions.begin() as session:
        (await session.get(Run, rows.run_id)).budget_usd = CALL_USD * 2

    assert (await llm.chat(_ask())).cost_usd == CALL_USD


async def test_the_reservation_settles_to_the_real_cost(
    llm_sessions: Sessions, user_id: uuid.UUID, fake_openai: FakeOpenAI
) -> None:
    await add_fake_provider(
        llm_sessions, user_id, kind="openai", base_url=fake_openai.base_url, models=[MINI]
    )
    rows = await make_run(llm_sessions, user_id, budget=str(CALL_USD * 2))
    fake_openai.script(*[Reply(usage=(8, 10))] * 3)  # 0.000008 + 0.000020
    llm = RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id)

    # Two cheap calls leave 0.000216 - 0.000056 = 0.000160 >= one worst case of 0.000108.
    for _ in range(3):
        await llm.chat(_ask())

    assert await _spent(llm_sessions, rows.run_id) == Decimal("0.000084")


async def test_recounting_drops_reservations_left_by_crashed_calls(
    llm_sessions: Sessions, user_id: uuid.UUID, provider: FakeOpenAI
) -> None:
    rows = await make_run(llm_sessions, user_id, budget=str(CALL_USD * 2))
    await RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id).chat(_ask())
    async with llm_sessions.begin() as session:
        # A worker died between reserving and settling: its worst case is still committed.
        assert (await reserve_budget(session, rows.run_id, CALL_USD)).granted
    with pytest.raises(BudgetExceededError):
        await RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id).chat(
            _ask()
        )

    async with llm_sessions.begin() as session:
        assert await recount_budget(session, rows.run_id) == CALL_USD

    await RunLLM(session_factory=llm_sessions, owner_id=user_id, run_id=rows.run_id).chat(_ask())


async def test_runs_not_stored_yet_are_held_to_their_budget_in_memory(
    llm_sessions: Sessions, user_id: uuid.UUID, provider: FakeOpenAI
) -> None:
    run_id, book = uuid.uuid4(), MemoryBudgets()
    llms = [
        RunLLM(
            session_factory=llm_sessions,
            owner_id=user_id,
            run_id=run_id,
            budget_usd=CALL_USD * 4,
            memory_budgets=book,
        )
        for _ in range(10)
    ]

    outcomes = await _outcomes(llms)

    assert sum(isinstance(o, ChatResponse) for o in outcomes) == 4
    assert len(provider.requests) == 4
    async with llm_sessions() as session:
        logged = await session.scalar(
            select(func.count()).where(LlmUsageLog.user_id == user_id, LlmUsageLog.run_id.is_(None))
        )
    assert logged == 4
