"""The real-stack fixture itself: an example graph through ``kyra up`` in both modes."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.system.stack import KyraStack, Mode


@pytest.mark.parametrize("mode", ["sync", "queue"])
def test_hello_runs_through_kyra_up(kyra_stack: KyraStack, mode: Mode) -> None:
    graph = kyra_stack.create_graph(ROOT / "graphs" / "hello.json")

    run = kyra_stack.run(graph, mode, {"body": {"name": "Ada"}})

    assert run["status"] == "succeeded", run
    assert run["output"]["reply"]["body"] == {"text": "Hi Ada"}
    assert [n["node_id"] for n in run["node_runs"]] == ["hook", "greet", "reply"]


def test_every_component_is_found_in_the_process_tree(kyra_stack: KyraStack) -> None:
    found = {
        component: kyra_stack.pids(component)
        for component in ("api", "worker", "worker_processes", "scheduler", "postgres", "redis")
    }

    assert all(len(pids) == 1 for pids in found.values()), found
    assert found["postgres"] == [
        int((kyra_stack.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    ]
