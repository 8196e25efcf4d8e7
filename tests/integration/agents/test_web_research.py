"""Web.research against a local fake SearXNG: cited sources, pages read through the SSRF guard."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.openai import FakeOpenAI
from tests.fakes.searxng import FakeSearxng, Page
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User

PAGES = [
    Page("Kyra Flow", "A visual workflow builder.",
         "<html><script>var x = 1;</script><p>Nothing here. Kyra Flow runs agents with tools. "
         "It is written in Python.</p></html>"),
    Page("Internal", "Should never be read.", url="http://10.11.12.13/secrets"),
]  # fmt: skip


@pytest.fixture(scope="module")
def searxng() -> Iterator[FakeSearxng]:
    server = FakeSearxng(pages=PAGES).start()
    yield server
    server.stop()


def _graph(endpoint: str) -> dict[str, Any]:
    params = {"query": "{{ trigger.q }}", "endpoint": endpoint, "read_pages": 2}
    return {
        "schema": "kyra.graph/1",
        "name": "research",
        "nodes": [{"id": "start", "type": "Manual.trigger"},
                  {"id": "search", "type": "Web.research", "params": params}],
        "edges": [{"source": "start", "sourcePort": "out", "target": "search",
                   "targetPort": "in"}],
    }  # fmt: skip


async def test_research_returns_cited_sources_and_never_reads_internal_pages(
    user: User, searxng: FakeSearxng
) -> None:
    graph = await user.post("/api/graphs", _graph(searxng.url), expect=201)

    body = {"inputs": {"q": "agents tools"}, "mode": "sync"}
    run = await user.post(f"/api/graphs/{graph['id']}/runs", body, expect=200)

    assert run["status"] == "succeeded", run
    out = run["output"]["search"]
    first, internal = out["sources"]
    assert (first["id"], first["title"], first["snippet"]) == (1, "Kyra Flow", PAGES[0].snippet)
    assert first["excerpt"] == "Kyra Flow runs agents with tools."
    assert internal["excerpt"] is None  # 10.0.0.0/8 is refused by the SSRF guard
    assert out["citations"].splitlines()[0] == f"[1] Kyra Flow — {searxng.url}/page/0"
    assert "agents tools" in searxng.queries


async def test_an_agent_researches_with_the_endpoint_from_its_tool_credentials(
    user: User, searxng: FakeSearxng, fake_openai: FakeOpenAI
) -> None:
    credential = await user.post(
        "/api/credentials",
        {"name": "searx", "kind": "search_api", "data": {"endpoint": searxng.url}}, expect=201,
    )  # fmt: skip
    settings = {
        "tool_settings": {"Web.research": {"credentials": {"search_api": credential["id"]}}}
    }
    agent = await user.agent("researcher", tools=["Web.research"], settings=settings)
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Web__research", {"query": "kyra python",
                                                             "read_pages": 1})]),
        Reply(text="Kyra Flow is written in Python [1]."),
    )  # fmt: skip

    answer = await user.run(agent, "What language is Kyra Flow written in?")

    assert answer["answer"] == "Kyra Flow is written in Python [1]."
    result = json.loads(fake_openai.requests[1].body["messages"][-1]["content"])
    assert (
        result["sources"][0]["excerpt"]
        == "Kyra Flow runs agents with tools. It is written in Python."
    )
    assert "kyra python" in searxng.queries
