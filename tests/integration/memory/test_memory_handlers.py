"""The five memory handlers as graph nodes (sync runs) and as tools of an agent."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kyra.memory.backends.base import NewMemory
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User
from tests.integration.memory.conftest import FAKE_EMBEDDING, ManagerFactory

MEMORY = {"long_backend": "postgres", "embedding": FAKE_EMBEDDING}


async def _run(
    user: User, name: str, nodes: list[dict[str, Any]], *, mode: str = "sync"
) -> dict[str, Any]:
    """Run trigger → nodes (a chain) in ``mode``; the node outputs by id."""
    chain = [{"id": "start", "type": "Manual.trigger", "params": {}}, *nodes]
    document = {
        "schema": "kyra.graph/1", "name": name,
        "nodes": [{**n, "position": {"x": 240 * i, "y": 0}} for i, n in enumerate(chain)],
        "edges": [{"source": a["id"], "sourcePort": "out", "target": b["id"], "targetPort": "in"}
                  for a, b in itertools.pairwise(chain)],
    }  # fmt: skip
    graph = await user.post("/api/graphs", document, expect=201)
    run = await user.post(
        f"/api/graphs/{graph['id']}/runs", {"mode": mode}, expect=200 if mode == "sync" else 202
    )
    if mode == "queue":
        run = await user.final(run["id"])
    assert run["status"] == "succeeded", [n["error"] for n in run["node_runs"] if n["error"]]
    return {n["node_id"]: (n["output"] or {}).get("out") for n in run["node_runs"]}


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_the_memory_nodes_store_and_find_memories_of_a_named_agent(
    memory_user: User, mode: str, worker: Any
) -> None:
    await memory_user.agent("keeper", memory_schema=MEMORY)
    nodes = [
        {"id": "name", "type": "Memory.core",
         "params": {"agent": "keeper", "action": "set", "key": "user_name", "value": "Ada"}},
        {"id": "event", "type": "Memory.episodic",
         "params": {"agent": "keeper", "action": "record", "content": "Ada ordered green tea"}},
        {"id": "fact", "type": "Memory.semantic",
         "params": {"agent": "keeper", "action": "add", "subject": "Ada", "relation": "drinks",
                    "object": "green tea"}},
        {"id": "recall", "type": "Memory.episodic",
         "params": {"agent": "keeper", "content": "what did Ada order?"}},
        {"id": "graph", "type": "Memory.semantic",
         "params": {"agent": "keeper", "action": "neighbourhood", "entity": "ada"}},
        {"id": "find", "type": "Memory.search",
         "params": {"agent": "keeper", "query": "green tea", "strategy": "fused"}},
    ]  # fmt: skip

    out = await _run(memory_user, "memory nodes", nodes, mode=mode)

    assert out["name"] == {"facts": {"user_name": "Ada"}, "changed": True}
    assert out["recall"]["episodes"][0]["content"] == "Ada ordered green tea"
    assert [f["object"] for f in out["graph"]["facts"]] == ["green tea"]
    found = out["find"]["results"]
    assert {r["strategy"] for r in found} == {"fused"}
    assert {r["kind"] for r in found} == {"episodic", "semantic"}


async def test_compression_replaces_old_memories_with_a_costed_summary_keeping_links(
    memory_user: User, managers: ManagerFactory, fake_openai: FakeOpenAI
) -> None:
    _, manager = await managers("hoarder", compression_strategy="importance_based")
    long_ago = datetime.now(UTC) - timedelta(days=30)
    old = await manager.store([
        NewMemory(kind="note", content=f"Minor detail {i}", importance=0.1, occurred_at=long_ago)
        for i in range(3)
    ])  # fmt: skip
    (kept,) = await manager.store([NewMemory(kind="note", content="Key fact", importance=0.9)])
    fake_openai.script(Reply(text="Three minor details, 0 to 2.", usage=(100, 20)))

    out = await _run(memory_user, "compress", [
        {"id": "squeeze", "type": "Memory.compress", "params": {"agent": "hoarder"}},
    ])  # fmt: skip

    result = out["squeeze"]
    assert [m["id"] for m in result["merged"]] == [m.id for m in old]
    assert result["summary"]["content"] == "Three minor details, 0 to 2."
    assert result["summary"]["metadata"]["merged_from"] == result["merged"]
    assert result["cost_usd"] == 0.00014  # 100 input, 20 output tokens at the fake's prices
    remaining = await manager.listing(kinds=["note", "summary"], limit=10, offset=0)
    assert sorted(m.id for m in remaining) == sorted([kept.id, result["summary"]["id"]])


async def test_an_agent_uses_memory_tools_and_sees_its_core_facts_next_time(
    memory_user: User, fake_openai: FakeOpenAI
) -> None:
    agent = await memory_user.agent(
        "concierge", memory_schema=MEMORY, tools=["Memory.core", "Memory.search"]
    )
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Memory__core", {"action": "set", "key": "city",
                                                            "value": "Lisbon"})]),
        Reply(text="I will remember Lisbon."),
        Reply(text="You live in Lisbon."),
    )  # fmt: skip

    await memory_user.run(agent, "I live in Lisbon.", mode="tracked")
    await memory_user.run(agent, "Where do I live?", mode="tracked")

    chats = [r for r in fake_openai.requests if r.path == "/v1/chat/completions"]
    tool_names = [t["function"]["name"] for t in chats[0].body["tools"]]
    assert tool_names == ["Memory__core", "Memory__search"]
    assert "- city: Lisbon" in chats[2].body["messages"][0]["content"]


async def test_memory_nodes_need_an_agent_with_long_term_memory(memory_user: User) -> None:
    await memory_user.agent("amnesiac")
    chain = [{"id": "start", "type": "Manual.trigger", "params": {}},
             {"id": "event", "type": "Memory.episodic",
              "params": {"agent": "amnesiac", "action": "record", "content": "x"}}]  # fmt: skip
    document = {"schema": "kyra.graph/1", "name": "no memory",
                "nodes": [{**n, "position": {"x": 0, "y": 0}} for n in chain],
                "edges": [{"source": "start", "sourcePort": "out", "target": "event",
                           "targetPort": "in"}]}  # fmt: skip
    graph = await memory_user.post("/api/graphs", document, expect=201)
    run = await memory_user.post(f"/api/graphs/{graph['id']}/runs", {"mode": "sync"}, expect=200)

    assert run["status"] == "failed"
    assert "long_backend" in run["node_runs"][1]["error"]["message"]
