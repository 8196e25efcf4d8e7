"""Journey: deleting is safe because undo brings things back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e


def test_undo_restores_a_deleted_node_and_its_edge(editor: Editor) -> None:
    page = editor.page
    editor.new_graph()
    first = editor.drop("Manual.trigger", 200, 250)
    second = editor.drop("Core.set", 600, 250)
    editor.connect(first, "out", second, "in")
    expect(editor.edges()).to_have_count(1)

    editor.select(second)
    page.keyboard.press("Delete")
    expect(editor.nodes()).to_have_count(1)
    expect(editor.edges()).to_have_count(0)

    page.keyboard.press("Control+z")
    expect(editor.nodes()).to_have_count(2)
    expect(editor.node(second)).to_be_visible()
    expect(editor.edges()).to_have_count(1)

    page.keyboard.press("Control+Shift+z")
    expect(editor.nodes()).to_have_count(1)


def test_copy_and_paste_duplicates_the_selection(editor: Editor) -> None:
    page = editor.page
    editor.new_graph()
    node = editor.drop("Core.set", 300, 250)
    editor.select(node)
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(editor.nodes()).to_have_count(2)
    expect(editor.node("set_2")).to_be_visible()
