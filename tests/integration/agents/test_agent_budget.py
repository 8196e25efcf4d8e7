"""The run budget holds across a sub-agent tree; a resumed run replays what it already paid for."""

from __future__ import annotations

from typing import Any

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User


async def test_budget_exhaustion_inside_a_sub_agent_stops_further_calls(
    user: User, fake_openai: FakeOpenAI, worker: Any
) -> None:
    # The helper may answer with 4000 tokens: its worst case (0.008 USD) does not fit in 0.001.
    await user.agent("spender", settings={"max_tokens": 4000})
    boss = await user.agent("frugal", tools=["agent:spender"], settings={"max_tokens": 100})
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("agent__spender", {"goal": "spend"})], usage=(50, 10)),
        Reply(text="spent", usage=(20, 10)),
        Reply(text="all done", usage=(80, 10)),
    )

    answer = await user.run(boss, "Spend wisely", mode="tracked", budget_usd=0.001)

    assert answer["status"] == "paused" and answer["pause_reason"] == "budget_exceeded"
    assert len(fake_openai.requests) == 1
    delegated = answer["steps"][1]
    assert delegated["status"] == "paused"
    assert delegated["children"][0]["error"]["type"] == "BudgetExceededError"

    resumed = await user.post(f"/api/runs/{answer['run_id']}/resume", {"budget_usd": 1},
                              expect=200)  # fmt: skip
    run = await user.final(resumed["id"], statuses=("succeeded", "failed"))

    assert run["status"] == "succeeded", run
    assert run["node_runs"][1]["output"]["out"]["answer"] == "all done"
    # The first model call was replayed from its record, not sent (nor paid) again.
    assert len(fake_openai.requests) == 3
    assert run["cost_usd"] == 0.00021  # 0.00007 + 0.00004 + 0.0001
