"""Test runs started from the editor: pinned outputs stand in for their nodes, and a run may stop
after one node ("Execute this node").

Only the editor's test-run route starts these. Runs from triggers, schedules and the runs API
never read the pinned data a graph document keeps for the editor.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kyra.db.models import Graph, GraphVersion, NodeRun, Run
from kyra.engine.control import start_prefilled
from kyra.engine.scheduler import CompiledGraph, compile_graph
from kyra.engine.services import EngineServices
from kyra.engine.versions import compiled_version
from kyra.errors import GraphInvalidError, NotFoundError
from kyra.graph.validate import GraphError, output_ports

#: ``trigger_kind`` of runs started from the editor with test data.
TEST_TRIGGER = "test"


def _up_to(graph: CompiledGraph, node_id: str, services: EngineServices) -> CompiledGraph:
    """The part of ``graph`` a run of ``node_id`` needs: the node and everything before it."""
    keep = {node_id}
    stack = [node_id]
    while stack:
        for edge in graph.incoming.get(stack.pop(), []):
            if edge.source not in keep:
                keep.add(edge.source)
                stack.append(edge.source)
    document = graph.document.model_copy(
        update={
            "nodes": [n for n in graph.document.nodes if n.id in keep],
            "edges": [e for e in graph.document.edges if e.source in keep and e.target in keep],
        }
    )
    return compile_graph(document, services.registry)


def pinned_errors(
    graph: CompiledGraph, pinned: Mapping[str, Mapping[str, Any]]
) -> list[GraphError]:
    """Pinned outputs that name a node or an output port the graph does not have."""
    errors = []
    for node_id, ports in pinned.items():
        node = graph.nodes.get(node_id)
        if node is None:
            message = f"pinned node {node_id!r} is not in the graph"
            errors.append(GraphError(node_id, f"pinned.{node_id}", "unknown_node", message))
            continue
        unknown = sorted(set(ports) - set(output_ports(graph.specs[node_id], node)))
        if unknown:
            message = f"{node.type} has no output ports {unknown}"
            errors.append(GraphError(node_id, f"pinned.{node_id}", "unknown_port", message))
    return errors


def _pinned_runs(
    graph: CompiledGraph, run: Run, pinned: Mapping[str, Mapping[str, Any]]
) -> list[NodeRun]:
    """Pinned outputs as finished node runs (refused with every problem when they do not fit)."""
    errors = pinned_errors(graph, pinned)
    if errors:
        raise GraphInvalidError(errors)
    now = datetime.now(UTC)
    runs = []
    for node_id, ports in pinned.items():
        node = graph.nodes[node_id]
        done = NodeRun(
            run_id=run.id, node_id=node_id, node_type=node.type, status="succeeded",
            output=dict(ports), reused=True, started_at=now, finished_at=now, duration_ms=0,
        )  # fmt: skip
        runs.append(done)
    return runs


async def start_test_run(
    services: EngineServices,
    *,
    graph: Graph,
    version: GraphVersion,
    trigger: dict[str, Any],
    pinned: Mapping[str, Mapping[str, Any]],
    until: str | None,
    mode: str,
) -> Run:
    """A run of ``version`` where ``pinned`` nodes do not execute but give their pinned outputs;
    with ``until``, only that node and the nodes before it (``sync`` mode only)."""
    compiled = compiled_version(services, version)
    if until is not None:
        if until not in compiled.nodes:
            raise NotFoundError(f"node {until!r} is not in the graph")
        compiled = _up_to(compiled, until, services)
        pinned = {k: v for k, v in pinned.items() if k != until and k in compiled.nodes}
    default_budget = (graph.settings or {}).get("budget_usd")
    run = Run(
        owner_id=graph.owner_id, graph_id=graph.id, graph_version_id=version.id,
        status="queued", mode=mode, trigger_kind=TEST_TRIGGER, trigger=trigger,
        budget_usd=Decimal(str(default_budget)) if default_budget is not None else None,
        created_at=datetime.now(UTC),
    )  # fmt: skip
    prefilled = _pinned_runs(compiled, run, pinned)
    return await start_prefilled(services, run, compiled, version.version, prefilled)
