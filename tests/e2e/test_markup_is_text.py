"""Journey: names, descriptions and notes full of markup show as text, under a strict
Content-Security-Policy that the app itself runs under without a single violation."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import Editor

pytestmark = pytest.mark.e2e

NAME = '<img src=x onerror="window.__pwned=1">Orders'
NODE_NAME = "<script>window.__pwned=2</script><b>bold</b>"
ORIGIN = {"x": 0, "y": 0}
NOTE = '<img src=x onerror="window.__pwned=3"><a href="javascript:window.__pwned=4">click</a>'


def test_markup_renders_as_text_under_a_strict_csp(
    editor: Editor, page: Page, api_client: httpx.Client, live_server: Any
) -> None:
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            violations.append(message.text)

    page.on("console", on_console)

    name = f"{NAME} {uuid.uuid4().hex[:4]}"
    document = {
        "schema": "kyra.graph/1",
        "name": name,
        "description": NOTE,
        "nodes": [
            {
                "id": "start",
                "type": "Manual.trigger",
                "name": NODE_NAME,
                "position": {"x": 0, "y": 0},
            }
        ],
        "edges": [],
        "notes": [{"id": "n1", "text": NOTE, "position": {"x": 300, "y": 0}}],
    }
    created = api_client.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text

    csp = httpx.get(live_server.url).headers["content-security-policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]

    page.goto(live_server.url)  # the editor fixture signed in already
    expect(page.get_by_text(name, exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/graphs/{created.json()['id']}")
    expect(editor.canvas).to_be_visible(timeout=30_000)
    expect(editor.node("start")).to_contain_text(NODE_NAME)
    expect(page.get_by_test_id("note-text")).to_have_text(NOTE)

    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src='x'], script:not([src]), a[href^='javascript']").count() == 0
    assert violations == []
