"""Screenshots of the editor for the README: the node details view and quick add.

Drives headless Chromium (/usr/bin/chromium when present) against a running Kyra Flow
(``KYRA_URL`` + ``KYRA_API_KEY``) or a throwaway ``kyra up`` (as ``bench/editor.py`` does), and
writes ``docs/images/node-details.png`` and ``docs/images/quick-add.png``.
Run: ``.venv/bin/python docs/screenshots.py``.
"""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from editor import kyra_server, launch_chromium  # noqa: E402 (bench/ is not a package)

IMAGES = ROOT / "docs" / "images"
VIEWPORT = {"width": 1440, "height": 860}


def _example(client: httpx.Client) -> str:
    """The branching example as a graph of its own, run once so its nodes have data."""
    document: dict[str, Any] = json.loads((ROOT / "graphs" / "branching.json").read_text())
    document["name"] = f"Order approval {uuid.uuid4().hex[:4]}"
    payload = {"amount": 240, "customer": "Ada"}
    document["editor"] = {"test_payload": payload}
    graph_id = str(client.post("/api/graphs", json=document).raise_for_status().json()["id"])
    run = {"mode": "sync", "inputs": payload}
    client.post(f"/api/graphs/{graph_id}/runs", json=run).raise_for_status()
    return graph_id


def _open(page: Page, url: str, graph_id: str) -> None:
    page.goto(f"{url}/graphs/{graph_id}")
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-ready", "true", timeout=60_000)


def node_details(page: Page, url: str, graph_id: str) -> None:
    _open(page, url, graph_id)
    page.get_by_role("button", name="Run", exact=True).click()
    review = page.locator('.react-flow__node[data-id="review"]')
    status = review.locator("[data-status]")
    expect(status).to_have_attribute("data-status", "succeeded", timeout=60_000)
    review.locator(".kyra-node-ports").dblclick()
    dialog = page.get_by_role("dialog", name="Node details: Set values")
    expect(dialog.get_by_text("Loading form…")).to_have_count(0, timeout=30_000)
    expect(dialog.get_by_label("Values")).to_be_visible()
    page.screenshot(path=IMAGES / "node-details.png")
    page.keyboard.press("Escape")


def quick_add(page: Page, url: str, graph_id: str) -> None:
    _open(page, url, graph_id)
    page.locator('.react-flow__node[data-id="result"]').hover()
    page.get_by_role("button", name="Add a node after result out").click()
    picker = page.get_by_role("dialog", name="Add node")
    picker.get_by_label("Search nodes").fill("fetch url")
    expect(picker.get_by_role("option").first).to_be_visible()
    page.screenshot(path=IMAGES / "quick-add.png")


def main() -> int:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with kyra_server() as (url, key), sync_playwright() as pw:
        client = httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60)
        browser = launch_chromium(pw)
        context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
        context.add_init_script(f"localStorage.setItem('kyra.apiKey', {key!r});")
        page = context.new_page()
        graph_id = _example(client)
        try:
            node_details(page, url, graph_id)
            quick_add(page, url, graph_id)
        finally:
            client.delete(f"/api/graphs/{graph_id}")
            browser.close()
    for name in ("node-details.png", "quick-add.png"):
        print(IMAGES / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
