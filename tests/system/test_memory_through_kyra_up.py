"""The five memory node types through the processes ``kyra up`` starts (uvicorn, a real
Dramatiq worker) in sync and queue mode: an agent's memories written and read back by a graph,
embeddings and the compression summary served by the fake OpenAI provider."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.system.stack import KyraStack, Mode

CHAT_MODEL = {"model_key": "gpt-4o-mini", "input_cost_per_1k": "0.001",
              "output_cost_per_1k": "0.002", "capabilities": {"tools": True},
              "is_recommended": True}  # fmt: skip
EMBEDDING_MODEL = {"model_key": "text-embedding-3-small", "input_cost_per_1k": "0.00002",
                   "output_cost_per_1k": "0", "capabilities": {"embeddings": True}}  # fmt: skip
LONG_AGO = "2020-01-01T00:00:00Z"
SUMMARY = "Ada's early orders: black tea and a scone."


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def provider(kyra_stack: KyraStack, fake_openai: FakeOpenAI) -> str:
    """An OpenAI provider of the stack's user pointing at the fake, with a chat and an
    embedding model; its name."""
    name = f"fake-{uuid.uuid4().hex[:6]}"
    body = {"name": name, "kind": "openai", "base_url": fake_openai.base_url, "api_key": "sk-x"}
    created = kyra_stack.client.post("/api/llm/providers", json=body)
    assert created.status_code == 201, created.text
    for model in (CHAT_MODEL, EMBEDDING_MODEL):
        added = kyra_stack.client.post(
            "/api/llm/models", json={"provider_id": created.json()["id"], **model}
        )
        assert added.status_code == 201, added.text
    return name


def _graph(agent: str) -> dict[str, Any]:
    """Trigger → every memory node, in a chain (each node's output is read back by id)."""

    def node(node_id: str, kind: str, **params: Any) -> dict[str, Any]:
        return {"id": node_id, "type": f"Memory.{kind}", "params": {"agent": agent, **params}}

    chain = [
        {"id": "start", "type": "Manual.trigger", "params": {}},
        node("name", "core", action="set", key="user_name", value="Ada"),
        node("old1", "episodic", action="record", content="Ada ordered black tea",
             occurred_at=LONG_AGO, importance=0.1),
        node("old2", "episodic", action="record", content="Ada ordered a scone",
             occurred_at=LONG_AGO, importance=0.1),
        node("event", "episodic", action="record", content="Ada ordered green tea",
             importance=0.9),
        node("fact", "semantic", action="add", subject="Ada", relation="drinks",
             object="green tea"),
        node("recall", "episodic", action="recall", content="green tea", limit=1),
        node("graph", "semantic", action="neighbourhood", entity="ada"),
        node("find", "search", query="green tea", strategy="fused"),
        node("squeeze", "compress", strategy="importance_based", max_importance=0.5),
        node("facts", "core", action="read"),
    ]  # fmt: skip
    return {
        "schema": "kyra.graph/1",
        "name": f"memory-{agent}",
        "nodes": [{**n, "position": {"x": 200 * i, "y": 0}} for i, n in enumerate(chain)],
        "edges": [{"source": a["id"], "sourcePort": "out", "target": b["id"], "targetPort": "in"}
                  for a, b in itertools.pairwise(chain)],
    }  # fmt: skip


@pytest.mark.parametrize("mode", ["sync", "queue"])
def test_memory_nodes_store_search_and_compress(
    kyra_stack: KyraStack, fake_openai: FakeOpenAI, provider: str, mode: Mode
) -> None:
    name = f"keeper-{mode}-{uuid.uuid4().hex[:6]}"
    schema = {"long_backend": "postgres", "embedding": {"provider": provider,
              "model": "text-embedding-3-small"}}  # fmt: skip
    agent = kyra_stack.client.post(
        "/api/agents", json={"name": name, "default_prompt": "You remember.",
                             "memory_schema": schema},
    )  # fmt: skip
    assert agent.status_code == 201, agent.text
    fake_openai.script(Reply(text=SUMMARY, usage=(100, 20)))
    graph = kyra_stack.create_graph(_graph(name))

    run = kyra_stack.run(graph, mode, timeout=180)

    assert run["status"] == "succeeded", [n["error"] for n in run["node_runs"] if n["error"]]
    out = {n["node_id"]: (n["output"] or {}).get("out") for n in run["node_runs"]}
    assert out["name"] == {"facts": {"user_name": "Ada"}, "changed": True}
    assert [e["content"] for e in out["recall"]["episodes"]] == ["Ada ordered green tea"]
    assert [(f["subject"], f["object"]) for f in out["graph"]["facts"]] == [("Ada", "green tea")]
    found = out["find"]["results"]
    assert {r["strategy"] for r in found} == {"fused"}
    assert {"Ada ordered green tea", "Ada drinks green tea"} <= {r["content"] for r in found}
    merged = [m["id"] for m in out["squeeze"]["merged"]]
    assert sorted(merged) == sorted(out[n]["stored"]["id"] for n in ("old1", "old2"))
    assert out["squeeze"]["cost_usd"] > 0
    assert out["squeeze"]["summary"]["content"] == SUMMARY
    assert out["facts"]["facts"] == {"user_name": "Ada"}
    # What the graph stored is what the API serves afterwards.
    agent_id = agent.json()["id"]
    stored = kyra_stack.client.get(f"/api/agents/{agent_id}/memories", params={"limit": 50})
    assert stored.status_code == 200, stored.text
    contents = sorted(m["content"] for m in stored.json())
    assert contents == sorted(["Ada", SUMMARY, "Ada ordered green tea", "Ada drinks green tea"])
