"""Journey: finding a node in the whole catalogue (90+ types) from the side palette and the
quick-add picker, by its title, its type name or a word people use for it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Locator, expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def _search(box: Locator, results: Locator, query: str) -> None:
    """Type a query and wait for the list to show it (the list names its query)."""
    box.fill(query)
    expect(results).to_have_attribute("data-query", query)


def _shown(items: Locator) -> list[str]:
    ids = items.evaluate_all("els => els.map(e => e.dataset.testid)")
    return [i.removeprefix("palette-item-") for i in ids]


def test_the_palette_and_quick_add_find_nodes_by_title_type_and_synonym(
    editor: Editor, api_client: httpx.Client
) -> None:
    catalogue = {spec["type"] for spec in api_client.get("/api/nodes").json()}
    assert len(catalogue) >= 90
    editor.new_graph()
    palette = editor.page.get_by_role("complementary", name="Node palette")
    box, groups = palette.get_by_label("Search nodes"), palette.locator(".palette-groups")
    items = palette.locator(".palette-item")

    expect(items).to_have_count(len(catalogue))  # every node type, grouped by category
    for query, expected in [
        ("remove duplicates", ["Data.deduplicate"]),  # its title
        ("Postgres.query", ["Postgres.query"]),  # its type
        ("excel", ["Spreadsheet.read", "Spreadsheet.write"]),  # a synonym
        ("gdrive upload", ["Drive.upload_file"]),  # a synonym and a title word
    ]:
        _search(box, groups, query)
        assert _shown(items) == expected, query
    _search(box, groups, "fetch url")
    assert "HTTP.request" in _shown(items)
    _search(box, groups, "zebra crossing")
    expect(palette.get_by_text("No node matches “zebra crossing”.")).to_be_visible()
    _search(box, groups, "")
    expect(items).to_have_count(len(catalogue))

    # The quick-add picker ranks the best match first for the same kinds of query
    editor.drop("Manual.trigger", 300, 200)
    editor.canvas.click(position={"x": 20, "y": 20})
    editor.page.keyboard.press("Control+k")
    picker = editor.page.get_by_role("dialog", name="Add node")
    options = picker.get_by_role("option")
    for query, first in [
        ("Read RSS feed", "Read RSS feed"),
        ("Drive.trigger", "Google Drive: new or changed file"),
        ("atom", "Read RSS feed"),
        ("group by", "Aggregate items"),
        ("mariadb", "MySQL"),
    ]:
        _search(picker.get_by_label("Search nodes"), picker.get_by_role("listbox"), query)
        expect(options.first).to_contain_text(first)
