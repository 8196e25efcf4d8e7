"""Journey: an example graph opened as a template from the graph list and from the empty canvas,
run, and a node's documentation page with its example."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e


def test_a_template_opens_runs_and_links_its_nodes_documentation(editor: Editor) -> None:
    page = editor.page

    # One click on a template of the graph list gives the user's own graph, ready to run
    templates = page.locator("details.templates-panel")
    if templates.get_attribute("open") is None:
        templates.locator("summary").click()
    page.get_by_role("button", name="Use template data-report").click()
    editor.wait_for_canvas()
    expect(page).to_have_url(re.compile(r"/graphs/[0-9a-f-]{36}$"))
    expect(editor.nodes()).to_have_count(7)
    editor.button("Run").click()
    for node_id in ("start", "paid", "csv"):
        expect(editor.node(node_id).locator("[data-status]")).to_have_attribute(
            "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
        )

    # Each node links to its documentation page, with an example served by the app
    editor.select("paid")
    docs = editor.inspector.get_by_role("link", name="Docs")
    expect(docs).to_have_attribute("href", "/docs/nodes/Data.filter")
    page.goto(f"{editor.url}/docs/nodes/Data.filter")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_test_id("node-example")).to_contain_text('"type": "Data.filter"')
    usage = page.get_by_role("region", name="Templates using this node")
    expect(usage.get_by_role("button", name="data-report")).to_be_visible()
    page.goto(f"{editor.url}/docs/nodes/Core.sett")
    expect(page.get_by_role("heading", name="No node type “Core.sett”")).to_be_visible()


def test_the_empty_canvas_starts_from_a_template(editor: Editor, api_client: httpx.Client) -> None:
    page = editor.page
    editor.new_graph()
    page.get_by_test_id("canvas-invite").get_by_role("button", name="Start from a template").click()
    page.get_by_role("dialog", name="Templates").get_by_role(
        "button", name="Use template hello"
    ).click()
    expect(editor.nodes()).to_have_count(3)
    graph_id = editor.save()

    # Saved under a free name, its webhook on a path of its own
    graph = api_client.get(f"/api/graphs/{graph_id}").json()
    assert graph["name"].startswith("hello")
    (hook,) = graph["webhooks"]
    assert re.fullmatch(r"hello-[0-9a-f]{6}", hook["path"]), hook
