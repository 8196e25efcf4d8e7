"""Queue dispatch (``queue`` mode): Postgres holds every state change; workers hold leases.

``advance_run`` decides which node runs to create (under the run row's lock) and sends their
ids; ``execute_node_run`` claims one by lease, runs one attempt while renewing the lease, and
records the outcome only if it still holds the lease. ``reap`` re-sends work whose worker died
or whose message was lost, so a killed worker delays a run but never loses it, and a node that
completed is never executed again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.direct import Driver
from kyra.db.errors import is_unavailable
from kyra.db.models import NodeRunRow, Run, RunRow
from kyra.db.queries import queue_runs
from kyra.db.queries import runs as run_queries
from kyra.db.queries.queue_runs import NodeStateRow
from kyra.engine.dispatch import Dispatcher
from kyra.engine.inline import run_output, saves_run
from kyra.engine.invoke import error_dict
from kyra.engine.runner import Outcome, RunScope, attempt_node, retry_policy, routed_ports
from kyra.engine.scheduler import NodeState, plan, sole_successor
from kyra.engine.services import EngineServices
from kyra.engine.versions import load_compiled
from kyra.errors import UnstorableValueError
from kyra.status import NodeRunStatus, RunStatus

_log = logging.getLogger("kyra.engine")
_REAPER_LOCK = 726173


def _dispatcher(services: EngineServices) -> Dispatcher:
    if services.dispatcher is None:
        raise RuntimeError("queue mode needs a dispatcher (is a broker configured?)")
    return services.dispatcher


async def _scope(
    services: EngineServices, connection: Driver, run: RunRow,
    rows: list[NodeStateRow],
) -> RunScope:  # fmt: skip
    """The run's scope with the states and outputs of ``rows`` (from ``node_states``)."""
    compiled, number = await load_compiled(services, connection, run.graph_version_id)
    scope = RunScope(
        run.id, run.owner_id, run.graph_id, number, run.mode, run.trigger or {}, compiled,
        run.started_at or run.created_at, root_run_id=run.parent_run_id, budget_usd=run.budget_usd,
        traceparent=run.traceparent,
    )  # fmt: skip
    _update_states(scope, rows)
    return scope


def _update_states(scope: RunScope, rows: list[NodeStateRow]) -> None:
    """Set the states and outputs of ``rows`` on ``scope`` (the others it holds are kept)."""
    for row in rows:
        scope.states[row.node_id] = NodeState(row.status, frozenset(row.output or ()))
        if row.output is not None:
            scope.add_output(row.node_id, row.output)


def _known(scope: RunScope) -> list[str]:
    """Nodes whose state and output ``scope`` holds for good: a succeeded or skipped node run
    never changes (failed ones are read again: an advance needs their error)."""
    return [
        node_id
        for node_id, state in scope.states.items()
        if state.status in (NodeRunStatus.succeeded, NodeRunStatus.skipped)
    ]


@dataclass
class Advanced:
    """What one advance changed, to dispatch and announce after its transaction commits."""

    run_id: uuid.UUID
    ready: list[uuid.UUID] = field(default_factory=list)
    changed: list[NodeRunRow] = field(default_factory=list)
    #: The run as the API serves it, when this advance changed what that shows.
    view: dict[str, Any] | None = None
    #: The first ready node run, created leased to the worker that asked (``claim_for``), with
    #: the run's scope as of this advance: that worker runs it next, without a claim.
    claimed: Claimed | None = None


async def _advance_locked(
    services: EngineServices, connection: Driver, scope: RunScope,
    rows: list[NodeStateRow], *, status: str, claim_for: str | None = None,
    run_changed: bool = False,
) -> Advanced:  # fmt: skip
    """In a transaction holding the lock of the run of ``scope`` (whose ``status`` it is), with
    the node states ``rows`` read since ``scope`` was: create node runs for ready nodes, skip
    untaken ones, finish the run.

    The run's row is changed only when the run starts or ends. With ``claim_for``, the first
    ready node run is created leased to that worker, which runs it next (``Advanced.claimed``).
    The run's view is announced only if something in it changed (``run_changed``: e.g. its
    cost, recorded by the caller).
    """
    run_id = scope.run_id
    advanced = Advanced(run_id)
    step = plan(scope.graph, scope.states)
    nodes = scope.graph.nodes
    new = [(n, nodes[n].type, NodeRunStatus.skipped) for n in step.skipped]
    changes: dict[str, Any] = {}
    if status == RunStatus.queued:
        scope.started_at = datetime.now(UTC)
        changes |= {"status": RunStatus.running, "started_at": scope.started_at}
    if step.failed_nodes:
        failed = await _failed_state(connection, scope, rows, step.failed_nodes[0])
        await queue_runs.cancel_pending(connection, run_id)
        changes |= _finished(RunStatus.failed, error={"node_id": failed.node_id,
                                                      **(failed.error or {})})  # fmt: skip
    else:
        ready = [(n, nodes[n].type, NodeRunStatus.queued) for n in step.ready]
        if claim_for is not None and ready:
            (node_id, node_type, _), ready = ready[0], ready[1:]
            leased = await queue_runs.add_leased_node_run(
                connection, run_id, node_id, node_type, owner=claim_for,
                lease_seconds=services.settings.lease_seconds,
            )  # fmt: skip
            if leased is not None:
                advanced.claimed = Claimed(leased, scope)
                advanced.ready.append(leased.id)
        new += ready
        if step.done:
            scope.states.update({n: NodeState(NodeRunStatus.skipped) for n in step.skipped})
            changes |= _finished(RunStatus.succeeded, output=run_output(scope))
    for row in await queue_runs.add_node_runs(connection, run_id, new):
        if row.status == NodeRunStatus.queued:
            advanced.ready.append(row.id)
        else:
            advanced.changed.append(row)
    if changes:
        run, policy = await queue_runs.update_run(connection, run_id, changes)
        if run.status in (RunStatus.succeeded, RunStatus.failed) and not saves_run(
            policy, run.status
        ):
            await queue_runs.delete_run(connection, run_id)
        advanced.view = run_queries.run_view(run, version=scope.version)
    elif run_changed:
        run_now = await queue_runs.get_run(connection, run_id)
        assert run_now is not None  # locked by the caller
        advanced.view = run_queries.run_view(run_now, version=scope.version)
    return advanced


async def _failed_state(
    connection: Driver, scope: RunScope, rows: list[NodeStateRow], node_id: str
) -> NodeStateRow:
    """The state of the failed node ``node_id``, with its error (read again if not in ``rows``)."""
    found = next((r for r in rows if r.node_id == node_id), None)
    if found is None:
        everything = await queue_runs.node_states(connection, scope.run_id)
        found = next(r for r in everything if r.node_id == node_id)
    return found


def _finished(
    status: str, *, output: Any = None, error: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The run's columns when it ends with ``status``."""
    return {"status": status, "finished_at": datetime.now(UTC), "output": output, "error": error}


async def _announce(
    services: EngineServices, advanced: Advanced, *, keep_one: bool
) -> uuid.UUID | None:
    """Send ready node runs to the queue (keeping one for this worker); publish the changes."""
    kept = advanced.ready[0] if keep_one and advanced.ready else None
    for node_run_id in advanced.ready:
        if node_run_id != kept:
            await _dispatcher(services).execute_node(node_run_id)
    for row in advanced.changed:
        await services.hooks.node_changed(advanced.run_id, run_queries.node_run_view(row))
    if advanced.view is not None:
        await services.hooks.run_changed(advanced.view)
    return kept


async def advance_run(
    services: EngineServices, run_id: uuid.UUID, *, worker_id: str | None = None
) -> None:
    """Create node runs for every ready node and finish the run when nothing is left.

    With ``worker_id`` (a worker handling the run's message), the first ready node run is
    created leased to that worker, which executes it here, and then the chain it continues:
    a chain runs without a queue hop or a claim per node. The others are sent to the queue.
    """
    async with (
        services.driver.connection() as connection,
        connection.transaction(),
    ):
        run = await queue_runs.lock_live_run(connection, run_id)
        if run is None:
            return
        rows = await queue_runs.node_states(connection, run_id)
        scope = await _scope(services, connection, run, rows)
        advanced = await _advance_locked(
            services, connection, scope, rows, status=run.status, claim_for=worker_id
        )
    await _announce(services, advanced, keep_one=advanced.claimed is not None)
    if advanced.claimed is not None and worker_id is not None:
        await _execute_chain(services, advanced.claimed, worker_id)


@dataclass
class Claimed:
    """A node run this worker holds the lease of, with what its attempt needs."""

    node_run: NodeRunRow
    scope: RunScope


async def _claim(
    services: EngineServices, node_run_id: uuid.UUID, worker_id: str
) -> Claimed | None:
    """Take the node run's lease and load its run's finished outputs."""
    async with services.driver.connection() as connection:
        node_run = await queue_runs.claim_node_run(
            connection, node_run_id, owner=worker_id,
            lease_seconds=services.settings.lease_seconds,
        )  # fmt: skip
        if node_run is None:
            return None
        run = await queue_runs.get_run(connection, node_run.run_id)
        assert run is not None  # a claimed node run's run is live
        rows = await queue_runs.node_states(connection, node_run.run_id)
        final = [r for r in rows if r.status in (NodeRunStatus.succeeded, NodeRunStatus.failed,
                                                 NodeRunStatus.skipped)]  # fmt: skip
        return Claimed(node_run, await _scope(services, connection, run, final))


async def execute_node_run(
    services: EngineServices, node_run_id: uuid.UUID, *, worker_id: str
) -> None:
    """Claim, execute and record a node run, then every node it makes ready that this worker
    keeps (the rest go to the queue). A duplicate delivery finds nothing to claim."""
    claimed = await _claim(services, node_run_id, worker_id)
    if claimed is not None:
        await _execute_chain(services, claimed, worker_id)


async def _execute_chain(services: EngineServices, claimed: Claimed, worker_id: str) -> None:
    """Execute a node run this worker holds, then each next one it keeps."""
    await services.hooks.node_changed(
        claimed.node_run.run_id, run_queries.node_run_view(claimed.node_run)
    )
    following: Claimed | None = claimed
    while following is not None:
        # A node this worker keeps was announced as started with the one before it.
        following = await _execute_claimed(services, following, worker_id)


async def _execute_claimed(
    services: EngineServices, claimed: Claimed, worker_id: str
) -> Claimed | None:
    node_run, scope = claimed.node_run, claimed.scope
    if node_run.attempt > services.settings.max_crash_attempts:
        outcome = Outcome(status=NodeRunStatus.failed, inputs={}, finished_at=datetime.now(UTC))
        outcome.error = {
            "type": "CrashLoopError",
            "message": f"abandoned after {node_run.attempt - 1} attempts that never finished",
            "details": {},
        }
    else:
        attempted = await _attempt_under_lease(services, scope, node_run, worker_id)
        if attempted is None:
            return None
        outcome = attempted
    return await _record(services, scope, node_run, outcome, worker_id)


async def _attempt_under_lease(
    services: EngineServices, scope: RunScope, claimed: NodeRunRow, worker_id: str
) -> Outcome | None:
    """Run the attempt in this task while its lease is renewed; None if the run was cancelled.

    Renewals start after one interval (most attempts end before): a task of its own per
    attempt, waited on with a timeout, cost about as much CPU as a small node's attempt.
    """
    attempt = asyncio.current_task()
    assert attempt is not None, "attempts run in a task"
    renewal = _LeaseRenewal(services, claimed, worker_id, attempt)
    timer = asyncio.get_running_loop().call_later(renewal.interval, renewal.start)
    outcome: Outcome | None = None
    try:
        outcome = await attempt_node(
            services, scope, claimed.node_id, attempt=claimed.attempt, node_run_id=claimed.id
        )
    except asyncio.CancelledError:
        if not renewal.run_cancelled:
            raise
    finally:
        timer.cancel()
        await renewal.stop()
    if not renewal.run_cancelled:
        return outcome
    attempt.uncancel()  # the cancel came from the renewal, for this attempt only
    await _mark_cancelled(services, claimed, worker_id)
    return None


class _LeaseRenewal:
    """Renews the lease of a node run in flight every interval, and cancels the task running
    its attempt once its run is cancelled."""

    def __init__(
        self, services: EngineServices, claimed: NodeRunRow, worker_id: str,
        attempt: asyncio.Task[Any],
    ) -> None:  # fmt: skip
        self.services, self.claimed, self.worker_id, self.attempt = (
            services, claimed, worker_id, attempt,
        )  # fmt: skip
        settings = services.settings
        self.interval = min(settings.reaper_interval_seconds, settings.lease_seconds / 3)
        self.run_cancelled = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._renew())

    async def _renew(self) -> None:
        settings = self.services.settings
        while True:
            try:
                async with self.services.session_factory() as session, session.begin():
                    cancelled = await run_queries.renew_leases(
                        session, [self.claimed.id], owner=self.worker_id,
                        lease_seconds=settings.lease_seconds,
                    )  # fmt: skip
            except Exception:
                # The database may be back before the lease expires; if not, the node runs
                # again elsewhere (at least once, as after a crash).
                _log.warning("node run %s: lease renewal failed", self.claimed.id, exc_info=True)
            else:
                if cancelled:
                    self.run_cancelled = True
                    self.attempt.cancel()
                    return
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def _mark_cancelled(services: EngineServices, claimed: NodeRunRow, worker_id: str) -> None:
    async with services.driver.connection() as connection:
        await queue_runs.record_outcome(
            connection,
            claimed.id,
            owner=worker_id,
            values={"status": RunStatus.cancelled, "finished_at": datetime.now(UTC)},
        )


@dataclass
class _Stored:
    """What recording one outcome changed, to announce after its transaction commits."""

    row: NodeRunRow
    advanced: Advanced | None = None
    following: Claimed | None = None
    paused_view: dict[str, Any] | None = None


async def _record(
    services: EngineServices, scope: RunScope, claimed: NodeRunRow, outcome: Outcome, worker_id: str
) -> Claimed | None:
    """Record the attempt and, once the node is final, advance the run and claim the next ready
    node for this worker, all in one transaction (one commit per node).

    A result the database refuses fails the node once (never a re-run); while the database is
    unreachable the write is retried for up to half a lease, after which the lease expires and
    the node runs again elsewhere (at least once, with the same idempotency key).
    """
    failure = outcome.failure()
    policy = retry_policy(scope, claimed.node_id)
    retry_in = policy.delay(claimed.attempt, failure) if failure is not None else None
    deadline = asyncio.get_running_loop().time() + services.settings.lease_seconds / 2
    pause, refused = 0.2, False
    while True:
        try:
            stored = await _store(services, scope, claimed, outcome, worker_id, retry_in)
            break
        except Exception as exc:
            if not is_unavailable(exc):
                if refused:
                    raise
                _log.warning("node run %s: result refused by the database: %s", claimed.id, exc)
                outcome, retry_in, refused = _unstorable(outcome, exc), None, True
                continue
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)
    if stored is None:
        _log.info("node run %s: lease lost, result discarded", claimed.id)
        return None
    changed = [stored.row] if stored.following is None else [stored.row, stored.following.node_run]
    await services.hooks.nodes_changed(
        claimed.run_id, [run_queries.node_run_view(n) for n in changed]
    )
    if stored.paused_view is not None:
        await services.hooks.run_changed(stored.paused_view)
    if retry_in is not None:
        await _dispatcher(services).execute_node(claimed.id, delay_s=retry_in)
    if stored.advanced is not None:
        await _announce(services, stored.advanced, keep_one=stored.following is not None)
    return stored.following


async def _store(
    services: EngineServices, scope: RunScope, claimed: NodeRunRow, outcome: Outcome,
    worker_id: str, retry_in: float | None,
) -> _Stored | None:  # fmt: skip
    """The recording statements of :func:`_record`; None when the lease was lost.

    A chain's step (:func:`_sole_successor`) is one statement; anything else, or a step that
    statement could not take (the run is not running, or the lease was lost: it wrote nothing),
    is one transaction that reads the run's node states and advances it.
    """
    values = _outcome_values(scope, claimed.node_id, outcome, retry_in)
    successor = _sole_successor(scope, claimed.node_id, outcome, values)
    async with services.driver.connection() as connection:
        if successor is not None:
            stepped = await queue_runs.record_and_continue(
                connection, claimed.run_id, claimed.id, owner=worker_id, values=values,
                following=successor, lease_seconds=services.settings.lease_seconds,
            )  # fmt: skip
            if stepped is not None:
                row, leased = stepped
                _update_states(scope, [_state_of(row)])
                return _Stored(row, following=Claimed(leased, scope) if leased else None)
        try:
            async with connection.transaction():
                return await _store_in(services, connection, scope, claimed, outcome, worker_id,
                                       values)  # fmt: skip
        except _LeaseLost:  # rolled back; the connection is fine
            return None


def _sole_successor(
    scope: RunScope, node_id: str, outcome: Outcome, values: dict[str, Any]
) -> tuple[str, str] | None:
    """The node (id and type) this outcome alone makes ready next, if recording it needs no
    other node's state, no change to the run row and nothing else stored (children)."""
    if outcome.children or outcome.cost_usd or outcome.input_tokens or outcome.output_tokens:
        return None
    state = NodeState(values["status"], frozenset(values.get("output") or ()))
    successor = sole_successor(scope.graph, node_id, state)
    return (successor, scope.graph.nodes[successor].type) if successor is not None else None


def _state_of(row: NodeRunRow) -> NodeStateRow:
    return NodeStateRow(row.node_id, row.status, row.output, row.error)


class _LeaseLost(Exception):
    """Raised inside the recording transaction to roll it back: another worker holds the node."""


async def _store_in(
    services: EngineServices, connection: Driver, scope: RunScope,
    claimed: NodeRunRow, outcome: Outcome, worker_id: str, values: dict[str, Any],
) -> _Stored:  # fmt: skip
    usd, tokens_in, tokens_out = outcome.cost_usd, outcome.input_tokens, outcome.output_tokens
    recorded = None
    if values["status"] not in (NodeRunStatus.paused, NodeRunStatus.queued):
        recorded = await queue_runs.record_and_lock_run(
            connection, claimed.run_id, claimed.id, owner=worker_id, values=values, usd=usd,
            input_tokens=tokens_in, output_tokens=tokens_out, known=_known(scope),
        )  # fmt: skip
    if recorded is not None:
        row: NodeRunRow | None = recorded.row
    else:  # not advancing, or the run is not live (or the lease was lost: nothing is written)
        row = await queue_runs.record_outcome(
            connection, claimed.id, owner=worker_id, values=values
        )
        if row is not None:
            await queue_runs.add_run_cost(
                connection, claimed.run_id, usd=usd, input_tokens=tokens_in,
                output_tokens=tokens_out,
            )  # fmt: skip
    if row is None:
        raise _LeaseLost
    stored = _Stored(row)
    for child in outcome.children:
        await run_queries.store_finished(connection, child)
    if values["status"] == NodeRunStatus.paused:
        paused = await queue_runs.pause_run(
            connection, claimed.run_id, outcome.pause_reason or RunStatus.paused
        )
        stored.paused_view = run_queries.run_view(paused) if paused is not None else None
    elif recorded is not None:
        rows = [_state_of(row), *recorded.states]
        if not recorded.fresh:
            # An advance committed while the statement waited for the lock: read again.
            rows = await queue_runs.node_states(connection, claimed.run_id, known=_known(scope))
        _update_states(scope, rows)
        stored.advanced = await _advance_locked(
            services, connection, scope, rows, status=recorded.run_status,
            claim_for=worker_id, run_changed=bool(usd or tokens_in or tokens_out),
        )  # fmt: skip
        stored.following = stored.advanced.claimed
    return stored


def _unstorable(outcome: Outcome, exc: Exception) -> Outcome:
    """The outcome to record instead of one the database refused: a failure naming why, without
    the values that could not be stored (cost and timing are kept)."""
    reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
    error = UnstorableValueError(f"the node's result could not be stored: {reason}")
    return replace(
        outcome, status=NodeRunStatus.failed, inputs={}, params=None, ports=None,
        error=error_dict(error), retryable=False, children=[], steps=[],
    )  # fmt: skip


def _outcome_values(
    scope: RunScope, node_id: str, outcome: Outcome, retry_in: float | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "inputs": outcome.inputs,
        "params": outcome.params,
        "error": outcome.error,
        "duration_ms": outcome.duration_ms,
        # Added to what earlier attempts cost (see queue_runs.COUNTERS).
        "cost_usd": outcome.cost_usd,
        "input_tokens": outcome.input_tokens,
        "output_tokens": outcome.output_tokens,
    }
    if retry_in is not None:
        values |= {
            "status": RunStatus.queued,
            "next_attempt_at": datetime.now(UTC) + timedelta(seconds=retry_in),
        }
    else:
        values |= {
            "status": outcome.status,
            "output": routed_ports(outcome, scope.graph, node_id),
            "finished_at": outcome.finished_at,
        }
    return values


async def reap(services: EngineServices) -> int:
    """Recover lost work and fail stored sync runs whose process let their lease expire;
    returns how many runs and node runs it touched.

    A node run whose lease expired (its worker died) is sent again. A queued node run or run
    that nobody advanced for a lease period is sent again only if the broker holds no message
    for it (a backlog waiting in Redis is left alone). Whatever is looked at is marked, so it is
    looked at again, and sent again, at most once per lease. Only one process reaps at a time
    (a Postgres advisory lock).
    """
    settings = services.settings
    dispatcher = _dispatcher(services)
    async with services.session_factory() as session, session.begin():
        locked = await session.scalar(text(f"SELECT pg_try_advisory_xact_lock({_REAPER_LOCK})"))
        if not locked:
            return 0
        lease, queue = settings.lease_seconds, dispatcher.queue_name
        expired = await run_queries.expired_node_runs(session, queue=queue, stale_after=lease)
        queued = await run_queries.stale_queued_node_runs(session, queue=queue, stale_after=lease)
        stalled = await run_queries.stalled_runs(session, queue=queue, stale_after=lease)
        abandoned = await run_queries.fail_abandoned_sync_runs(
            session, stale_after=settings.lease_seconds
        )
        views = [run_queries.run_view(run) for run in abandoned]
    await dispatcher.repair()
    waiting = await dispatcher.waiting([*queued, *stalled])
    lost_nodes = [*expired, *(n for n in queued if n not in waiting)]
    lost_runs = [r for r in stalled if r not in waiting]
    if expired or queued or stalled:
        async with services.session_factory() as session, session.begin():
            await run_queries.touch_node_runs(session, [*expired, *queued])
            await run_queries.touch_runs(session, stalled)
    for node_run_id in lost_nodes:
        await dispatcher.execute_node(node_run_id)
    for run_id in lost_runs:
        await dispatcher.advance_run(run_id)
    for view in views:
        await services.hooks.run_changed(view)
    if lost_nodes or lost_runs or views:
        _log.warning(
            "reaper re-sent %d node runs and %d runs, failed %d abandoned sync runs",
            len(lost_nodes), len(lost_runs), len(views),
        )  # fmt: skip
    return len(lost_nodes) + len(lost_runs) + len(views)


async def start_queued_run(services: EngineServices, session: AsyncSession, run: Run) -> None:
    """Commit the run row, then send its first message (never enqueue before commit)."""
    dispatcher = _dispatcher(services)
    run.queue = dispatcher.queue_name
    session.add(run)
    await session.commit()
    await dispatcher.advance_run(run.id)


__all__ = ["advance_run", "execute_node_run", "reap", "start_queued_run"]
