"""Sub-agents: saved agents offered as tools, nested in the trace, with depth and recursion caps."""

from __future__ import annotations

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User


def _tool_names(body: dict) -> list[str]:
    return sorted(t["function"]["name"] for t in body.get("tools") or [])


async def test_an_agent_delegates_to_a_sub_agent_and_the_trace_nests_it(
    user: User, fake_openai: FakeOpenAI
) -> None:
    helper = await user.agent("helper", tools=["Core.think"])
    boss = await user.agent("boss", tools=["agent:helper"])
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("agent__helper", {"goal": "find x"}, id="d1")],
              usage=(100, 10)),
        Reply(text="x is 7", usage=(50, 5)),
        Reply(text="Final: 7", usage=(120, 5)),
    )  # fmt: skip

    answer = await user.run(boss, "What is x?", mode="tracked")

    assert answer["status"] == "succeeded" and answer["answer"] == "Final: 7"
    assert [s["kind"] for s in answer["steps"]] == ["llm_call", "agent", "llm_call"]
    delegated = answer["steps"][1]
    assert delegated["node_type"] == "agent:helper"
    assert [c["kind"] for c in delegated["children"]] == ["llm_call"]
    assert delegated["children"][0]["step_key"] == "1.tool.0/1.llm"
    assert delegated["cost_usd"] == 0.00006  # 50 * 0.001/1k + 5 * 0.002/1k
    boss_call, helper_call, _ = (r.body for r in fake_openai.requests)
    assert _tool_names(boss_call) == ["agent__helper"]
    assert _tool_names(helper_call) == ["Core__think"]
    assert helper_call["messages"][1] == {"role": "user", "content": "find x"}

    trace = await user.get(f"/api/runs/{answer['run_id']}/trace")
    assert trace["totals"]["llm_calls"] == 3 and trace["totals"]["agents"] == 1
    assert trace["totals"]["cost_usd"] == answer["cost_usd"] == 0.00031
    helper_row = await user.get(f"/api/agents/{helper['id']}")
    assert helper_row["total_cost"] == 0.00006 and helper_row["total_input_tokens"] == 50
    helper_runs = await user.get(f"/api/agents/{helper['id']}/runs")
    assert [(r["mode"], r["status"], r["goal"]) for r in helper_runs] == [
        ("sub_agent", "succeeded", "find x")
    ]
    boss_runs = await user.get(f"/api/agents/{boss['id']}/runs")
    assert boss_runs[0]["run_id"] == answer["run_id"] and boss_runs[0]["status"] == "succeeded"


async def test_recursion_is_refused_by_never_offering_an_agent_above(
    user: User, fake_openai: FakeOpenAI
) -> None:
    second = await user.agent("second")
    first = await user.agent("first", tools=["agent:second"])
    patched = await user.api.patch(
        f"/api/agents/{second['id']}", json={"tools": ["agent:first"]}, headers=user.headers
    )
    assert patched.status_code == 200, patched.text
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("agent__second", {"goal": "ask first"})]),
        Reply(text="no way back"),
        Reply(text="done"),
    )

    answer = await user.run(first, "Go")

    assert answer["answer"] == "done"
    assert "tools" not in fake_openai.requests[1].body  # second may not call first again


async def test_an_agent_cannot_be_saved_as_its_own_sub_agent(user: User) -> None:
    response = await user.api.post(
        "/api/agents", json={"name": "narcissus", "tools": ["agent:narcissus"]},
        headers=user.headers,
    )  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "an agent cannot be its own sub-agent"


async def test_sub_agents_past_the_depth_limit_are_not_offered(
    user: User, fake_openai: FakeOpenAI
) -> None:
    await user.agent("leaf")
    await user.agent("middle", tools=["agent:leaf"])
    top = await user.agent("top", tools=["agent:middle"], settings={"max_depth": 1})
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("agent__middle", {"goal": "dig"})]),
        Reply(text="bottom reached"),
        Reply(text="done"),
    )

    answer = await user.run(top, "Dig deep")

    assert answer["answer"] == "done"
    assert _tool_names(fake_openai.requests[0].body) == ["agent__middle"]
    assert _tool_names(fake_openai.requests[1].body) == []
