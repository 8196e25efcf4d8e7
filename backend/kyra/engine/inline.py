"""Inline dispatch (``sync`` mode): run a whole graph in this process, then record it at once.

Everything stays in memory while the graph runs and is written in one transaction at the end,
which is what makes ``sync`` webhooks fast. Sub-graph calls from any mode run this way too.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kyra.db.errors import is_unavailable
from kyra.db.models import Graph, GraphVersion, NodeRun, NodeRunRow, Run, RunRow
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries import runs as run_queries
from kyra.engine.inflight import InlineControl, register, unregister
from kyra.engine.invoke import error_dict, retrying
from kyra.engine.runner import Outcome, RunScope, attempt_node, retry_policy, routed_ports
from kyra.engine.scheduler import Frontier, NodeState, Plan, primary_output, sole_successor
from kyra.engine.services import EngineServices
from kyra.engine.versions import compiled_version
from kyra.errors import NotFoundError, RunCancelledError, UnstorableValueError
from kyra.hooks import FINISHED
from kyra.status import NodeRunStatus, RunStatus

_log = logging.getLogger("kyra.engine")


@dataclass
class RunResult:
    """A finished inline run with its records (persisted or not, per the graph's settings)."""

    run: Run | RunRow
    node_runs: list[NodeRun | NodeRunRow]
    children: list[RunResult] = field(default_factory=list)
    #: Whether the run and its records were stored.
    saved: bool = False

    @property
    def run_id(self) -> uuid.UUID:
        return self.run.id

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def output(self) -> Any:
        return self.run.output

    @property
    def error(self) -> dict[str, Any] | None:
        return self.run.error


def node_run_record(
    run_id: uuid.UUID, node_id: str, node_type: str, outcome: Outcome, attempt: int
) -> NodeRunRow:
    return NodeRunRow(
        run_id=run_id,
        node_id=node_id,
        node_type=node_type,
        status=outcome.status,
        attempt=attempt,
        inputs=outcome.inputs,
        params=outcome.params,
        output=outcome.ports,
        error=outcome.error,
        started_at=outcome.started_at,
        finished_at=outcome.finished_at,
        duration_ms=outcome.duration_ms,
        cost_usd=outcome.cost_usd,
        input_tokens=outcome.input_tokens,
        output_tokens=outcome.output_tokens,
    )


async def _attempt_with_retries(
    services: EngineServices, scope: RunScope, node_id: str
) -> tuple[Outcome, int]:
    policy = retry_policy(scope, node_id)
    if policy.attempts == 1:  # most nodes: no closure and retry loop to go through
        return await attempt_node(services, scope, node_id, attempt=1), 1

    async def attempt(number: int) -> Outcome:
        return await attempt_node(services, scope, node_id, attempt=number)

    return await retrying(policy, attempt, Outcome.failure)


def adopt_steps(record: NodeRun | NodeRunRow, steps: list[NodeRun]) -> list[NodeRun]:
    """Agent steps recorded in memory become children of the node run ``record``."""
    for step in steps:
        step.parent_node_run_id = step.parent_node_run_id or record.id
    return steps


def run_output(scope: RunScope) -> dict[str, Any]:
    """A run's output: the primary output of every sink node that succeeded, by node id."""
    return {
        node_id: primary_output(scope.outputs.get(node_id))
        for node_id in scope.graph.sinks
        if scope.states.get(node_id, NodeState("")).status == NodeRunStatus.succeeded
    }


async def _gather_attempts(
    services: EngineServices, scope: RunScope, ready: list[str], control: InlineControl
) -> list[tuple[Outcome, int]]:
    """Attempt the ready nodes concurrently; a node stopped by a cancel comes back cancelled.

    Each attempt is a task of its own, so that a cancel reaches exactly the nodes in flight
    (a lone ready node runs in the run's own task instead: see :func:`_attempt_alone`).
    """
    tasks = [
        asyncio.ensure_future(_attempt_with_retries(services, scope, node_id)) for node_id in ready
    ]
    control.tasks.update(tasks)
    try:
        results = await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        control.tasks.difference_update(tasks)
    outcomes: list[tuple[Outcome, int]] = []
    for node_id, result in zip(ready, results, strict=True):
        if isinstance(result, asyncio.CancelledError) and control.cancelled:
            outcomes.append((_cancelled(scope, node_id), 1))
        elif isinstance(result, BaseException):
            raise result
        else:
            outcomes.append(result)
    return outcomes


async def _attempt_alone(
    services: EngineServices,
    scope: RunScope,
    node_id: str,
    control: InlineControl,
    task: asyncio.Task[Any],
) -> tuple[Outcome, int]:
    """Attempt one node in the run's own ``task`` (the current one): a task of its own cost two
    turns of the event loop per node. A cancel of the run cancels this task while the node is
    in flight; once the node is recorded as cancelled, the task's cancellation is taken back and
    the run ends as usual."""
    control.tasks.add(task)
    try:
        return await _attempt_with_retries(services, scope, node_id)
    except asyncio.CancelledError:
        if not control.cancelled:
            raise
        task.uncancel()
        return _cancelled(scope, node_id), 1
    finally:
        control.tasks.discard(task)


def _cancelled(scope: RunScope, node_id: str) -> Outcome:
    now = datetime.now(UTC)
    error = error_dict(RunCancelledError("the run was cancelled while this node ran"))
    return Outcome(
        status=NodeRunStatus.cancelled, inputs={}, error=error, started_at=now, finished_at=now
    )


async def execute_scope(
    services: EngineServices,
    scope: RunScope,
    run: Run | RunRow,
    control: InlineControl | None = None,
) -> RunResult:
    """Drive ``scope`` to completion in memory, filling ``run`` with the final status.

    ``control`` lets another task cancel the run: the nodes in flight stop, and the run ends
    ``cancelled`` with the records of what ran.
    """
    control = control or InlineControl()
    task = asyncio.current_task()
    assert task is not None, "inline runs execute in a task"
    run_id = run.id
    records: list[NodeRun | NodeRunRow] = []
    children: list[RunResult] = []
    frontier = Frontier(scope.graph, scope.states)
    step = frontier.plan()
    while not control.cancelled:
        for node_id in step.skipped:
            records.append(
                NodeRunRow(
                    run_id=run_id,
                    node_id=node_id,
                    node_type=scope.graph.nodes[node_id].type,
                    status=NodeRunStatus.skipped,
                )
            )
        if step.failed_nodes or step.done or not step.ready:
            break
        if len(step.ready) == 1:  # every step of a chain
            results = [await _attempt_alone(services, scope, step.ready[0], control, task)]
        else:
            results = await _gather_attempts(services, scope, step.ready, control)
        paused = False
        state = NodeState("")
        for node_id, (outcome, attempt) in zip(step.ready, results, strict=True):
            ports = routed_ports(outcome, scope.graph, node_id)
            state = NodeState(outcome.status, frozenset(ports or ()))
            frontier.settle(node_id, state)
            if outcome.status == NodeRunStatus.succeeded or ports:
                scope.add_output(node_id, ports or {})
            record = node_run_record(
                run_id, node_id, scope.graph.nodes[node_id].type, outcome, attempt
            )
            records.append(record)
            if outcome.steps:
                records.extend(adopt_steps(record, outcome.steps))
            children.extend(outcome.children)
            if outcome.cost_usd or outcome.input_tokens or outcome.output_tokens:
                run.cost_usd += outcome.cost_usd
                run.input_tokens += outcome.input_tokens
                run.output_tokens += outcome.output_tokens
            paused = paused or outcome.status == NodeRunStatus.paused
        if paused:
            break
        step = _next_step(frontier, scope, step, state)
    if control.cancelled:
        run.status, run.finished_at = RunStatus.cancelled, datetime.now(UTC)
        run.output = run_output(scope)
    else:
        _finish(run, scope, step.failed_nodes, records)
    return RunResult(run, records, children)


def _next_step(frontier: Frontier, scope: RunScope, done: Plan, last: NodeState) -> Plan:
    """What runs after the step ``done``, whose last node ended in ``last``: a chain's step makes
    exactly its one successor ready, with no need to plan."""
    if len(done.ready) == 1:
        successor = sole_successor(scope.graph, done.ready[0], last)
        if successor is not None and successor not in scope.states:
            return Plan([successor], [], done=False)
    return frontier.plan()


def _finish(
    run: Run | RunRow, scope: RunScope, failed_nodes: list[str], records: list[NodeRun | NodeRunRow]
) -> None:
    run.finished_at = datetime.now(UTC)
    paused = [r for r in records if r.status == NodeRunStatus.paused]
    if failed_nodes:
        first = next(r for r in records if r.node_id == failed_nodes[0])
        run.status = RunStatus.failed
        run.error = {"node_id": first.node_id, **(first.error or {})}
    elif paused:
        run.status, run.finished_at = RunStatus.paused, None
        error = paused[0].error or {}
        run.pause_reason = (error.get("details") or {}).get("reason") or error.get(
            "type", RunStatus.paused
        )
    else:
        run.status = RunStatus.succeeded
    run.output = run_output(scope)


def saves_run(policy: str | None, status: str) -> bool:
    """Whether a graph's ``save_runs`` setting (None: unset) keeps a run that ended so."""
    policy = policy or "all"
    return policy == "all" or (policy == "failures" and status != RunStatus.succeeded)


async def run_graph_inline(
    services: EngineServices,
    *,
    graph: Graph,
    version: GraphVersion,
    run: Run | RunRow,
    persisted: bool = False,
) -> RunResult:
    """Run ``run`` (a new row, or one already ``persisted`` and leased) in ``sync`` mode and
    record it.

    A run that is not yet persisted is written only if the graph's ``save_runs`` allows; a
    persisted one keeps its lease renewed until its result is stored.
    """
    compiled = compiled_version(services, version)
    now = datetime.now(UTC)
    run.status, run.mode, run.started_at = RunStatus.running, "sync", now
    scope = RunScope(
        run.id, graph.owner_id, graph.id, version.version, "sync", run.trigger, compiled, now,
        budget_usd=run.budget_usd, traceparent=run.traceparent,
    )  # fmt: skip
    control = register(run.id)
    if persisted:
        services.sync_leases.hold(run.id)
    try:
        result = await execute_scope(services, scope, run, control)
        if persisted or saves_run((graph.settings or {}).get("save_runs"), result.status):
            await save_run_result(services, result)
    finally:
        unregister(run.id)
        services.sync_leases.release(run.id)
    if result.status in FINISHED:
        await services.hooks.run_finished(run_queries.run_view(result.run, version=version.version))
    return result


async def save_run_result(services: EngineServices, result: RunResult) -> None:
    """Store a finished inline run with its node runs and child runs, in one transaction.

    While the database is unreachable the write is retried for a while; a result the database
    refuses is stored as a failed run without the refused values. If the write never succeeds,
    a stored run's lease expires and the reaper fails it.
    """
    deadline = asyncio.get_running_loop().time() + services.settings.lease_seconds / 2
    pause, refused = 0.2, False
    while True:
        try:
            async with services.driver.connection() as connection:
                if not await run_queries.store_finished(connection, result):
                    _log.warning("run %s was already final; its result is dropped", result.run.id)
                    return
            result.saved = True
            return
        except Exception as exc:
            if not is_unavailable(exc):
                if refused:
                    raise
                _log.warning("run %s: result refused by the database: %s", result.run.id, exc)
                _strip_unstorable(result, exc)
                refused = True
                continue
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)


def _strip_unstorable(result: RunResult, exc: Exception) -> None:
    """Turn a result the database refused into a failed run without payloads (errors kept)."""
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    error = error_dict(UnstorableValueError(f"the run's results could not be stored: {reason}"))
    run = result.run
    run.status, run.output, run.error = RunStatus.failed, None, error
    run.finished_at = run.finished_at or datetime.now(UTC)
    for record in result.node_runs:
        record.inputs = record.params = record.output = None
    result.children.clear()


async def run_child_graph(
    services: EngineServices,
    parent: RunScope,
    graph_id: uuid.UUID,
    trigger: dict[str, Any],
    *,
    key: str,
) -> RunResult:
    """Run another graph of the same owner inline as a child of ``parent`` (recorded with it)."""
    async with services.session_factory() as session:
        try:
            graph = await graph_queries.get_graph(
                session, owner_id=parent.owner_id, graph_id=graph_id
            )
        except NotFoundError:
            raise NotFoundError(f"sub-graph {graph_id} not found") from None
        version = await graph_queries.latest_version(session, graph.id)
    compiled = compiled_version(services, version)
    now = datetime.now(UTC)
    run = Run(
        owner_id=parent.owner_id,
        graph_id=graph.id,
        graph_version_id=version.id,
        status=RunStatus.running,
        mode=parent.mode,
        trigger_kind="subgraph",
        trigger=trigger,
        parent_run_id=parent.run_id,
        parent_key=key,
        created_at=now,
        started_at=now,
    )
    scope = RunScope(
        run.id, parent.owner_id, graph.id, version.version, parent.mode, trigger, compiled, now,
        depth=parent.depth + 1, root_run_id=parent.root_run_id or parent.run_id,
        budget_usd=parent.budget_usd, traceparent=parent.traceparent,
    )  # fmt: skip
    return await execute_scope(services, scope, run)
