"""Service triggers in the editor: a Slack.trigger shows the URL to give Slack, a Gmail.trigger
its polling state, on the node and in the inspector's trigger section."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def save(api_client: httpx.Client, trigger: dict[str, object]) -> str:
    document = {
        "schema": "kyra.graph/1",
        "name": f"e2e-{uuid.uuid4().hex[:8]}",
        "nodes": [{**trigger, "position": {"x": 120, "y": 200}}],
        "edges": [],
    }
    created = api_client.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_a_slack_trigger_shows_the_url_to_give_slack(
    editor: Editor, api_client: httpx.Client
) -> None:
    graph_id = save(api_client, {"id": "events", "type": "Slack.trigger"})

    editor.open_graph(graph_id)

    url = f"{editor.url}/hooks/slack/{graph_id}/events"
    expect(editor.node("events").get_by_test_id("node-webhook-url")).to_contain_text(url)
    editor.select("events")
    section = editor.inspector.get_by_test_id("trigger-section")
    expect(section).to_contain_text("Service URL")
    expect(section.get_by_test_id("trigger-url")).to_have_text(url)
    expect(section.get_by_role("button", name="Copy trigger URL")).to_be_visible()


def test_a_gmail_trigger_shows_its_polling_state(editor: Editor, api_client: httpx.Client) -> None:
    graph_id = save(
        api_client, {"id": "mail", "type": "Gmail.trigger", "params": {"poll_seconds": 120}}
    )

    editor.open_graph(graph_id)

    expect(editor.node("mail").get_by_test_id("node-poll-state")).to_have_text("polls every 120 s")
    editor.select("mail")
    facts = editor.inspector.get_by_test_id("poll-facts")
    expect(facts).to_contain_text("120 s")
    expect(facts.get_by_test_id("poll-state")).to_have_text("waiting for the first poll")
