"""/api/agents: CRUD over the seed's fields, ownership, validation; Anthropic agents; live steps."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from kyra.crypto import decrypt_text
from kyra.db.models import AiAgent
from tests.conftest import LiveServer
from tests.fakes.anthropic import FakeAnthropic
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User


async def test_agents_are_created_read_updated_and_deleted_with_a_write_only_secret(
    user: User, owner: Any, session_factory: Any
) -> None:
    created = await user.agent(
        "crud", tools=["HTTP.request", "Core.think"], memory_schema={"short_window": 6},
        temperature=0.2, max_iterations=7, webhook_secret="s3cret-value",
    )  # fmt: skip

    assert created["tools"] == ["HTTP.request", "Core.think"]
    assert (created["model"], created["max_iterations"], created["temperature"]) == ("auto", 7, 0.2)
    assert created["has_webhook_secret"] is True and "webhook_secret" not in created
    assert created["settings"]["max_depth"] == 3
    async with session_factory() as session:
        stored = (await session.get(AiAgent, uuid.UUID(created["id"]))).webhook_secret
    assert "s3cret" not in stored and decrypt_text(stored.encode()) == "s3cret-value"
    assert (await user.get("/api/agents/crud"))["id"] == created["id"]
    assert [a["name"] for a in await user.get("/api/agents")] == ["crud"]

    response = await user.api.patch(
        f"/api/agents/{created['id']}", json={"temperature": 1.1, "settings": {"max_depth": 1}},
        headers=user.headers,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["temperature"] == 1.1 and response.json()["settings"]["max_depth"] == 1
    lax = await user.api.patch(
        f"/api/agents/{created['id']}", json={"settings": {"max_depth": True}}, headers=user.headers
    )
    assert lax.status_code == 400 and "max_depth" in lax.text

    stranger = {"X-API-Key": owner.api_key}  # the user fixture is another, fresh owner
    assert (await user.api.get(f"/api/agents/{created['id']}", headers=stranger)).status_code == 404
    deleted = await user.api.delete(f"/api/agents/{created['id']}", headers=user.headers)
    assert deleted.status_code == 204
    assert (await user.api.get("/api/agents/crud", headers=user.headers)).status_code == 404


async def test_agent_names_are_unique_and_tools_must_exist(user: User) -> None:
    await user.agent("twin")

    duplicate = await user.api.post("/api/agents", json={"name": "twin"}, headers=user.headers)
    unknown = await user.api.post(
        "/api/agents", json={"name": "fantasist", "tools": ["Core.think", "Nope.tool", "agent:x"]},
        headers=user.headers,
    )  # fmt: skip
    trigger = await user.api.post(
        "/api/agents", json={"name": "trigger-happy", "tools": ["Manual.trigger"]},
        headers=user.headers,
    )  # fmt: skip

    assert duplicate.status_code == 409
    assert unknown.status_code == 400
    assert [e["field"] for e in unknown.json()["errors"]] == ["tools[1]", "tools[2]"]
    assert trigger.status_code == 400


async def test_an_agent_on_anthropic_gets_tool_results_in_anthropic_format(
    user: User, fake_anthropic: FakeAnthropic
) -> None:
    provider = await user.post(
        "/api/llm/providers",
        {"name": "fake-anthropic", "kind": "anthropic", "base_url": fake_anthropic.base_url,
         "api_key": "sk-ant"}, expect=201,
    )  # fmt: skip
    model = {"provider_id": provider["id"], "model_key": "claude-sonnet-4-5",
             "input_cost_per_1k": "0.003", "output_cost_per_1k": "0.015",
             "capabilities": {"tools": True}}  # fmt: skip
    await user.post("/api/llm/models", model, expect=201)
    agent = await user.agent("claude", tools=["Core.think"], model="claude-sonnet-4-5",
                             provider="fake-anthropic")  # fmt: skip
    fake_anthropic.script(
        Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "hmm"}, id="toolu_1")],
              usage=(100, 20)),
        Reply(text="Thought it through.", usage=(130, 5)),
    )  # fmt: skip

    answer = await user.run(agent, "Reflect")

    assert answer["answer"] == "Thought it through."
    assert answer["cost_usd"] == 0.001065  # (230 * 0.003 + 25 * 0.015) / 1000
    first, second = (r.body for r in fake_anthropic.requests)
    assert first["system"] == "You are claude." and first["tools"][0]["name"] == "Core__think"
    result = second["messages"][-1]["content"][0]
    assert (result["type"], result["tool_use_id"]) == ("tool_result", "toolu_1")


async def test_agent_steps_stream_as_step_events_while_the_run_goes(
    user: User, fake_openai: FakeOpenAI, live_server: LiveServer
) -> None:
    # The tool call waits for approval until the stream is open, so no step can come too early.
    # (A real server: the in-process transport only returns a response once it is complete.)
    guarded = {"tool_settings": {"Core.wait": {"requires_approval": True}}}
    agent = await user.agent("streamer", tools=["Core.wait"], settings=guarded)
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Core__wait", {"seconds": 0.2})]), Reply(text="waited")
    )
    started = await user.run(agent, "Wait a moment", mode="queue")
    assert (await user.final(started["run_id"]))["status"] == "paused"

    steps: list[dict[str, Any]] = []
    async with (
        httpx.AsyncClient(base_url=live_server.url, headers=user.headers) as client,
        client.stream("GET", f"/api/runs/{started['run_id']}/events", timeout=120) as response,
    ):
        event = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "snapshot" and not steps:
                await user.post(f"/api/runs/{started['run_id']}/approve", {}, expect=200)
                steps.append({})
            elif line.startswith("data:") and event == "step":
                steps.append(json.loads(line.split(":", 1)[1]))

    seen = {(s["kind"], s["step_key"], s["status"]) for s in steps[1:]}
    assert ("tool_call", "1.tool.0", "succeeded") in seen
    assert {("llm_call", "2.llm", "running"), ("llm_call", "2.llm", "succeeded")} <= seen
    assert all(s["parent_node_run_id"] for s in steps[1:])


async def test_a_graph_whose_inline_agent_names_an_unknown_tool_is_refused_on_save(
    user: User,
) -> None:
    document = {
        "schema": "kyra.graph/1",
        "name": "bad-agent",
        "nodes": [{"id": "agent", "type": "AI.agent",
                   "params": {"goal": "x", "tools": ["Core.think", "Gmail.send", "agent:any"]}}],
    }  # fmt: skip

    response = await user.api.post("/api/graphs", json=document, headers=user.headers)

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["node_id"], error["field"]) == ("agent", "params.tools")
    assert "'Gmail.send' is not a node type that can be a tool" in error["message"]
