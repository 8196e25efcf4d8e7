"""Pure scheduling: given a graph and its node states, which nodes are ready, skipped or done.

Kahn-style over explicit edges. A node becomes ready once every upstream node is final and at
least one incoming edge is active (its source emitted that port); if none is, it is skipped,
and skipping cascades within one call. No I/O here, so every rule is unit-testable.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from kyra.graph.document import Edge, GraphDocument, GraphNode
from kyra.registry import Registry
from kyra.spec import NodeSpec

SUCCEEDED = "succeeded"
FAILED = "failed"
SKIPPED = "skipped"
CANCELLED = "cancelled"
FINAL = frozenset({SUCCEEDED, FAILED, SKIPPED, CANCELLED})
ERROR_PORT = "error"


@dataclass(frozen=True)
class NodeState:
    """What the scheduler needs of a node run: its status and the ports it emitted."""

    status: str
    ports: frozenset[str] = frozenset()

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def unhandled_failure(self) -> bool:
        return self.status == FAILED and ERROR_PORT not in self.ports


@dataclass(slots=True)
class Plan:
    ready: list[str]
    skipped: list[str]
    #: Every node is final.
    done: bool
    #: A node failed without an error branch: the run fails.
    failed_nodes: list[str] = field(default_factory=list)


@dataclass
class CompiledGraph:
    """A validated document with lookups the scheduler and runner need, built once per version."""

    document: GraphDocument
    specs: dict[str, NodeSpec]
    nodes: dict[str, GraphNode]
    incoming: dict[str, list[Edge]]
    outgoing: dict[str, list[Edge]]
    order: list[str]

    @cached_property
    def chained(self) -> dict[str, str]:
        """Node → the one node downstream of it, where it is also that node's only upstream
        node."""
        found = {}
        for node_id in self.order:
            targets = {edge.target for edge in self.outgoing.get(node_id, ())}
            if len(targets) == 1:
                (target,) = targets
                if all(edge.source == node_id for edge in self.incoming[target]):
                    found[node_id] = target
        return found

    @cached_property
    def many_inputs(self) -> dict[str, frozenset[str]]:
        """Node → its input ports that collect every incoming edge (``many``)."""
        return {
            node_id: frozenset(port.name for port in spec.inputs if port.many)
            for node_id, spec in self.specs.items()
        }

    @cached_property
    def position(self) -> dict[str, int]:
        """Node → its place in :attr:`order`."""
        return {node_id: i for i, node_id in enumerate(self.order)}

    @cached_property
    def indegree(self) -> dict[str, int]:
        """Node → how many edges come into it."""
        return {node_id: len(self.incoming.get(node_id, ())) for node_id in self.order}

    @property
    def sinks(self) -> list[str]:
        return [node_id for node_id in self.order if not self.outgoing[node_id]]

    def descendants(self, node_id: str) -> set[str]:
        """``node_id`` and every node reachable from it."""
        seen = {node_id}
        queue = deque([node_id])
        while queue:
            for edge in self.outgoing[queue.popleft()]:
                if edge.target not in seen:
                    seen.add(edge.target)
                    queue.append(edge.target)
        return seen


def compile_graph(document: GraphDocument, registry: Registry) -> CompiledGraph:
    """Index a document that already passed validation."""
    nodes = {node.id: node for node in document.nodes}
    specs: dict[str, NodeSpec] = {}
    for node in document.nodes:
        spec = registry.get(node.type)
        if spec is None:
            raise KeyError(f"unknown node type {node.type!r}")
        specs[node.id] = spec
    incoming: dict[str, list[Edge]] = defaultdict(list)
    outgoing: dict[str, list[Edge]] = defaultdict(list)
    for edge in document.edges:
        incoming[edge.target].append(edge)
        outgoing[edge.source].append(edge)
    indegree = {node_id: len(incoming[node_id]) for node_id in nodes}
    queue = deque(node_id for node_id in nodes if indegree[node_id] == 0)
    order: list[str] = []
    while queue:
        node_id = queue.popleft()
        order.append(node_id)
        for edge in outgoing[node_id]:
            indegree[edge.target] -= 1
            if indegree[edge.target] == 0:
                queue.append(edge.target)
    return CompiledGraph(document, specs, nodes, dict(incoming), dict(outgoing), order)


def _edge_active(edge: Edge, states: Mapping[str, NodeState]) -> bool:
    state = states.get(edge.source)
    if state is None or state.status not in (SUCCEEDED, FAILED):
        return False
    return edge.source_port in state.ports


class Frontier:
    """The scheduling rules, kept up to date as nodes settle: a run driven in memory pays
    for each edge once, rather than a pass over the whole graph per step.

    ``states`` is updated in place by :meth:`settle`; nodes :meth:`plan` returns as ready are
    not returned again.
    """

    def __init__(self, graph: CompiledGraph, states: dict[str, NodeState]) -> None:
        self.graph = graph
        self.states = states
        self._position = graph.position
        self._final = {n for n, state in states.items() if state.final and n in self._position}
        self._failed = [node_id for node_id, state in states.items() if state.unhandled_failure]
        if self._final:
            self._waiting = {
                node_id: sum(e.source not in self._final for e in graph.incoming.get(node_id, ()))
                for node_id in graph.order
            }
        else:  # a run's start: every edge still waits
            self._waiting = dict(graph.indegree)
        self._candidates = [
            (self._position[node_id], node_id)
            for node_id, count in self._waiting.items()
            if count == 0 and node_id not in states
        ]
        heapq.heapify(self._candidates)

    def settle(self, node_id: str, state: NodeState) -> None:
        """Record a node's state; a final one releases the nodes downstream of it."""
        self.states[node_id] = state
        if state.unhandled_failure:
            self._failed.append(node_id)
        if not state.final or node_id in self._final or node_id not in self._position:
            return
        self._final.add(node_id)
        for edge in self.graph.outgoing.get(node_id, ()):
            self._waiting[edge.target] -= 1
            if self._waiting[edge.target] == 0 and edge.target not in self.states:
                heapq.heappush(self._candidates, (self._position[edge.target], edge.target))

    def plan(self) -> Plan:
        """Decide what happens next; skipped nodes are settled here (skipping cascades)."""
        ready: list[str] = []
        skipped: list[str] = []
        while self._candidates:
            _, node_id = heapq.heappop(self._candidates)
            if node_id in self.states:
                continue
            edges = self.graph.incoming.get(node_id, [])
            if not edges or any(_edge_active(e, self.states) for e in edges):
                ready.append(node_id)
            else:
                skipped.append(node_id)
                self.settle(node_id, NodeState(SKIPPED))
        if self._failed:
            for node_id in ready:  # not started: still candidates
                heapq.heappush(self._candidates, (self._position[node_id], node_id))
            ready = []
        done = len(self._final) == len(self.graph.order)
        return Plan(ready=ready, skipped=skipped, done=done, failed_nodes=list(self._failed))


def plan(graph: CompiledGraph, states: Mapping[str, NodeState]) -> Plan:
    """Decide what happens next. ``states`` holds every node that has a node run."""
    return Frontier(graph, dict(states)).plan()


def sole_successor(graph: CompiledGraph, node_id: str, state: NodeState) -> str | None:
    """The node that ``node_id`` ending in ``state`` makes ready, when no other node's state can
    change what happens next: it is the only node downstream of ``node_id``, ``node_id`` is its
    only upstream node, and an edge between them is active. Then nothing is skipped, nothing
    else becomes ready, and the run is not done (a chain's step)."""
    target = graph.chained.get(node_id)
    if target is None or state.status not in (SUCCEEDED, FAILED) or state.unhandled_failure:
        return None
    for edge in graph.outgoing[node_id]:
        if edge.source_port in state.ports:
            return target
    return None


def collect_inputs(
    graph: CompiledGraph,
    node_id: str,
    outputs: Mapping[str, Mapping[str, Any]],
    states: Mapping[str, NodeState],
) -> dict[str, Any]:
    """Values arriving on each input port over active edges (a list for ``many`` ports)."""
    many = graph.many_inputs[node_id]
    inputs: dict[str, Any] = {}
    for edge in graph.incoming.get(node_id, []):
        if not _edge_active(edge, states):
            continue
        value = outputs.get(edge.source, {}).get(edge.source_port)
        if edge.target_port in many:
            inputs.setdefault(edge.target_port, []).append(value)
        else:
            inputs.setdefault(edge.target_port, value)
    return inputs


def primary_output(ports: Mapping[str, Any] | None) -> Any:
    """The value templates see as ``nodes.<id>.output``: port ``out``, or the only port emitted."""
    if not ports:
        return None
    if "out" in ports:
        return ports["out"]
    if len(ports) == 1:
        return next(iter(ports.values()))
    return dict(ports)
