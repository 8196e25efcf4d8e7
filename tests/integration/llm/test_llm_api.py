"""The LLM and analytics endpoints on the full app, each test as a fresh user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.context.llm import ChatMessage, ChatRequest
from kyra.db.models import Graph, GraphVersion, Run
from kyra.services.llm import RunLLM
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.integration.llm.llm_rows import MINI, add_fake_provider, make_run

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
def as_user(other_owner: Any, llm_sessions: Sessions) -> dict[str, str]:
    """Headers authenticating as a fresh user (on a database with the catalogue seeded)."""
    return {"X-API-Key": other_owner.api_key}


async def test_a_provider_key_is_write_only(
    api: httpx.AsyncClient, as_user: dict[str, str]
) -> None:
    body = {"name": "work", "kind": "openai", "api_key": "sk-very-secret-123"}

    created = await api.post("/api/llm/providers", json=body, headers=as_user)
    listed = await api.get("/api/llm/providers", headers=as_user)

    assert created.status_code == 201
    assert created.json()["has_api_key"] is True and created.json()["shared"] is False
    assert {"openai", "anthropic", "work"} <= {p["name"] for p in listed.json()}
    assert "sk-very-secret" not in created.text + listed.text
    again = await api.post("/api/llm/providers", json=body, headers=as_user)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "mistral"}, "kind"),
        ({"name": "x", "kind": "openai_compatible"}, ""),
        ({"name": "x", "kind": "openai", "base_url": "ftp://nope"}, "base_url"),
        ({"name": "", "kind": "openai"}, "name"),
    ],
)
async def test_bad_providers_are_refused_naming_the_field(
    api: httpx.AsyncClient, as_user: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await api.post("/api/llm/providers", json=body, headers=as_user)

    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_models_are_added_listed_and_repriced_with_history(
    api: httpx.AsyncClient, as_user: dict[str, str]
) -> None:
    provider = (
        await api.post(
            "/api/llm/providers",
            json={
                "name": "local",
                "kind": "openai_compatible",
                "base_url": "http://127.0.0.1:11434/v1",
            },
            headers=as_user,
        )
    ).json()
    model = {
        "provider_id": provider["id"],
        "model_key": "llama3.1:8b",
        "context_length": 131072,
        "input_cost_per_1k": "0",
        "output_cost_per_1k": "0",
        "capabilities": {"tools": True},
    }

    created = await api.post("/api/llm/models", json=model, headers=as_user)
    repriced = await api.put(
        f"/api/llm/models/{created.json()['id']}",
        json={"input_cost_per_1k": "0.0001"},
        headers=as_user,
    )
    listed = await api.get(
        "/api/llm/models", params={"provider_id": provider["id"]}, headers=as_user
    )

    assert created.status_code == 201 and created.json()["context_length"] == 131072
    assert repriced.status_code == 200 and repriced.json()["input_cost_per_1k"] == 0.0001
    assert [(m["model_key"], m["input_cost_per_1k"]) for m in listed.json()] == [
        ("llama3.1:8b", 0.0001)
    ]
    bad = await api.put(
        f"/api/llm/models/{created.json()['id']}", json={"context_length": -1}, headers=as_user
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "context_length"


async def test_the_shared_catalogue_is_listed_but_only_admins_edit_it(
    api: httpx.AsyncClient, as_user: dict[str, str]
) -> None:
    models = (await api.get("/api/llm/models", headers=as_user)).json()
    gpt4o = next(m for m in models if m["model_key"] == "gpt-4o")

    response = await api.put(
        f"/api/llm/models/{gpt4o['id']}", json={"is_recommended": False}, headers=as_user
    )

    assert gpt4o["shared"] and gpt4o["input_cost_per_1k"] == 0.0025
    assert gpt4o["capabilities"]["vision"] is True
    assert response.status_code == 403


async def test_recommendations_explain_their_ranking(
    api: httpx.AsyncClient, as_user: dict[str, str]
) -> None:
    response = await api.get(
        "/api/llm/recommendations",
        params={"use_case": "multimodal", "budget": "low"},
        headers=as_user,
    )

    ranked = response.json()
    assert response.status_code == 200 and ranked
    assert all(r["typical_call_usd"] < 0.01 for r in ranked)
    assert set(ranked[0]["components"]) == {"use_case", "cost", "performance", "recommended"}
    assert ranked[0]["explanation"].startswith(ranked[0]["model"])
    bad = await api.get("/api/llm/recommendations", params={"budget": "infinite"}, headers=as_user)
    assert bad.status_code == 400 and "budget" in bad.text


async def test_select_explains_the_auto_choice_for_a_prompt(
    api: httpx.AsyncClient, as_user: dict[str, str]
) -> None:
    response = await api.post(
        "/api/llm/select", json={"prompt": "Describe this picture", "vision": True}, headers=as_user
    )

    choice = response.json()
    assert response.status_code == 200
    assert choice["explanation"].startswith(choice["model"])
    assert choice["ranking"][0]["model"] == choice["model"]
    assert choice["excluded"]["o3-mini"] == ["no vision support"]
    empty = await api.post("/api/llm/select", json={"prompt": ""}, headers=as_user)
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "prompt"


async def test_usage_is_grouped_by_model_graph_agent_and_day(
    api: httpx.AsyncClient,
    llm_sessions: Sessions,
    other_owner: Any,
    as_user: dict[str, str],
    fake_openai: FakeOpenAI,
) -> None:
    big = {
        **MINI,
        "model_key": "gpt-4.1",
        "input_cost_per_1k": Decimal("0.002"),
        "output_cost_per_1k": Decimal("0.008"),
    }
    await add_fake_provider(
        llm_sessions,
        other_owner.id,
        kind="openai",
        base_url=fake_openai.base_url,
        models=[MINI, big],
    )
    rows = await make_run(llm_sessions, other_owner.id)
    fake_openai.script(Reply(usage=(1000, 500)), Reply(usage=(1000, 500)), Reply(usage=(2000, 100)))
    llm = RunLLM(
        session_factory=llm_sessions,
        owner_id=other_owner.id,
        run_id=rows.run_id,
        graph_id=rows.graph_id,
        agent_id=rows.agent_id,
    )
    for model in ("gpt-4o-mini", "gpt-4o-mini", "gpt-4.1"):
        await llm.chat(
            ChatRequest(
                model=model, messages=[ChatMessage(role="user", content="hi")], max_tokens=600
            )
        )

    by_model = (
        await api.get("/api/analytics/usage", params={"group_by": "model"}, headers=as_user)
    ).json()
    by_day = (
        await api.get("/api/analytics/usage", params={"group_by": "day"}, headers=as_user)
    ).json()
    by_agent = (
        await api.get("/api/analytics/usage", params={"group_by": "agent"}, headers=as_user)
    ).json()

    # mini: 2 * (1000 * 0.001 + 500 * 0.002) / 1000 = 0.004
    # gpt-4.1: (2000 * 0.002 + 100 * 0.008) / 1000 = 0.0048
    assert [(r["key"], r["calls"], r["input_tokens"], r["cost_usd"]) for r in by_model["rows"]] == [
        ("gpt-4.1", 1, 2000, 0.0048),
        ("gpt-4o-mini", 2, 2000, 0.004),
    ]
    assert by_model["totals"]["cost_usd"] == 0.0088 and by_model["totals"]["calls"] == 3
    assert len(by_day["rows"]) == 1 and by_day["rows"][0]["key"].startswith(
        datetime.now(UTC).date().isoformat()
    )
    assert by_agent["rows"][0]["key"] == str(rows.agent_id) and by_agent["rows"][0]["calls"] == 3
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert (
        await api.get("/api/analytics/usage", params={"since": future}, headers=as_user)
    ).json()["rows"] == []
    bad = await api.get("/api/analytics/usage", params={"group_by": "planet"}, headers=as_user)
    assert bad.status_code == 400 and "group_by" in bad.text
    assert (
        await api.get("/api/analytics/usage", params={"scope": "all"}, headers=as_user)
    ).status_code == 403


async def test_run_analytics_give_success_rates_and_duration_percentiles(
    api: httpx.AsyncClient, llm_sessions: Sessions, other_owner: Any, as_user: dict[str, str]
) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with llm_sessions.begin() as session:
        graph = Graph(owner_id=other_owner.id, name="stats")
        session.add(graph)
        await session.flush()
        version = GraphVersion(graph_id=graph.id, version=1, document={})
        session.add(version)
        await session.flush()
        for seconds, status in [
            (1, "succeeded"),
            (2, "succeeded"),
            (3, "succeeded"),
            (4, "failed"),
            (None, "running"),
        ]:
            session.add(
                Run(
                    owner_id=other_owner.id,
                    graph_id=graph.id,
                    graph_version_id=version.id,
                    status=status,
                    started_at=start,
                    finished_at=start + timedelta(seconds=seconds) if seconds else None,
                )
            )

    response = await api.get("/api/analytics/runs", params={"group_by": "graph"}, headers=as_user)

    [row] = response.json()["rows"]
    assert (row["label"], row["runs"], row["succeeded"], row["failed"], row["running"]) == (
        "stats",
        5,
        3,
        1,
        1,
    )
    assert row["success_rate"] == 0.75
    assert row["p50_ms"] == pytest.approx(2500) and row["p99_ms"] == pytest.approx(3970)
