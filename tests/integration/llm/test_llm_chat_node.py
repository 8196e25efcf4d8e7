"""The ``AI.chat`` node in graphs run through the API, with a provider pointing at the fake."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply

Sessions = async_sessionmaker[AsyncSession]


def _graph(name: str, chat_params: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "ask", "type": "AI.chat", "params": chat_params},
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": "ask", "targetPort": "in"}],
    }


@pytest.fixture
async def as_user(
    api: httpx.AsyncClient, other_owner: Any, llm_sessions: Sessions, fake_openai: FakeOpenAI
) -> dict[str, str]:
    """A fresh user whose OpenAI provider is the fake, with a cheap gpt-4o-mini."""
    headers = {"X-API-Key": other_owner.api_key}
    provider = await api.post(
        "/api/llm/providers",
        json={
            "name": "fake",
            "kind": "openai",
            "base_url": fake_openai.base_url,
            "api_key": "sk-x",
        },
        headers=headers,
    )
    model = {
        "provider_id": provider.json()["id"],
        "model_key": "gpt-4o-mini",
        "input_cost_per_1k": "0.001",
        "output_cost_per_1k": "0.002",
        "capabilities": {"json_mode": True},
        "is_recommended": True,
    }
    assert (await api.post("/api/llm/models", json=model, headers=headers)).status_code == 201
    return headers


async def _run(
    api: httpx.AsyncClient, headers: dict[str, str], graph: dict[str, Any], **run: Any
) -> dict[str, Any]:
    created = await api.post("/api/graphs", json=graph, headers=headers)
    assert created.status_code == 201, created.text
    started = await api.post(f"/api/graphs/{created.json()['id']}/runs", json=run, headers=headers)
    assert started.status_code in (200, 202), started.text
    return started.json()


async def test_a_chat_node_outputs_text_usage_and_cost(
    api: httpx.AsyncClient, as_user: dict[str, str], fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(Reply(text="Bonjour Ada", usage=(1000, 500)))
    params = {
        "system": "Translate to French.",
        "prompt": "Hello {{ trigger.name }}",
        "model": "auto",
    }

    run = await _run(api, as_user, _graph("translate", params), inputs={"name": "Ada"}, mode="sync")

    assert run["status"] == "succeeded", run
    out = next(n for n in run["node_runs"] if n["node_id"] == "ask")["output"]["out"]
    assert out["text"] == "Bonjour Ada" and out["json"] is None
    assert out["usage"]["prompt_tokens"] == 1000 and out["usage"]["completion_tokens"] == 500
    assert out["cost_usd"] == 0.002  # 1000 * 0.001 / 1000 + 500 * 0.002 / 1000
    assert out["selection"].startswith("gpt-4o-mini (fake)")
    sent = fake_openai.requests[0].body
    assert sent["messages"] == [
        {"role": "system", "content": "Translate to French."},
        {"role": "user", "content": "Hello Ada"},
    ]
    assert sent["max_completion_tokens"] == 1024


async def test_a_chat_node_parses_structured_output(
    api: httpx.AsyncClient, as_user: dict[str, str], fake_openai: FakeOpenAI
) -> None:
    schema = {"type": "object", "properties": {"sentiment": {"type": "string"}}}
    fake_openai.script(Reply(text='{"sentiment": "positive"}'))
    params = {"prompt": "I love it", "model": "gpt-4o-mini", "json_schema": schema}

    run = await _run(api, as_user, _graph("sentiment", params), mode="sync")

    out = next(n for n in run["node_runs"] if n["node_id"] == "ask")["output"]["out"]
    assert out["json"] == {"sentiment": "positive"}
    assert fake_openai.requests[0].body["response_format"]["json_schema"]["schema"] == schema


async def _final(api: httpx.AsyncClient, headers: dict[str, str], run_id: str) -> dict[str, Any]:
    for _ in range(400):
        run = (await api.get(f"/api/runs/{run_id}", headers=headers)).json()
        if run["status"] in ("paused", "failed", "succeeded"):
            return dict(run)
        await asyncio.sleep(0.05)
    raise AssertionError(f"run still {run['status']}")


async def test_a_call_over_the_budget_pauses_the_run_until_the_budget_is_raised(
    api: httpx.AsyncClient, as_user: dict[str, str], fake_openai: FakeOpenAI, worker: Any
) -> None:
    params = {"prompt": "Write a long essay", "model": "gpt-4o-mini", "max_tokens": 4000}

    started = await _run(api, as_user, _graph("essay", params), mode="queue", budget_usd=0.001)
    run = await _final(api, as_user, started["id"])

    assert fake_openai.requests == []
    assert run["status"] == "paused", run
    assert run["pause_reason"] == "budget_exceeded"
    ask = next(n for n in run["node_runs"] if n["node_id"] == "ask")
    assert ask["status"] == "paused"
    assert ask["error"]["details"]["reason"] == "budget_exceeded"

    resumed = await api.post(
        f"/api/runs/{run['id']}/resume", json={"budget_usd": 1}, headers=as_user
    )
    assert resumed.status_code == 200, resumed.text
    run = await _final(api, as_user, run["id"])
    assert run["status"] == "succeeded", run
    assert len(fake_openai.requests) == 1
    assert 0 < run["cost_usd"] <= 1


async def test_a_graph_can_fail_instead_of_pausing_on_budget(
    api: httpx.AsyncClient, as_user: dict[str, str], fake_openai: FakeOpenAI
) -> None:
    params = {"prompt": "Write a long essay", "model": "gpt-4o-mini", "max_tokens": 4000}
    graph = _graph("essay-strict", params) | {"settings": {"on_budget_exceeded": "fail"}}
    sent_before = len(fake_openai.requests)

    run = await _run(api, as_user, graph, mode="sync", budget_usd=0.001)

    assert len(fake_openai.requests) == sent_before
    assert run["status"] == "failed"
    assert run["error"]["details"]["reason"] == "budget_exceeded"
