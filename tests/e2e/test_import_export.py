"""Journey: a graph exported from the editor imports back identically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e

# Key order, unknown fields, a note and a label with markup: all must survive untouched.
DOCUMENT = {
    "schema": "kyra.graph/1",
    "name": "round trip",
    "x-origin": {"tool": "hand-written", "tags": ["a", "b"]},
    "nodes": [
        {"type": "Manual.trigger", "id": "start", "params": {}, "position": {"x": 0, "y": 0}},
        {
            "id": "shape",
            "type": "Core.set",
            "name": "<b>not bold</b>",
            "params": {"values": {"n": 1, "text": "{{ trigger.name }}"}, "keep_input": False},
            "position": {"x": 320.5, "y": 40},
            "settings": {"retries": 2},
            "x-ui": {"color": "teal"},
        },
    ],
    "edges": [
        {"source": "start", "sourcePort": "out", "target": "shape", "targetPort": "in", "x-note": 1}
    ],
    "notes": [
        {
            "id": "n1",
            "text": "<script>window.__xss = 1</script>",
            "position": {"x": 0, "y": 200},
            "size": {"width": 220, "height": 120},
        }
    ],
    "settings": {"save_runs": "all"},
}


def _export(editor: Editor, dest: Path) -> str:
    with editor.page.expect_download() as download:
        editor.button("Export").click()
    download.value.save_as(dest)
    return dest.read_text()


def test_an_exported_graph_reimports_identically(editor: Editor, tmp_path: Path) -> None:
    page = editor.page
    original = tmp_path / "original.json"
    original.write_text(json.dumps(DOCUMENT, indent=2) + "\n")
    editor.new_graph()

    page.get_by_test_id("import-file").set_input_files(original)
    expect(editor.nodes()).to_have_count(2)
    exported = _export(editor, tmp_path / "first.json")
    assert exported == original.read_text()

    page.get_by_test_id("import-file").set_input_files(tmp_path / "first.json")
    assert _export(editor, tmp_path / "second.json") == exported


def test_user_text_renders_as_text_not_markup(editor: Editor, tmp_path: Path) -> None:
    page = editor.page
    original = tmp_path / "xss.json"
    original.write_text(json.dumps(DOCUMENT))
    editor.new_graph()
    page.get_by_test_id("import-file").set_input_files(original)

    expect(editor.node("shape")).to_contain_text("<b>not bold</b>")
    assert editor.node("shape").locator("b").count() == 0
    expect(page.get_by_test_id("note-text")).to_have_text("<script>window.__xss = 1</script>")
    assert page.evaluate("window.__xss") is None
