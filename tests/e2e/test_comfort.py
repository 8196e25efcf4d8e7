"""Journey: the editor's comforts — a hover toolbar, disabling a node, right-click menus,
renaming in place, Markdown sticky notes in colour where the user looks, copy and paste
between graphs."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import RUN_TIMEOUT_MS, Editor

pytestmark = pytest.mark.e2e


def _graph(api_client: httpx.Client, nodes: list[dict[str, Any]]) -> str:
    edges = [
        {"source": a["id"], "sourcePort": "out", "target": b["id"], "targetPort": "in"}
        for a, b in itertools.pairwise(nodes)
    ]
    for i, node in enumerate(nodes):
        node["position"] = {"x": 320 * i, "y": 0}
    document = {
        "schema": "kyra.graph/1",
        "name": f"comfort-{uuid.uuid4().hex[:6]}",
        "nodes": nodes,
        "edges": edges,
    }
    created = api_client.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_hover_toolbar_disable_menus_rename_notes_and_paste(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    first = _graph(
        api_client,
        [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "shape", "type": "Core.set", "params": {"values": {"n": 1}}},
            {"id": "broken", "type": "Core.set", "params": {"values": "{{ trigger.x.y }}"}},
            {"id": "last", "type": "Core.set", "params": {"values": {"seen": "{{ 1 }}"}}},
        ],
    )
    editor.open_graph(first)

    # The hover toolbar disables a node: it is marked, and the run passes through it
    editor.node("broken").hover()
    toolbar = page.get_by_role("toolbar", name="Actions of broken")
    toolbar.get_by_role("button", name="Disable broken").click()
    expect(editor.node("broken").locator("[data-disabled]")).to_be_visible()
    expect(editor.node("broken")).to_contain_text("disabled")
    editor.button("Run").click()
    expect(editor.node("last").locator("[data-status]")).to_have_attribute(
        "data-status", "succeeded", timeout=RUN_TIMEOUT_MS
    )
    # ...and triggers offer no disable
    editor.node("start").hover()
    expect(page.get_by_role("toolbar", name="Actions of start")).to_be_visible()
    expect(page.get_by_role("button", name="Disable start")).to_have_count(0)

    # Right-click menu: rename in place; double-click on a title renames too
    editor.node("last").locator(".kyra-node-ports").click(button="right")
    page.get_by_role("menu", name="Node last").get_by_role("menuitem", name="Rename").click()
    page.get_by_label("Name of last").fill("Final step")
    page.keyboard.press("Enter")
    expect(editor.node("last")).to_contain_text("Final step")
    editor.node("shape").locator(".kyra-node-title").dblclick()
    page.get_by_label("Name of shape").fill("Shape it")
    page.keyboard.press("Enter")
    expect(editor.node("shape")).to_contain_text("Shape it")

    # The hover toolbar deletes
    editor.node("last").hover()
    page.get_by_role("button", name="Delete last").click()
    expect(editor.node("last")).to_have_count(0)

    # A sticky note lands in the middle of the view, in Markdown and in colour
    editor.button("Add note").click()
    page.get_by_label("Note text").fill("**Ship it** on *Friday*\n\n- check the logs")
    page.keyboard.press("Escape")
    note = page.get_by_test_id("note")
    expect(note.locator("strong")).to_have_text("Ship it")
    expect(note.locator("li")).to_have_text("check the logs")
    canvas, box = editor.canvas.bounding_box(), note.bounding_box()
    assert canvas and box
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert abs(middle[0] - (canvas["x"] + canvas["width"] / 2)) < 40
    assert abs(middle[1] - (canvas["y"] + canvas["height"] / 2)) < 40
    note.click()
    page.get_by_role("button", name="Note colour blue").click()
    expect(note).to_have_attribute("data-color", "blue")

    # Copy a node here, paste it into another graph
    editor.save()
    editor.select("shape")
    page.keyboard.press("Control+c")
    second = _graph(api_client, [{"id": "begin", "type": "Manual.trigger"}])
    editor.open_graph(second)
    page.keyboard.press("Control+v")
    expect(editor.nodes()).to_have_count(2)
    expect(page.locator('[data-node-type="Core.set"]')).to_contain_text("Shape it")

    # The canvas menu adds a note where it was opened
    editor.canvas.click(button="right", position={"x": 300, "y": 400})
    page.get_by_role("menu", name="Canvas").get_by_role("menuitem", name="Add note here").click()
    expect(page.get_by_test_id("note")).to_have_count(1)
