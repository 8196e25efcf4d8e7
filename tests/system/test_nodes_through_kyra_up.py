"""Core.code and every example graph through the processes ``kyra up`` starts (uvicorn on
uvloop, a real Dramatiq worker), in both modes and through a webhook, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.graphs.test_examples import EXPECTED_OUTPUT
from tests.system.stack import KyraStack, Mode

REPLY = "{{ nodes.code.output }}"
EXAMPLES = sorted((ROOT / "graphs").glob("*.json"))
CODE = "def main(data):\n    return {'double': data['body']['n'] * 2}"


def _code_graph(path: str) -> dict[str, Any]:
    edges = [("hook", "code"), ("code", "reply")]
    return {
        "schema": "kyra.graph/1",
        "name": "code-node",
        "nodes": [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": path}},
            {
                "id": "code",
                "type": "Core.code",
                "params": {"code": CODE.replace("data['n']", "data['body']['n']")},
            },
            {
                "id": "reply",
                "type": "Webhook.respond",
                "params": {"body": "{{ nodes.code.output }}"},
            },
        ],
        "edges": [
            {"source": s, "sourcePort": "out", "target": t, "targetPort": "in"} for s, t in edges
        ],
    }


@pytest.mark.parametrize("mode", ["sync", "queue"])
def test_code_node_runs_in_both_modes(kyra_stack: KyraStack, mode: Mode) -> None:
    sandbox = kyra_stack.client.get("/health").json()["code_sandbox"]
    assert sandbox in ("bubblewrap", "wasm", "probing"), sandbox
    graph = kyra_stack.create_graph(_code_graph("code-node"))

    run = kyra_stack.run(graph, mode, {"body": {"n": 21}}, timeout=180)

    assert run["status"] == "succeeded", run
    output = {n["node_id"]: n for n in run["node_runs"]}["code"]["output"]["out"]
    assert output["double"] == 42


def test_code_node_answers_a_webhook(kyra_stack: KyraStack) -> None:
    """The webhook runs the graph inline in the API process: the loop uvicorn runs on."""
    graph = kyra_stack.create_graph(_code_graph("code-hook"))
    path = graph.webhooks["hook"]

    answer = httpx.post(f"{kyra_stack.url}/hooks/{path}", json={"n": 4}, timeout=180)

    assert answer.status_code == 200, answer.text
    assert answer.json()["double"] == 8


@pytest.mark.parametrize("mode", ["sync", "queue"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_graph_runs(kyra_stack: KyraStack, path: Path, mode: Mode) -> None:
    name = json.loads(path.read_text())["name"]
    graph = kyra_stack.create_graph(path)

    run = kyra_stack.run(graph, mode, {"seconds": 0.2}, timeout=120)

    assert run["status"] == "succeeded", run
    assert run["output"] == EXPECTED_OUTPUT[name]
