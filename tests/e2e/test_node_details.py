"""Journeys: the node details view (Input | Parameters | Output), in the editor and the run view,
with a field dragged into a parameter, live previews, and one node executed alone."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, expect

from .conftest import Editor

pytestmark = pytest.mark.e2e

PAYLOAD = {"body": {"sku": "A-1", "items": [{"n": 1}, {"n": 2}]}}


def _graph(api_client: httpx.Client, values: Any) -> str:
    document = {
        "schema": "kyra.graph/1",
        "name": f"details-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {
                "id": "shape",
                "type": "Core.set",
                "params": {"values": values},
                "position": {"x": 420, "y": 0},
            },
            {
                "id": "tail",
                "type": "Core.set",
                "params": {"values": {"done": True}},
                "position": {"x": 840, "y": 0},
            },
        ],
        "edges": [
            {"source": "start", "sourcePort": "out", "target": "shape", "targetPort": "in"},
            {"source": "shape", "sourcePort": "out", "target": "tail", "targetPort": "in"},
        ],
        "editor": {"test_payload": PAYLOAD},
    }
    return str(api_client.post("/api/graphs", json=document).json()["id"])


def _open_details(editor: Editor, node_id: str) -> Locator:
    editor.node(node_id).locator(".kyra-node-ports").dblclick()
    dialog = editor.page.get_by_role("dialog", name=re.compile("^Node details"))
    expect(dialog).to_be_visible()
    return dialog


def test_a_field_dragged_from_input_previews_and_the_node_executes_alone(
    editor: Editor, api_client: httpx.Client
) -> None:
    editor.open_graph(_graph(api_client, {"a": 1}))
    details = _open_details(editor, "shape")

    # Input shows what the node's templates reach, from the saved test payload
    source = details.get_by_test_id("details-input").locator('[data-expr="trigger.body.sku"]')
    expect(source).to_contain_text('"A-1"')

    # A field dragged into a parameter becomes its expression, previewed live
    values = details.get_by_label("Values")
    values.fill("")
    source.drag_to(values)
    expect(values).to_have_value("{{ trigger.body.sku }}")
    expect(details.get_by_test_id("template-preview")).to_have_text("= A-1")

    # Execute this node runs it alone: the node after it does not run
    details.get_by_role("button", name="Execute this node").click()
    expect(details.get_by_test_id("details-status")).to_have_text("succeeded")
    output = details.get_by_test_id("details-output")
    output.get_by_role("tab", name="JSON").click()
    expect(output.locator(".json-view")).to_have_text('"A-1"')
    expect(editor.node("tail").locator("[data-status]")).to_have_count(0)

    # Search narrows the input to matching fields
    inputs = details.get_by_test_id("details-input")
    inputs.get_by_label("Search input").fill("items")
    expect(inputs.locator('[data-expr="trigger.body.items"]')).to_be_visible()
    expect(inputs.locator('[data-expr="trigger.body.sku"]')).to_have_count(0)
    inputs.get_by_role("tab", name="Table").click()
    expect(inputs.locator("table")).to_contain_text("items")


def test_node_details_in_the_run_view_show_what_the_node_did(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    graph_id = _graph(
        api_client, {"sku": "{{ trigger.body.sku }}", "count": "{{ trigger.body.items | length }}"}
    )
    run = api_client.post(
        f"/api/graphs/{graph_id}/runs", json={"mode": "sync", "inputs": PAYLOAD}
    ).json()
    page.goto(f"{editor.url}/runs/{run['id']}")
    editor.wait_for_canvas()

    details = _open_details(editor, "shape")

    expect(details.get_by_test_id("details-status")).to_have_text("succeeded")
    output = details.get_by_test_id("details-output")
    output.get_by_role("tab", name="JSON").click()
    assert json.loads(output.locator(".json-view").inner_text()) == {"sku": "A-1", "count": 2}
    expect(details.get_by_role("group", name=re.compile("As the run rendered"))).to_have_count(0)
    expect(details.locator(".rendered-params")).to_contain_text('"count": 2')
    expect(details.get_by_role("button", name="Execute this node")).to_have_count(0)
    details.get_by_role("button", name="Close node details").click()
    expect(details).to_have_count(0)


def test_an_expression_preview_updates_as_the_user_types(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    editor.open_graph(_graph(api_client, {"a": 1}))
    editor.select("shape")
    values = editor.inspector.get_by_label("Values")
    preview = editor.inspector.get_by_test_id("template-preview")

    # Autocomplete offers the real fields of the test payload, with their sample values
    values.fill("")
    values.press_sequentially("{{ trigger.body.s")
    option = editor.inspector.get_by_role("option", name="trigger.body.sku")
    expect(option).to_contain_text('"A-1"')
    page.keyboard.press("Enter")
    expect(values).to_have_value("{{ trigger.body.sku }}")
    expect(preview).to_have_text("= A-1")

    # A filter typed after the pick changes the preview as the keys go in
    page.keyboard.type(" | lower")
    expect(values).to_have_value("{{ trigger.body.sku | lower }}")
    expect(preview).to_have_text("= a-1")

    # A missing field shows the error a run would raise, and how to make it optional
    values.fill("{{ trigger.body.missing }}")
    expect(preview).to_contain_text("has no attribute 'missing'")
    expect(preview).to_contain_text("default(")
    values.fill("{{ trigger.body.missing | default('none') }}")
    expect(preview).to_have_text("= none")
