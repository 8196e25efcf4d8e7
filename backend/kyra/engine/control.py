"""Operations on existing runs: cancel, resume after a pause, and re-run from a node."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import GraphVersion, NodeRun, Run
from kyra.db.queries import runs as run_queries
from kyra.db.queries.llm import recount_budget
from kyra.engine.inflight import cancel_inline
from kyra.engine.inline import execute_scope, save_run_result
from kyra.engine.runner import RunScope
from kyra.engine.scheduler import NodeState
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
        await run_queries.cancel_pending(session, run_id, running=True)
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


async def rerun_from(services: EngineServices, source: Run, from_node: str, *, mode: str) -> Run:
    """A new run of the same version and trigger, reusing every output not downstream of
    ``from_node``."""
    async with services.session_factory() as session:
        version = await session.get(GraphVersion, source.graph_version_id)
        assert version is not None
        previous = await run_queries.node_rows(session, source.id)
    graph = compiled_version(services, version)
    if from_node not in graph.nodes:
        raise NotFoundError(f"node {from_node!r} is not in the graph version of run {source.id}")
    rerun = graph.descendants(from_node)
    kept = [
        n
        for n in previous
        if n.node_id not in rerun
        and n.status in (NodeRunStatus.succeeded, NodeRunStatus.skipped, NodeRunStatus.failed)
    ]
    now = datetime.now(UTC)
    run = Run(
        owner_id=source.owner_id, graph_id=source.graph_id, graph_version_id=version.id,
        status=RunStatus.queued, mode=mode, trigger_kind="rerun", trigger=source.trigger,
        budget_usd=source.budget_usd, source_run_id=source.id, created_at=now,
        queue=services.dispatcher.queue_name if mode == "queue" and services.dispatcher else None,
    )  # fmt: skip
    copies = [_copy(run.id, n) for n in kept]
    if mode == "sync":
        scope = RunScope(
            run.id, run.owner_id, run.graph_id, version.version, "sync", run.trigger, graph, now,
            budget_usd=run.budget_usd,
        )  # fmt: skip
        for copy in copies:
            scope.states[copy.node_id] = NodeState(copy.status, frozenset(copy.output or ()))
            if copy.output is not None:
                scope.add_output(copy.node_id, copy.output)
        run.status, run.started_at = RunStatus.running, now
        result = await execute_scope(services, scope, run)
        result.node_runs[:0] = copies
        await save_run_result(services, result)
        return result.run
    if services.dispatcher is None:
        raise ConflictError("no queue is configured to run on")
    async with services.session_factory() as session, session.begin():
        session.add(run)
        await session.flush()
        session.add_all(copies)
    await services.dispatcher.advance_run(run.id)
    return run


def _copy(run_id: uuid.UUID, node_run: NodeRun) -> NodeRun:
    copied = ("node_id", "node_type", "status", "attempt", "inputs", "params", "output", "error")
    timing = ("started_at", "finished_at", "duration_ms")
    values = {name: getattr(node_run, name) for name in (*copied, *timing)}
    return NodeRun(run_id=run_id, reused=True, **values)
