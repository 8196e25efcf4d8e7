"""Journeys: adding nodes without the palette — Tab / Ctrl+K, "+" on ports and edges, a dropped
connection, and the empty canvas's invitation to add a trigger."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import Locator, expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def _picker(editor: Editor) -> Locator:
    return editor.page.get_by_role("dialog", name="Add node")


def _pick(editor: Editor, query: str, title: str) -> None:
    picker = _picker(editor)
    picker.get_by_label("Search nodes").fill(query)
    expect(picker.get_by_role("option").first).to_contain_text(title)
    editor.page.keyboard.press("Enter")
    expect(picker).to_have_count(0)


def _edges(editor: Editor) -> set[str]:
    ids = editor.edges().evaluate_all("els => els.map(e => e.dataset.id)")
    return {re.sub(r":\w+->", "->", i).rsplit(":", 1)[0] for i in ids}


def _chain(api_client: httpx.Client) -> str:
    document = {
        "schema": "kyra.graph/1",
        "name": f"chain-{uuid.uuid4().hex[:6]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}},
            {
                "id": "shape",
                "type": "Core.set",
                "params": {"values": {"a": 1}},
                "position": {"x": 420, "y": 0},
            },
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": "shape", "targetPort": "in"}],
    }
    return str(api_client.post("/api/graphs", json=document).json()["id"])


def test_an_empty_canvas_invites_a_trigger_and_tab_adds_the_next_node(editor: Editor) -> None:
    page = editor.page
    editor.new_graph()

    # The empty canvas offers to add a trigger; the picker then shows triggers only
    page.get_by_test_id("canvas-invite").get_by_role(
        "button", name=re.compile("Add a trigger")
    ).click()
    options = _picker(editor).get_by_role("option")
    expect(options.first).to_contain_text("Triggers")
    for text in options.all_inner_texts():
        assert "Triggers" in text
    _pick(editor, "manual", "Manual trigger")
    expect(page.get_by_test_id("canvas-invite")).to_have_count(0)

    # Tab with the trigger selected: a node found by a synonym, connected after it
    editor.select("trigger")
    page.keyboard.press("Tab")
    _pick(editor, "fetch url", "HTTP request")
    expect(page.locator('[data-node-type="HTTP.request"]')).to_have_count(1)
    assert _edges(editor) == {"trigger->request"}

    # Ctrl+K opens the same picker; Escape closes it without adding anything
    page.keyboard.press("Control+k")
    expect(_picker(editor)).to_be_visible()
    page.keyboard.press("Escape")
    expect(_picker(editor)).to_have_count(0)
    expect(editor.nodes()).to_have_count(2)


def test_plus_on_an_output_port_and_on_an_edge_adds_a_connected_node(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    editor.open_graph(_chain(api_client))

    # "+" beside an output port: the new node hangs after that port
    editor.node("shape").hover()
    editor.node("shape").get_by_role("button", name="Add a node after shape out").click()
    _pick(editor, "parse json", "Parse JSON")
    assert _edges(editor) == {"start->shape", "shape->parse"}

    # "+" on an edge: the new node goes between its two ends. The edge is selected from the keyboard
    # (a click at computed coordinates raced the canvas settling on a busy machine)
    page.get_by_role("group", name="Edge from start to shape").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Add a node between start and shape").click()
    _pick(editor, "delay", "Wait")
    assert _edges(editor) == {"start->wait", "wait->shape", "shape->parse"}

    # One undo takes the inserted node out again and restores the edge
    editor.button("Undo").click()
    assert _edges(editor) == {"start->shape", "shape->parse"}


def test_a_connection_dropped_on_empty_canvas_opens_the_picker(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    editor.open_graph(_chain(api_client))
    out = editor.handle("shape", "out", "source").bounding_box()
    canvas = editor.canvas.bounding_box()
    assert out and canvas

    page.mouse.move(out["x"] + out["width"] / 2, out["y"] + out["height"] / 2)
    page.mouse.down()
    page.mouse.move(out["x"] - 150, out["y"] + 200, steps=12)
    page.mouse.up()

    _pick(editor, "if", "If")
    assert _edges(editor) == {"start->shape", "shape->if"}
