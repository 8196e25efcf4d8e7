"""Replay: a finished run re-executed from its records at no cost, or stopped where it diverges."""

from __future__ import annotations

from typing import Any

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User


def _graph(prompt: str) -> dict[str, Any]:
    agent = {"prompt": prompt, "tools": ["Core.think", "Core.code"], "max_iterations": 4}
    return {
        "schema": "kyra.graph/1",
        "name": "replayed",
        "nodes": [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "agent", "type": "AI.agent", "params": {**agent, "goal": "{{ trigger.q }}"}},
            {"id": "shout", "type": "Core.set",
             "params": {"values": {"loud": "{{ nodes.agent.output.answer | upper }}"}}},
        ],
        "edges": [
            {"source": "start", "sourcePort": "out", "target": "agent", "targetPort": "in"},
            {"source": "agent", "sourcePort": "out", "target": "shout", "targetPort": "in"},
        ],
    }  # fmt: skip


async def _recorded_run(user: User, fake: FakeOpenAI) -> tuple[dict[str, Any], dict[str, Any]]:
    graph = await user.post("/api/graphs", _graph("Be brief."), expect=201)
    fake.script(
        Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "easy"}, id="t1")],
              usage=(40, 8)),
        Reply(text="It is blue.", usage=(60, 4)),
    )  # fmt: skip
    run = await user.post(
        f"/api/graphs/{graph['id']}/runs", {"inputs": {"q": "Sky colour?"}, "mode": "sync"},
        expect=200,
    )  # fmt: skip
    assert run["status"] == "succeeded", run
    return graph, run


async def test_replay_reproduces_the_outputs_without_calling_the_model(
    user: User, fake_openai: FakeOpenAI
) -> None:
    _, original = await _recorded_run(user, fake_openai)
    sent = len(fake_openai.requests)

    replayed = await user.post(f"/api/runs/{original['id']}/replay", expect=200)

    assert replayed["status"] == "succeeded", replayed
    assert replayed["replay"] == {"source_run_id": original["id"], "diverged": False,
                                  "divergence": None}  # fmt: skip
    assert len(fake_openai.requests) == sent
    assert replayed["output"] == original["output"] == {"shout": {"loud": "IT IS BLUE."}}
    assert original["cost_usd"] > 0 and replayed["cost_usd"] == 0
    trace = await user.get(f"/api/runs/{replayed['id']}/trace")
    steps = trace["tree"][1]["children"]
    assert [s["kind"] for s in steps] == ["llm_call", "tool_call", "llm_call"]
    assert all(s["output"]["replayed"] for s in steps)
    assert trace["totals"]["cost_usd"] == 0


async def test_replay_against_a_changed_graph_says_where_it_diverged(
    user: User, fake_openai: FakeOpenAI
) -> None:
    graph, original = await _recorded_run(user, fake_openai)
    changed = await user.api.put(
        f"/api/graphs/{graph['id']}", json=_graph("Be verbose."), headers=user.headers
    )
    assert changed.status_code == 200, changed.text
    sent = len(fake_openai.requests)

    replayed = await user.post(f"/api/runs/{original['id']}/replay", {"version": 2}, expect=200)

    assert replayed["status"] == "failed"
    assert replayed["replay"]["diverged"] is True
    error = replayed["error"]
    assert error["node_id"] == "agent" and error["type"] == "ReplayDivergedError"
    assert error["details"]["step_key"] == "1.llm"
    assert ".request.messages[0].content" in error["details"]["difference"]
    assert "Be verbose." in error["message"]
    assert len(fake_openai.requests) == sent


async def test_only_finished_runs_can_be_replayed(user: User, fake_openai: FakeOpenAI) -> None:
    guarded = {"tool_settings": {"Core.think": {"requires_approval": True}}}
    agent = await user.agent("pauser", tools=["Core.think"], settings=guarded)
    fake_openai.script(Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "x"})]))
    paused = await user.run(agent, "Wait", mode="tracked")

    response = await user.api.post(f"/api/runs/{paused['run_id']}/replay", headers=user.headers)

    assert response.status_code == 409
