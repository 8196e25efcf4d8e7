"""Journey: dark mode follows the system until the user picks a theme; the editor is usable at
1024 px and the runs pages read on a phone."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def test_dark_mode_follows_the_system_with_a_toggle(editor: Editor) -> None:
    page = editor.page
    html = page.locator("html")
    page.emulate_media(color_scheme="dark")
    expect(html).to_have_attribute("data-theme", "dark")
    page.emulate_media(color_scheme="light")
    expect(html).to_have_attribute("data-theme", "light")

    theme = page.get_by_label("Theme")
    theme.select_option("dark")
    expect(html).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(246, 247, 249)", background
    page.get_by_label("Theme").select_option("system")
    expect(html).to_have_attribute("data-theme", "light")


def test_the_editor_at_1024_px_and_the_runs_pages_on_a_phone(
    editor: Editor, api_client: httpx.Client
) -> None:
    page = editor.page
    document = {
        "schema": "kyra.graph/1",
        "name": f"narrow-{uuid.uuid4().hex[:6]}",
        "nodes": [{"id": "start", "type": "Manual.trigger", "position": {"x": 0, "y": 0}}],
        "edges": [],
    }
    graph_id = api_client.post("/api/graphs", json=document).json()["id"]
    run = api_client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"}).json()

    # 1024 px: every toolbar button on screen, a canvas wider than the side panels
    page.set_viewport_size({"width": 1024, "height": 768})
    editor.open_graph(graph_id)
    for name in ("Save", "Run", "Payload", "Versions", "Export", "Add note", "Auto-layout"):
        button = editor.button(name)
        expect(button).to_be_in_viewport()
    canvas = editor.canvas.bounding_box()
    assert canvas and canvas["width"] >= 450, canvas
    assert page.evaluate("document.documentElement.scrollWidth") <= 1024

    # A phone: the runs list and a run read without sideways scrolling
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/runs", f"/graphs/{graph_id}/runs", f"/runs/{run['id']}"):
        page.goto(f"{editor.url}{path}")
        expect(page.get_by_role("link", name="Runs", exact=True)).to_be_visible()
        if path != f"/runs/{run['id']}":
            row = page.get_by_test_id("run-row").first
            expect(row).to_be_in_viewport()
            expect(row).to_have_css("display", "block")  # one card per run, labelled cells
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
