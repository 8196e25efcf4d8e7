"""Operations on existing runs: cancel, resume after a pause, and re-run from a node."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.direct import session_driver
from kyra.db.models import GraphVersion, NodeRun, Run
from kyra.db.queries import queue_runs
from kyra.db.queries import runs as run_queries
from kyra.db.queries.llm import recount_budget
from kyra.engine.inflight import cancel_inline
from kyra.engine.inline import execute_scope, save_run_result
from kyra.engine.runner import RunScope
from kyra.engine.scheduler import CompiledGraph, NodeState
from kyra.engine.services import EngineServices
from kyra.engine.versions import compiled_version
from kyra.errors import ConflictError, NotFoundError
from kyra.status import TERMINAL_RUN, NodeRunStatus, RunStatus


async def cancel_run(services: EngineServices, run_id: uuid.UUID) -> None:
    """Cancel a run: pending node runs are cancelled; running ones stop at their next renewal."""
    cancel_inline(run_id)
    async with services.session_factory() as session, session.begin():
        run = await run_queries.lock_run(session, run_id)
        if run is None or run.status in TERMINAL_RUN:
            return
        run.status, run.finished_at = RunStatus.cancelled, datetime.now(UTC)
        await queue_runs.cancel_pending(await session_driver(session), run_id, running=True)
        view = run_queries.run_view(run)
    await services.hooks.run_changed(view)


@dataclass
class Resumed:
    """A run set running again, with the node runs to send once its transaction commits."""

    view: dict[str, Any]
    node_run_ids: list[uuid.UUID]


async def resume_locked(
    session: AsyncSession, run: Run, *, queue: str, budget_usd: Decimal | None = None
) -> Resumed:
    """Inside the transaction holding ``run``'s lock: set the paused run running on the workers
    of ``queue`` (optionally with a new budget); paused node runs start a fresh attempt."""
    run.status, run.pause_reason, run.mode, run.finished_at = RunStatus.running, None, "queue", None
    run.queue = queue
    if budget_usd is not None:
        run.budget_usd = budget_usd
    node_run_ids = await run_queries.requeue_paused(session, run.id)
    # Nothing of the run executes while it is paused: drop reservations of crashed calls.
    await recount_budget(session, run.id)
    return Resumed(run_queries.run_view(run), node_run_ids)


async def announce_resumed(services: EngineServices, resumed: Resumed) -> None:
    """After commit: send the resumed run's work and publish its new status."""
    assert services.dispatcher is not None
    run_id = uuid.UUID(resumed.view["id"])
    for node_run_id in resumed.node_run_ids:
        await services.dispatcher.execute_node(node_run_id)
    if not resumed.node_run_ids:
        await services.dispatcher.advance_run(run_id)
    await services.hooks.run_changed(resumed.view)


async def resume_run(
    services: EngineServices, run_id: uuid.UUID, *, budget_usd: Decimal | None = None
) -> None:
    """Continue a paused run on the workers (optionally with a new budget)."""
    if services.dispatcher is None:
        raise ConflictError("no queue is configured to resume runs on")
    async with services.session_factory() as session, session.begin():
        run = await run_queries.lock_run(session, run_id)
        if run is None or run.status != "paused":
            raise ConflictError("only paused runs can be resumed")
        resumed = await resume_locked(
            session, run, queue=services.dispatcher.queue_name, budget_usd=budget_usd
        )
    await announce_resumed(services, resumed)


async def rerun_from(
    services: EngineServices,
    source: Run,
    from_node: str,
    *,
    mode: str,
    version: GraphVersion | None = None,
) -> Run:
    """A new run with the trigger of ``source``, reusing every output not downstream of
    ``from_node``. On another ``version`` (the editor's unsaved edits, saved), nodes that changed
    since ``source`` ran run again too, with everything downstream of them."""
    async with services.session_factory() as session:
        ran = await session.get(GraphVersion, source.graph_version_id)
        assert ran is not None
        previous = await run_queries.node_rows(session, source.id)
    version = version or ran
    graph = compiled_version(services, version)
    if from_node not in graph.nodes:
        raise NotFoundError(f"node {from_node!r} is not in the graph version of run {source.id}")
    rerun = graph.descendants(from_node)
    if version.id != ran.id:
        for node_id in _changed_nodes(compiled_version(services, ran), graph):
            rerun |= graph.descendants(node_id)
    kept = [
        n
        for n in previous
        if n.node_id in graph.nodes
        and n.node_id not in rerun
        and n.status in (NodeRunStatus.succeeded, NodeRunStatus.skipped, NodeRunStatus.failed)
    ]
    run = Run(
        owner_id=source.owner_id, graph_id=source.graph_id, graph_version_id=version.id,
        status=RunStatus.queued, mode=mode, trigger_kind="rerun", trigger=source.trigger,
        budget_usd=source.budget_usd, source_run_id=source.id, created_at=datetime.now(UTC),
        queue=services.dispatcher.queue_name if mode == "queue" and services.dispatcher else None,
    )  # fmt: skip
    return await start_prefilled(
        services, run, graph, version.version, [_copy(run.id, n) for n in kept]
    )


async def start_prefilled(
    services: EngineServices,
    run: Run,
    graph: CompiledGraph,
    version: int,
    prefilled: list[NodeRun],
) -> Run:
    """Start ``run`` (new, not stored yet) with some node runs already done: reused or pinned
    outputs. In ``sync`` mode ``graph`` may be part of the version (the nodes up to one node)."""
    now = datetime.now(UTC)
    if run.mode == "sync":
        scope = RunScope(
            run.id, run.owner_id, run.graph_id, version, "sync", run.trigger, graph, now,
            budget_usd=run.budget_usd,
        )  # fmt: skip
        for done in prefilled:
            scope.states[done.node_id] = NodeState(done.status, frozenset(done.output or ()))
            if done.output is not None:
                scope.add_output(done.node_id, done.output)
        run.status, run.started_at = RunStatus.running, now
        result = await execute_scope(services, scope, run)
        result.node_runs[:0] = prefilled
        await save_run_result(services, result)
        return run
    if services.dispatcher is None:
        raise ConflictError("no queue is configured to run on")
    run.queue = services.dispatcher.queue_name
    async with services.session_factory() as session, session.begin():
        session.add(run)
        await session.flush()
        session.add_all(prefilled)
    await services.dispatcher.advance_run(run.id)
    return run


def _changed_nodes(old: CompiledGraph, new: CompiledGraph) -> list[str]:
    """Nodes of ``new`` that are not in ``old`` as they are: new, edited or rewired."""

    def definition(graph: CompiledGraph, node_id: str) -> tuple[object, ...]:
        node = graph.nodes[node_id]
        wiring = sorted(
            (e.source, e.source_port, e.target_port) for e in graph.incoming.get(node_id, [])
        )
        return node.type, node.params, node.settings, node.credentials, wiring

    return [
        node_id
        for node_id in new.nodes
        if node_id not in old.nodes or definition(old, node_id) != definition(new, node_id)
    ]


def _copy(run_id: uuid.UUID, node_run: NodeRun) -> NodeRun:
    copied = ("node_id", "node_type", "status", "attempt", "inputs", "params", "output", "error")
    timing = ("started_at", "finished_at", "duration_ms")
    values = {name: getattr(node_run, name) for name in (*copied, *timing)}
    return NodeRun(run_id=run_id, reused=True, **values)
