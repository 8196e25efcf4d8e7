"""Human in the loop: tool calls and nodes that wait for approval, then resume or get rejected."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User

GUARDED = {"tool_settings": {"Core.think": {"requires_approval": True}}}


async def test_a_guarded_tool_call_pauses_until_approved_then_runs(
    user: User, fake_openai: FakeOpenAI, worker: Any
) -> None:
    agent = await user.agent("careful", tools=["Core.think"], settings=GUARDED)
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "delete all"})]),
        Reply(text="Done after approval"),
    )

    answer = await user.run(agent, "Clean up", mode="tracked")

    assert answer["status"] == "paused" and answer["pause_reason"] == "approval"
    run = await user.get(f"/api/runs/{answer['run_id']}")
    (pending,) = run["pending_approval"]
    assert pending["request"]["tool"] == "Core.think"
    assert pending["request"]["arguments"] == {"thought": "delete all"}
    assert pending["kind"] == "tool_call" and pending["step_key"] == "1.tool.0"

    await user.post(f"/api/runs/{run['id']}/approve", {"comment": "fine"}, expect=200)
    run = await user.final(run["id"], statuses=("succeeded", "failed"))

    assert run["status"] == "succeeded", run
    assert run["node_runs"][1]["output"]["out"]["answer"] == "Done after approval"
    assert len(fake_openai.requests) == 2  # the first model call was not repeated
    trace = await user.get(f"/api/runs/{run['id']}/trace")
    latest = [s for s in trace["tree"][1]["children"] if s["node_id"].startswith("agent#2")]
    tool = next(s for s in latest if s["kind"] == "tool_call")
    assert tool["status"] == "succeeded"
    assert tool["output"]["ports"] == {"out": {"thought": "delete all"}}


async def test_a_rejected_tool_call_tells_the_model_why(
    user: User, fake_openai: FakeOpenAI, worker: Any
) -> None:
    agent = await user.agent("rebuked", tools=["Core.think"], settings=GUARDED)
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "drop tables"})]),
        Reply(text="Understood, I will not."),
    )
    answer = await user.run(agent, "Clean up", mode="tracked")

    await user.post(f"/api/runs/{answer['run_id']}/reject", {"comment": "too risky"}, expect=200)
    run = await user.final(answer["run_id"], statuses=("succeeded", "failed"))

    assert run["node_runs"][1]["output"]["out"]["answer"] == "Understood, I will not."
    feedback = json.loads(fake_openai.requests[1].body["messages"][-1]["content"])
    assert feedback == {
        "error": "ToolRejectedError",
        "message": "a human rejected this call of Core.think",
        "comment": "too risky",
    }


def _approval_graph(name: str) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "gate", "type": "Core.approval",
             "params": {"message": "Pay {{ trigger.amount }}?"}},
            {"id": "paid", "type": "Core.set", "params": {"values": {"paid": True}}},
            {"id": "refused", "type": "Core.set", "params": {"values": {"paid": False}}},
        ],
        "edges": [
            {"source": "start", "sourcePort": "out", "target": "gate", "targetPort": "in"},
            {"source": "gate", "sourcePort": "approved", "target": "paid", "targetPort": "in"},
            {"source": "gate", "sourcePort": "rejected", "target": "refused", "targetPort": "in"},
        ],
    }  # fmt: skip


async def test_an_approval_node_pauses_the_graph_and_routes_the_decision(
    user: User, worker: Any
) -> None:
    graph = await user.post("/api/graphs", _approval_graph("payment"), expect=201)
    started = await user.post(
        f"/api/graphs/{graph['id']}/runs", {"inputs": {"amount": 30}, "mode": "sync"}, expect=200
    )
    assert started["status"] == "paused" and started["pause_reason"] == "approval"
    (pending,) = started["pending_approval"]
    assert pending["node_id"] == "gate"
    assert pending["request"]["message"] == "Pay 30?"

    await user.post(f"/api/runs/{started['id']}/reject", {"comment": "no budget"}, expect=200)
    run = await user.final(started["id"], statuses=("succeeded", "failed"))

    assert run["status"] == "succeeded", run
    states = {n["node_id"]: n["status"] for n in run["node_runs"]}
    assert states == {"start": "succeeded", "gate": "succeeded", "paid": "skipped",
                      "refused": "succeeded"}  # fmt: skip
    gate = next(n for n in run["node_runs"] if n["node_id"] == "gate")
    assert gate["output"]["rejected"]["comment"] == "no budget"


async def test_approving_a_run_that_waits_for_nothing_is_a_conflict(user: User) -> None:
    graph = await user.post("/api/graphs", _approval_graph("no-wait") | {
        "nodes": [{"id": "start", "type": "Manual.trigger"}], "edges": []}, expect=201)  # fmt: skip
    run = await user.post(f"/api/graphs/{graph['id']}/runs", {"mode": "sync"}, expect=200)

    response = await user.api.post(f"/api/runs/{run['id']}/approve", headers=user.headers)

    assert response.status_code == 409


def _guarded_graph(name: str) -> dict[str, Any]:
    guarded = {"id": "send", "type": "Core.set", "params": {"values": {"sent": "{{ trigger.to }}"}},
               "settings": {"requires_approval": True}}  # fmt: skip
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [{"id": "start", "type": "Manual.trigger"}, guarded],
        "edges": [{"source": "start", "sourcePort": "out", "target": "send", "targetPort": "in"}],
    }


async def test_a_node_marked_requires_approval_runs_only_once_approved(
    user: User, worker: Any
) -> None:
    graph = await user.post("/api/graphs", _guarded_graph("guarded"), expect=201)
    runs = [
        await user.post(f"/api/graphs/{graph['id']}/runs",
                        {"inputs": {"to": "bob"}, "mode": "queue"}, expect=202)
        for _ in range(2)
    ]  # fmt: skip
    paused = [await user.final(r["id"]) for r in runs]
    assert [p["status"] for p in paused] == ["paused", "paused"]
    assert paused[0]["pending_approval"][0]["request"] == {
        "node_id": "send", "node_type": "Core.set", "params": {"values": {"sent": "bob"}},
    }  # fmt: skip

    await user.post(f"/api/runs/{paused[0]['id']}/approve", expect=200)
    await user.post(f"/api/runs/{paused[1]['id']}/reject", {"comment": "not bob"}, expect=200)
    approved, rejected = [await user.final(p["id"], statuses=("succeeded", "failed"))
                          for p in paused]  # fmt: skip

    assert approved["status"] == "succeeded" and approved["output"] == {"send": {"sent": "bob"}}
    assert rejected["status"] == "failed"
    assert rejected["error"]["type"] == "ApprovalRejectedError"
    assert rejected["error"]["details"]["comment"] == "not bob"
