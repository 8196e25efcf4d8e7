"""The seed's three modes for agents (direct, tracked, queue) and live step events."""

from __future__ import annotations

from typing import Any

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User


def _script(fake: FakeOpenAI) -> None:
    fake.script(
        Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "plan"})], usage=(10, 10)),
        Reply(text="ok", usage=(10, 10)),
    )


async def test_direct_mode_answers_without_storing_a_run(
    user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await user.agent("direct-one", tools=["Core.think"])
    _script(fake_openai)

    answer = await user.run(agent, "Go", mode="direct")

    assert (answer["answer"], answer["run_id"]) == ("ok", None)
    assert answer["cost_usd"] == 0.00006 and len(answer["steps"]) == 3
    (row,) = await user.get(f"/api/agents/{agent['id']}/runs")
    assert (row["mode"], row["status"], row["run_id"]) == ("direct", "succeeded", None)
    assert row["result"]["answer"] == "ok" and row["cost_usd"] == 0.00006


async def test_tracked_mode_keeps_the_run_its_node_runs_and_steps(
    user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await user.agent("tracked-one", tools=["Core.think"])
    _script(fake_openai)

    answer = await user.run(agent, "Go", mode="tracked")

    run = await user.get(f"/api/runs/{answer['run_id']}")
    assert run["status"] == "succeeded" and run["trigger_kind"] == "agent"
    assert [n["node_id"] for n in run["node_runs"]] == ["start", "agent"]
    assert run["node_runs"][1]["output"]["out"]["answer"] == "ok"
    assert run["cost_usd"] == answer["cost_usd"] == 0.00006
    trace = await user.get(f"/api/runs/{answer['run_id']}/trace")
    agent_node = trace["tree"][1]
    assert [c["kind"] for c in agent_node["children"]] == ["llm_call", "tool_call", "llm_call"]
    assert agent_node["children"][0]["summary"] == {"text": None, "tool_calls": ["Core__think"]}
    (row,) = await user.get(f"/api/agents/{agent['id']}/runs")
    assert (row["mode"], row["status"], row["run_id"]) == ("tracked", "succeeded", answer["run_id"])
    graph_names = [g["name"] for g in await user.get("/api/graphs")]
    assert not any(name.startswith("agent: ") for name in graph_names), "agents list their own"
    assert (await user.get(f"/api/graphs/{run['graph_id']}"))["name"] == "agent: tracked-one"


async def test_queue_mode_runs_the_agent_on_a_worker(
    user: User, fake_openai: FakeOpenAI, worker: Any
) -> None:
    agent = await user.agent("queued-one", tools=["Core.think"])
    _script(fake_openai)

    started = await user.run(agent, "Go", mode="queue")
    run = await user.final(started["run_id"])

    assert started["status"] == "queued"
    assert run["status"] == "succeeded", run
    assert run["node_runs"][1]["output"]["out"]["answer"] == "ok"
    trace = await user.get(f"/api/runs/{run['id']}/trace")
    steps = trace["tree"][1]["children"]
    assert [s["status"] for s in steps] == ["succeeded"] * 3
    assert trace["totals"]["cost_usd"] == run["cost_usd"] == 0.00006
    (row,) = await user.get(f"/api/agents/{agent['id']}/runs")
    assert (row["id"], row["status"], row["run_id"]) == (
        started["agent_run_id"],
        "succeeded",
        run["id"],
    )
