"""Journey: build a graph by drag and drop, fill a parameter, save, reload, run, read outputs."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import RUN_TIMEOUT_MS

from .conftest import Editor

pytestmark = pytest.mark.e2e


def test_a_graph_built_by_drag_and_drop_saves_reloads_and_runs(editor: Editor) -> None:
    page = editor.page
    editor.new_graph()

    # Given three nodes dropped from the palette and wired port to port
    trigger = editor.drop("Manual.trigger", 120, 220)
    greet = editor.drop("Core.set", 470, 220)
    shout = editor.drop("Core.set", 820, 220)
    assert (trigger, greet, shout) == ("trigger", "set", "set_2")
    editor.connect(trigger, "out", greet, "in")
    editor.connect(greet, "out", shout, "in")
    expect(editor.edges()).to_have_count(2)

    # And parameters typed into the inspector
    editor.select(greet)
    editor.inspector.get_by_label("Values").fill('{"greeting": "Hello {{ trigger.name }}"}')
    editor.select(shout)
    editor.inspector.get_by_label("Values").fill('{"final": "{{ nodes.set.output.greeting }}!"}')
    editor.inspector.get_by_label("Node name").fill("Shout")

    # When the graph is saved and the page reloaded
    graph_id = editor.save()
    page.reload()
    expect(editor.canvas).to_be_visible()

    # Then the nodes, edges and parameters are intact
    expect(editor.nodes()).to_have_count(3)
    expect(page.locator('[data-node-type="Core.set"]')).to_have_count(2)
    expect(page.locator('[data-node-type="Manual.trigger"]')).to_have_count(1)
    expect(editor.edges()).to_have_count(2)
    expect(editor.node(shout)).to_contain_text("Shout")
    editor.select(greet)
    expect(editor.inspector.get_by_label("Values")).to_have_value(
        '{\n  "greeting": "Hello {{ trigger.name }}"\n}'
    )

    # When it runs with a trigger payload
    editor.set_payload({"name": "Ada"})
    editor.button("Run").click()

    # Then every node turns succeeded and the last one shows its output
    for node_id in (trigger, greet, shout):
        expect(editor.node(node_id).locator("[data-status]")).to_have_attribute(
            "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
        )
    expect(page.get_by_test_id("run-status")).to_have_attribute(
        "data-run-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    editor.select(shout)
    page.get_by_role("tab", name="Result").click()
    output = page.get_by_test_id("result-output")
    expect(output).to_contain_text("Hello Ada!")
    assert json.loads(output.inner_text()) == {"out": {"final": "Hello Ada!"}}

    # And the runs history opens that run on the version it used, with its statuses
    page.get_by_role("link", name="History").click()
    page.get_by_test_id("run-row").first.get_by_role("link").click()
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-run-status", "succeeded")
    expect(page.locator('[data-status="succeeded"]')).to_have_count(3)
    assert f"/graphs/{graph_id}" not in page.url
