"""Journey: create an agent on the Agents page, run it, then approve a guarded tool call."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RUN_TIMEOUT_MS
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse

from .conftest import Editor

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def _openai_server() -> Iterator[FakeOpenAI]:
    """A fake OpenAI server of this module's own: runs that other tests leave to the reaper
    (a killed worker's agent, retried) call the session's one and would take these scripts."""
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_model(api_client: httpx.Client, _openai_server: FakeOpenAI) -> Any:
    """A provider of the tester's own whose model is served by the fake OpenAI server."""
    _openai_server.reset()
    name = f"fake-{uuid.uuid4().hex[:6]}"
    provider = api_client.post(
        "/api/llm/providers",
        json={
            "name": name,
            "kind": "openai",
            "base_url": _openai_server.base_url,
            "api_key": "sk-x",
        },
    )
    assert provider.status_code == 201, provider.text
    model = api_client.post(
        "/api/llm/models",
        json={"provider_id": provider.json()["id"], "model_key": "gpt-4o-mini",
              "input_cost_per_1k": "0.001", "output_cost_per_1k": "0.002",
              "capabilities": {"tools": True}},
    )  # fmt: skip
    assert model.status_code == 201, model.text
    yield name
    _openai_server.reset()


def _script(fake: FakeOpenAI) -> None:
    fake.script(
        Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "plan the day"})]),
        Reply(text="All done for today"),
    )


def test_an_agent_made_on_the_agents_page_runs_and_waits_for_approval(
    editor: Editor,
    fake_model: str,
    _openai_server: FakeOpenAI,
) -> None:
    page = editor.page
    name = f"planner-{uuid.uuid4().hex[:6]}"

    # Given a new agent with a tool and the fake model, made with the form
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agents").click()
    page.get_by_role("button", name="New agent").click()
    form = page.get_by_role("form", name="New agent")
    form.get_by_label("Name", exact=True).fill(name)
    form.get_by_label("Default prompt").fill("You plan days.")
    form.get_by_label("Tool Core.think").check()
    # The model field is a text box until the models list arrives (slow on a busy machine)
    model = f"{fake_model} · gpt-4o-mini"
    expect(form.locator("option", has_text=model)).to_be_attached()
    form.get_by_label(re.compile("^Model")).select_option(label=model)
    form.get_by_role("button", name="Create agent").click()
    expect(page.get_by_test_id("agent-summary")).to_contain_text(name)
    expect(page.get_by_test_id("agent-row").filter(has_text=name)).to_be_visible()

    # When it runs in direct mode
    _script(_openai_server)
    run = page.get_by_role("region", name="Run agent")
    run.get_by_label("Goal").fill("Plan my day")
    run.get_by_role("button", name="Run agent").click()

    # Then the answer, the steps (LLM call, tool call, LLM call) and the cost are shown
    answer = page.get_by_test_id("agent-answer")
    expect(answer).to_contain_text("All done for today", timeout=RUN_TIMEOUT_MS)
    expect(answer).to_contain_text("succeeded")
    expect(answer.locator('[data-kind="llm_call"]')).to_have_count(2)
    expect(answer.locator('[data-kind="tool_call"]')).to_have_count(1)
    expect(answer.get_by_test_id("trace-totals")).to_contain_text("2 LLM calls")

    # When the tool is made to require approval and the agent runs tracked
    page.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_label("Core.think requires approval").check()
    page.get_by_role("button", name="Save agent").click()
    expect(page.get_by_test_id("agent-summary")).to_be_visible()
    _script(_openai_server)
    run.get_by_label("Goal").fill("Plan my day carefully")
    run.get_by_label("Mode").select_option("tracked")
    run.get_by_role("button", name="Run agent").click()

    # Then it pauses for approval; the run view shows the pending call
    expect(answer).to_contain_text("paused", timeout=RUN_TIMEOUT_MS)
    answer.get_by_role("link", name="open run").click()
    expect(page).to_have_url(re.compile(r"/runs/[0-9a-f-]+$"))
    approval = page.get_by_test_id("approval-panel")
    expect(approval).to_contain_text("Core.think")
    expect(approval).to_contain_text("plan the day")

    # When it is approved, the run finishes and the trace shows every step
    approval.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    expect(page.get_by_test_id("approval-panel")).to_have_count(0)
    trace = editor.inspector.get_by_test_id("trace")
    expect(trace.locator('[data-kind="tool_call"]').first).to_be_visible()
    expect(trace.locator('[data-kind="llm_call"]').first).to_be_visible()


def test_the_editor_run_panel_shows_the_agent_trace(
    editor: Editor,
    api_client: httpx.Client,
    fake_model: str,
    _openai_server: FakeOpenAI,
) -> None:
    page = editor.page
    document = {
        "schema": "kyra.graph/1",
        "name": f"agent graph {uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {"id": "agent", "type": "AI.agent", "position": {"x": 320, "y": 0},
             "params": {"goal": "Plan my day", "tools": ["Core.think"], "model": "gpt-4o-mini",
                        "provider": fake_model}},
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": "agent", "targetPort": "in"}],
    }  # fmt: skip
    created = api_client.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    editor.open_graph(created.json()["id"])

    # When the graph runs on a worker from the editor
    _script(_openai_server)
    editor.button("Run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )

    # Then the run panel shows the agent's steps below its node, with tokens and cost
    trace = editor.inspector.get_by_test_id("trace")
    expect(trace.locator('[data-kind="llm_call"]')).to_have_count(2)
    expect(trace.locator('[data-kind="tool_call"]')).to_have_count(1)
    expect(trace.get_by_test_id("trace-totals")).to_contain_text("2 LLM calls · 1 tool calls")

    # And the agent node's result lists the same steps
    editor.select("agent")
    steps = editor.inspector.get_by_test_id("node-result").get_by_test_id("trace")
    expect(steps.locator('[data-kind="llm_call"]')).to_have_count(2)
    expect(editor.inspector.get_by_test_id("node-result")).to_contain_text("All done for today")
