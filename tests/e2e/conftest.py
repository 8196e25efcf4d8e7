"""Browser fixtures for the editor journeys: Debian's Chromium, a signed-in page, editor helpers.

The server comes from the session fixture ``live_server`` (tests/conftest.py): the real API,
a worker and the built web app. Nothing here stands in for the backend.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: How long a journey waits for a run to reach a status (generous: CI machines get busy).
RUN_TIMEOUT_MS = 90_000
WEB_INDEX = Path(__file__).resolve().parents[2] / "frontend" / "dist" / "index.html"


def _is_e2e(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).parent == Path(__file__).parent


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Playwright's sync API holds the thread's event loop from its first use until the end of the
    # session, so async tests scheduled after a browser test could not run: browser tests go last.
    items[:] = [i for i in items if not _is_e2e(i)] + [i for i in items if _is_e2e(i)]
    for item in items:
        if not _is_e2e(item):
            continue
        item.add_marker(pytest.mark.e2e)
        if not WEB_INDEX.exists():
            reason = "frontend/dist is not built (cd frontend && npm ci && npm run build)"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session", autouse=True)
def _server_before_browser(live_server: Any) -> Any:
    # The server's async fixtures must run before Playwright's sync API takes over the thread's
    # event loop; autouse session fixtures are set up first.
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    if CHROMIUM.exists():
        args["executable_path"] = str(CHROMIUM)
    return args


@pytest.fixture(scope="session")
def api_client(live_server: Any) -> Iterator[httpx.Client]:
    """Plain HTTP client on the live server, for setting up data and reading it back."""
    with httpx.Client(
        base_url=live_server.url, headers={"X-API-Key": live_server.api_key}, timeout=30
    ) as client:
        yield client


class Editor:
    """Drives the web app the way a person does: palette drags, port drags, toolbar buttons."""

    def __init__(self, page: Page, url: str, api_key: str) -> None:
        self.page = page
        self.url = url
        self.api_key = api_key

    @property
    def canvas(self) -> Locator:
        return self.page.get_by_test_id("canvas")

    def sign_in(self) -> None:
        self.page.goto(self.url)
        self.page.get_by_label("API key").fill(self.api_key)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("heading", name="Graphs")).to_be_visible()

    def new_graph(self) -> None:
        self.page.get_by_role("button", name="New graph").click()
        expect(self.canvas).to_be_visible()

    def open_graph(self, graph_id: str) -> None:
        self.page.goto(f"{self.url}/graphs/{graph_id}")
        self.wait_for_canvas()

    def wait_for_canvas(self) -> None:
        """Wait until the canvas has measured its nodes and fitted the view (nodes stop moving)."""
        expect(self.canvas).to_have_attribute("data-ready", "true")

    @property
    def inspector(self) -> Locator:
        return self.page.get_by_role("complementary", name="Inspector")

    def node(self, node_id: str) -> Locator:
        return self.page.locator(f'.react-flow__node[data-id="{node_id}"]')

    def nodes(self) -> Locator:
        return self.page.locator("[data-node-type]")

    def edges(self) -> Locator:
        return self.page.locator(".react-flow__edge")

    def drop(self, node_type: str, x: float, y: float) -> str:
        """Drag a palette entry onto the canvas at (x, y) and return the new node's id."""
        before = set(
            self.page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)")
        )
        self.page.get_by_test_id(f"palette-item-{node_type}").drag_to(
            self.canvas, target_position={"x": x, "y": y}
        )
        expect(self.page.locator(".react-flow__node")).to_have_count(len(before) + 1)
        after = set(
            self.page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)")
        )
        (new_id,) = after - before
        return str(new_id)

    def handle(self, node_id: str, port: str, kind: str) -> Locator:
        return self.node(node_id).locator(f'.react-flow__handle.{kind}[data-handleid="{port}"]')

    def connect(self, source: str, source_port: str, target: str, target_port: str) -> None:
        """Drag from an output port to an input port with the mouse."""
        start = self.handle(source, source_port, "source").bounding_box()
        end = self.handle(target, target_port, "target").bounding_box()
        assert start and end, "port handles must be on screen"
        mouse = self.page.mouse
        mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
        mouse.down()
        mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
        mouse.up()

    def select(self, node_id: str) -> None:
        self.node(node_id).locator(".kyra-node-header").click()

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)

    def save(self) -> str:
        self.button("Save").click()
        expect(self.page.get_by_test_id("dirty-flag")).to_have_text("saved")
        match = re.search(r"/graphs/([^/?#]+)$", self.page.url)
        assert match, f"the editor URL names the graph after saving: {self.page.url}"
        return match.group(1)

    def set_payload(self, payload: dict[str, Any]) -> None:
        self.button("Payload").click()
        editor = self.page.get_by_role("dialog", name="Trigger payload").locator(".cm-content")
        editor.fill(json.dumps(payload))
        self.page.get_by_role("button", name="Close payload").click()


@pytest.fixture
def editor(live_server: Any, page: Page) -> Editor:
    """A signed-in page on the live server."""
    page.set_viewport_size({"width": 1500, "height": 900})
    ed = Editor(page, live_server.url, live_server.api_key)
    ed.sign_in()
    return ed
