"""Journeys: test data that sticks — the test payload saved with the graph, pinned outputs used in
editor runs only, and "Listen for test event" on a webhook trigger."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def _payload_text(editor: Editor) -> str:
    editor.button("Payload").click()
    dialog = editor.page.get_by_role("dialog", name="Trigger payload")
    text = dialog.locator(".cm-content").inner_text()
    editor.page.get_by_role("button", name="Close payload").click()
    return text


def test_the_test_payload_is_prefilled_from_the_trigger_and_saved_with_the_graph(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    editor.new_graph()
    editor.drop("Webhook.trigger", 200, 250)
    editor.select("trigger")
    editor.inspector.get_by_label(re.compile(r"^Path")).fill(f"td-{uuid.uuid4().hex[:8]}")

    # A webhook's payload starts with the shape a delivery has
    assert '"body": {}' in _payload_text(editor)

    # An edited payload is saved with the graph and comes back after a reload
    editor.set_payload({"body": {"sku": "B-2"}})
    graph_id = editor.save()
    document = api_client.get(f"/api/graphs/{graph_id}").json()["document"]
    assert document["editor"]["test_payload"] == {"body": {"sku": "B-2"}}
    page.reload()
    editor.wait_for_canvas()
    assert json.loads(_payload_text(editor)) == {"body": {"sku": "B-2"}}


def _pin_graph(api_client: httpx.Client) -> str:
    document = {
        "schema": "kyra.graph/1",
        "name": f"pins-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {"id": "shape", "type": "Core.set", "params": {"values": {"v": "{{ trigger.n }}"}},
             "position": {"x": 400, "y": 0}},
            {"id": "tail", "type": "Core.set",
             "params": {"values": {"got": "{{ nodes.shape.output.v }}"}},
             "position": {"x": 800, "y": 0}},
        ],
        "edges": [
            {"source": "start", "sourcePort": "out", "target": "shape", "targetPort": "in"},
            {"source": "shape", "sourcePort": "out", "target": "tail", "targetPort": "in"},
        ],
    }  # fmt: skip
    return str(api_client.post("/api/graphs", json=document).json()["id"])


def _run_and_read_tail(editor: Editor) -> Any:
    page = editor.page
    editor.button("Run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=30_000
    )
    editor.select("tail")
    page.get_by_role("tab", name="Result").click()
    return json.loads(page.get_by_test_id("result-output").inner_text())


def test_a_pinned_output_is_used_in_editor_runs_and_never_in_production(
    editor: Editor, api_client: httpx.Client
) -> None:
    graph_id = _pin_graph(api_client)
    editor.open_graph(graph_id)
    editor.set_payload({"n": 1})
    assert _run_and_read_tail(editor) == {"out": {"got": 1}}

    # Pin what "shape" gave, from its details
    editor.node("shape").locator(".kyra-node-ports").dblclick()
    details = editor.page.get_by_role("dialog", name=re.compile("^Node details"))
    details.get_by_role("button", name="Pin output").click()
    expect(details.get_by_role("button", name="Unpin output")).to_be_visible()
    details.get_by_role("button", name="Close node details").click()
    expect(editor.node("shape").locator("[data-pinned]")).to_be_visible()

    # An editor run with another payload still gets the pinned value
    editor.set_payload({"n": 2})
    assert _run_and_read_tail(editor) == {"out": {"got": 1}}

    # A production run ignores pins saved with the graph
    saved = api_client.get(f"/api/graphs/{graph_id}").json()["document"]
    assert saved["editor"]["pinned"] == {"shape": {"out": {"v": 1}}}
    run = api_client.post(
        f"/api/graphs/{graph_id}/runs", json={"mode": "sync", "inputs": {"n": 3}}
    ).json()
    assert run["output"] == {"tail": {"got": 3}}


def test_listen_for_test_event_shows_the_next_webhook_call_live(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    path = f"listen-{uuid.uuid4().hex[:8]}"
    document = {
        "schema": "kyra.graph/1",
        "name": f"listen-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": path},
             "position": {"x": 0, "y": 0}},
            {"id": "shape", "type": "Core.set",
             "params": {"values": {"sku": "{{ trigger.body.sku }}"}},
             "position": {"x": 400, "y": 0}},
        ],
        "edges": [{"source": "hook", "sourcePort": "out", "target": "shape", "targetPort": "in"}],
    }  # fmt: skip
    graph_id = api_client.post("/api/graphs", json=document).json()["id"]
    editor.open_graph(graph_id)
    editor.select("hook")

    editor.inspector.get_by_role("button", name="Listen for test event").click()
    expect(editor.inspector.get_by_role("status")).to_contain_text("Waiting for a call")
    delivered = httpx.post(f"{editor.url}/hooks/{path}", json={"sku": "LIVE-1"}, timeout=30)
    assert delivered.status_code in (200, 201, 202), delivered.text

    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=30_000
    )
    expect(editor.node("shape").locator("[data-status]")).to_have_attribute(
        "data-status", "succeeded"
    )
    assert json.loads(_payload_text(editor))["body"] == {"sku": "LIVE-1"}
