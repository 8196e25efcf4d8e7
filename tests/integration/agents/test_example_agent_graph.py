"""graphs/agents/agent_research.json offline: a fake SearXNG searches, the fake OpenAI answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kyra.graph.validate import validate_document
from kyra.registry import default_registry
from tests.fakes.openai import FakeOpenAI
from tests.fakes.searxng import FakeSearxng, Page
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User

EXAMPLE = Path(__file__).resolve().parents[3] / "graphs" / "agents" / "agent_research.json"


@pytest.fixture(scope="module")
def searxng() -> Iterator[FakeSearxng]:
    page = Page("Boiling point", "Water boils at 100 °C.",
                "<p>At sea level, water boils at 100 degrees Celsius.</p>")  # fmt: skip
    server = FakeSearxng(pages=[page]).start()
    yield server
    server.stop()


async def test_the_research_agent_example_answers_with_citations(
    user: User, searxng: FakeSearxng, fake_openai: FakeOpenAI, worker: Any
) -> None:
    document = json.loads(EXAMPLE.read_text())
    assert validate_document(document, default_registry()) == []
    graph = await user.post("/api/graphs", document, expect=201)
    inputs = {"question": "At what temperature does water boil?", "search_endpoint": searxng.url}

    for mode in ("sync", "queue"):
        fake_openai.script(
            Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "one source"})]),
            Reply(text="Water boils at 100 °C at sea level [1]."),
        )
        started = await user.post(f"/api/graphs/{graph['id']}/runs",
                                  {"inputs": inputs, "mode": mode})  # fmt: skip
        run = await user.final(started["id"], statuses=("succeeded", "failed", "paused"))

        assert run["status"] == "succeeded", run
        assert run["output"]["answer"]["answer"] == "Water boils at 100 °C at sea level [1]."
    goal = fake_openai.requests[0].body["messages"][1]["content"]
    assert f"[1] Boiling point ({searxng.url}/page/0): At sea level, water boils" in goal
