"""The pure scheduler: readiness, skipping, failure handling, inputs and outputs."""

from __future__ import annotations

import random
from typing import Any

from kyra.engine.scheduler import (
    Frontier,
    NodeState,
    collect_inputs,
    compile_graph,
    plan,
    primary_output,
    sole_successor,
)
from kyra.graph.document import GraphDocument
from kyra.registry import default_registry


def graph(nodes: list[tuple[str, str]], edges: list[tuple[str, str, str, str]]) -> Any:
    document = GraphDocument.model_validate(
        {
            "schema": "kyra.graph/1",
            "name": "g",
            "nodes": [{"id": i, "type": t, "params": {}} for i, t in nodes],
            "edges": [
                {"source": s, "sourcePort": sp, "target": t, "targetPort": tp}
                for s, sp, t, tp in edges
            ],
        }
    )
    return compile_graph(document, default_registry())


BRANCH = graph(
    [("start", "Manual.trigger"), ("check", "Core.if"), ("yes", "Core.set"), ("no", "Core.set"),
     ("after_no", "Core.set"), ("join", "Core.merge")],
    [("start", "out", "check", "in"), ("check", "true", "yes", "in"),
     ("check", "false", "no", "in"), ("no", "out", "after_no", "in"),
     ("yes", "out", "join", "in"), ("after_no", "out", "join", "in")],
)  # fmt: skip


def test_roots_are_ready_first() -> None:
    step = plan(BRANCH, {})
    assert step.ready == ["start"]
    assert not step.done


def test_untaken_branch_is_skipped_and_the_skip_cascades() -> None:
    states = {
        "start": NodeState("succeeded", frozenset({"out"})),
        "check": NodeState("succeeded", frozenset({"true"})),
    }
    step = plan(BRANCH, states)
    assert step.ready == ["yes"]
    assert step.skipped == ["no", "after_no"]


def test_merge_runs_when_one_branch_was_skipped() -> None:
    states = {
        "start": NodeState("succeeded", frozenset({"out"})),
        "check": NodeState("succeeded", frozenset({"true"})),
        "yes": NodeState("succeeded", frozenset({"out"})),
        "no": NodeState("skipped"),
        "after_no": NodeState("skipped"),
    }
    assert plan(BRANCH, states).ready == ["join"]


def test_a_node_waits_for_every_upstream_node() -> None:
    states = {
        "start": NodeState("succeeded", frozenset({"out"})),
        "check": NodeState("succeeded", frozenset({"true", "false"})),
        "yes": NodeState("succeeded", frozenset({"out"})),
        "no": NodeState("running"),
    }
    assert "join" not in plan(BRANCH, states).ready


def test_unhandled_failure_stops_scheduling() -> None:
    states = {"start": NodeState("succeeded", frozenset({"out"})), "check": NodeState("failed")}
    step = plan(BRANCH, states)
    assert step.failed_nodes == ["check"]
    assert step.ready == []


def test_failure_routed_to_the_error_port_continues_there() -> None:
    g = graph(
        [
            ("start", "Manual.trigger"),
            ("risky", "Core.set"),
            ("ok", "Core.set"),
            ("recover", "Core.set"),
        ],
        [
            ("start", "out", "risky", "in"),
            ("risky", "out", "ok", "in"),
            ("risky", "error", "recover", "in"),
        ],
    )
    states = {
        "start": NodeState("succeeded", frozenset({"out"})),
        "risky": NodeState("failed", frozenset({"error"})),
    }
    step = plan(g, states)
    assert step.failed_nodes == []
    assert step.ready == ["recover"]
    assert step.skipped == ["ok"]


def test_done_when_every_node_is_final() -> None:
    states = {n: NodeState("succeeded", frozenset({"out"})) for n in ("start", "yes", "join")}
    states |= {
        "check": NodeState("succeeded", frozenset({"true"})),
        "no": NodeState("skipped"),
        "after_no": NodeState("skipped"),
    }
    assert plan(BRANCH, states).done


def test_many_port_collects_every_active_edge_and_single_port_takes_one() -> None:
    states = {
        "yes": NodeState("succeeded", frozenset({"out"})),
        "after_no": NodeState("succeeded", frozenset({"out"})),
    }
    outputs = {"yes": {"out": 1}, "after_no": {"out": 2}}
    assert collect_inputs(BRANCH, "join", outputs, states) == {"in": [1, 2]}
    states["check"] = NodeState("succeeded", frozenset({"false"}))
    assert collect_inputs(BRANCH, "no", {"check": {"false": "x"}}, states) == {"in": "x"}


def test_primary_output_prefers_out_then_the_only_port() -> None:
    assert primary_output({"out": 1, "errors": []}) == 1
    assert primary_output({"true": "v"}) == "v"
    assert primary_output({"a": 1, "b": 2}) == {"a": 1, "b": 2}
    assert primary_output(None) is None


def test_descendants_include_the_node_and_everything_downstream() -> None:
    assert BRANCH.descendants("no") == {"no", "after_no", "join"}


def _random_dag(rng: random.Random, size: int) -> Any:
    """A random DAG of If nodes (two output ports) and Set nodes, edges only forwards."""
    nodes = [("n0", "Manual.trigger")] + [
        (f"n{i}", rng.choice(["Core.if", "Core.set"])) for i in range(1, size)
    ]
    ports = {"Manual.trigger": ["out"], "Core.if": ["true", "false"], "Core.set": ["out"]}
    edges = []
    for i in range(1, size):
        for j in rng.sample(range(i), k=min(i, rng.randint(1, 2))):
            edges.append((f"n{j}", rng.choice(ports[nodes[j][1]]), f"n{i}", "in"))
    return graph(nodes, edges), dict(nodes), ports


def test_the_incremental_frontier_decides_as_a_fresh_plan_at_every_step() -> None:
    for seed in range(60):
        rng = random.Random(seed)
        compiled, types, ports = _random_dag(rng, rng.randint(2, 25))
        frontier = Frontier(compiled, {})
        replanned: dict[str, NodeState] = {}
        while True:
            fresh = plan(compiled, replanned)
            step = frontier.plan()
            assert (step.ready, step.skipped, step.done, step.failed_nodes) == (
                fresh.ready, fresh.skipped, fresh.done, fresh.failed_nodes,
            ), seed  # fmt: skip
            replanned.update({n: NodeState("skipped") for n in fresh.skipped})
            if step.done or step.failed_nodes or not step.ready:
                break
            for node_id in step.ready:
                failed = rng.random() < 0.1
                emitted = {"error"} if failed else {rng.choice(ports[types[node_id]])}
                state = NodeState("failed" if failed else "succeeded", frozenset(emitted))
                frontier.settle(node_id, state)
                replanned[node_id] = state
        assert frontier.states == replanned


def test_a_sole_successor_is_exactly_what_the_next_plan_makes_ready() -> None:
    # As queue mode runs: every ready node gets a (queued) node run, and nodes end one by one.
    predicted = 0
    for seed in range(60):
        rng = random.Random(seed)
        compiled, types, ports = _random_dag(rng, rng.randint(2, 25))
        states: dict[str, NodeState] = {}
        ready = plan(compiled, states).ready
        while True:
            states |= {n: NodeState("queued") for n in ready}
            queued = [n for n, state in states.items() if state.status == "queued"]
            if not queued:
                break
            node_id = rng.choice(queued)
            failed = rng.random() < 0.1
            emitted = {"error"} if failed else {rng.choice(ports[types[node_id]])}
            states[node_id] = NodeState("failed" if failed else "succeeded", frozenset(emitted))
            successor = sole_successor(compiled, node_id, states[node_id])
            step = plan(compiled, states)
            if successor is not None:
                predicted += 1
                assert (step.ready, step.skipped, step.done, step.failed_nodes) == (
                    [successor], [], False, [],
                ), seed  # fmt: skip
            if step.failed_nodes:
                break
            states |= {n: NodeState("skipped") for n in step.skipped}
            ready = step.ready
    assert predicted > 20
