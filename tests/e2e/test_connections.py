"""Journey: connections the graph cannot take are refused with a visible reason."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import Editor

pytestmark = pytest.mark.e2e

LOOSE = {"any", "json"}
WIDENING = {"number": {"text"}, "boolean": {"text"}}


def _compatible(source: str, target: str) -> bool:
    return (
        source in LOOSE
        or target in LOOSE
        or source == target
        or target in WIDENING.get(source, set())
    )


def _incompatible_pair(
    catalogue: list[dict[str, Any]],
) -> tuple[dict[str, Any], str, dict[str, Any], str] | None:
    """A (source spec, output port, target spec, input port) whose types do not connect."""
    for src in catalogue:
        if src["dynamic_outputs"]:
            continue
        for out in src["outputs"]:
            for dst in catalogue:
                if dst["type"] == src["type"]:
                    continue
                for inp in dst["inputs"]:
                    if not _compatible(out["type"], inp["type"]):
                        return src, out["name"], dst, inp["name"]
    return None


def test_ports_of_incompatible_types_do_not_connect(
    editor: Editor, api_client: httpx.Client
) -> None:
    pair = _incompatible_pair(api_client.get("/api/nodes").json())
    assert pair is not None, "the catalogue has typed ports that must not connect"
    src, out_port, dst, in_port = pair
    editor.new_graph()
    source = editor.drop(src["type"], 200, 250)
    target = editor.drop(dst["type"], 650, 250)

    editor.connect(source, out_port, target, in_port)

    toast = editor.page.get_by_test_id("toast").last
    expect(toast).to_contain_text("Connection refused")
    expect(toast).to_contain_text("Incompatible ports")
    expect(editor.edges()).to_have_count(0)


def test_a_connection_that_would_make_a_cycle_is_refused(editor: Editor) -> None:
    editor.new_graph()
    first = editor.drop("Core.set", 200, 250)
    second = editor.drop("Core.set", 650, 250)
    editor.connect(first, "out", second, "in")
    expect(editor.edges()).to_have_count(1)

    editor.connect(second, "out", first, "in")

    expect(editor.page.get_by_test_id("toast").last).to_contain_text("cycle")
    expect(editor.edges()).to_have_count(1)


def test_a_single_input_takes_one_connection(editor: Editor) -> None:
    editor.new_graph()
    first = editor.drop("Manual.trigger", 150, 150)
    second = editor.drop("Manual.trigger", 150, 450)
    target = editor.drop("Core.set", 650, 300)
    editor.connect(first, "out", target, "in")

    editor.connect(second, "out", target, "in")

    expect(editor.page.get_by_test_id("toast").last).to_contain_text("takes one connection")
    expect(editor.edges()).to_have_count(1)
