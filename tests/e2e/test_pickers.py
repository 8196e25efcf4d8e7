"""Journeys: parameters chosen from what exists instead of typed — a loop's body as a node form
(with `item` fields), an agent node's model, provider and tools."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import Editor
from .test_platform_pages import seeded_catalogue  # noqa: F401

pytestmark = pytest.mark.e2e


def test_a_loop_body_is_a_node_form_whose_templates_see_the_item(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    document = {
        "schema": "kyra.graph/1",
        "name": f"loop-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {"id": "each", "type": "Core.loop", "params": {"items": "{{ trigger.body.orders }}",
             "node": {"type": "Core.wait", "params": {"seconds": 0}}},
             "position": {"x": 400, "y": 0}},
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": "each", "targetPort": "in"}],
        "editor": {"test_payload": {"body": {"orders": [{"sku": "A-1"}, {"sku": "B-2"}]}}},
    }  # fmt: skip
    graph_id = api_client.post("/api/graphs", json=document).json()["id"]
    editor.open_graph(graph_id)
    editor.select("each")

    # The body's type is picked from the catalogue, then its own form appears
    node_type = editor.inspector.locator("#param_node_type")
    expect(node_type.locator("option", has_text="Triggers")).to_have_count(0)
    node_type.select_option(label="Core · Set values")
    values = editor.inspector.locator("#body_values")

    # Its templates are offered the fields of an item, and preview against the first one
    values.press_sequentially('{"sku": "{{ item.s')
    expect(editor.inspector.get_by_role("option", name="item.sku")).to_contain_text('"A-1"')
    page.keyboard.press("Enter")
    # The completion lands (and places the caret) before the caret is moved on
    expect(values).to_have_value('{"sku": "{{ item.sku }}')
    page.keyboard.press("End")
    page.keyboard.type('"}')
    expect(values).to_have_value('{"sku": "{{ item.sku }}"}')
    expect(editor.inspector.get_by_test_id("template-preview").last).to_have_text('= {"sku":"A-1"}')

    # And the loop runs the node per item
    editor.button("Run").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=30_000
    )
    editor.select("each")
    page.get_by_role("tab", name="Result").click()
    output = json.loads(page.get_by_test_id("result-output").inner_text())
    assert output["out"] == [{"sku": "A-1"}, {"sku": "B-2"}]


@pytest.mark.usefixtures("seeded_catalogue")
def test_an_agent_node_picks_its_model_provider_and_tools(
    editor: Editor, api_client: httpx.Client
) -> None:
    models = api_client.get("/api/llm/models").json()
    model = models[0]
    editor.new_graph()
    editor.drop("Manual.trigger", 120, 250)
    agent = editor.drop("AI.agent", 480, 250)
    editor.select(agent)

    editor.inspector.get_by_label(re.compile("^Model")).select_option(model["model_key"])
    editor.inspector.get_by_label(re.compile("^Provider")).select_option(model["provider"])
    editor.inspector.get_by_label("Tool Core.think").check()
    graph_id = editor.save()

    saved = api_client.get(f"/api/graphs/{graph_id}").json()["document"]["nodes"][1]["params"]
    assert saved["model"] == model["model_key"]
    assert saved["provider"] == model["provider"]
    assert saved["tools"] == ["Core.think"]
