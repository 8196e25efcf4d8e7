"""Runs and node runs: creation, leases for queue mode, recovery queries and API views."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.direct import Driver, column_list
from kyra.db.engine import encode_json
from kyra.db.models import AiAgent, Graph, GraphVersion, NodeRun, NodeRunRow, Run, RunRow, table_of
from kyra.errors import NotFoundError
from kyra.status import LIVE_RUN, NodeRunStatus, RunStatus

_ACTIVE_NODE = (NodeRunStatus.queued, NodeRunStatus.running)
#: Graph node runs only: agent steps (children) are never scheduled, queued or re-queued.
_TOP_LEVEL = col(NodeRun.parent_node_run_id).is_(None)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def node_run_view(node_run: NodeRun | NodeRunRow) -> dict[str, Any]:
    """A node run as the API serves it."""
    return {
        "id": str(node_run.id),
        "node_id": node_run.node_id,
        "node_type": node_run.node_type,
        "status": node_run.status,
        "attempt": node_run.attempt,
        "inputs": node_run.inputs,
        "params": node_run.params,
        "output": node_run.output,
        "error": node_run.error,
        "reused": node_run.reused,
        "started_at": _iso(node_run.started_at),
        "finished_at": _iso(node_run.finished_at),
        "duration_ms": node_run.duration_ms,
        "cost_usd": _money(node_run.cost_usd),
        "input_tokens": node_run.input_tokens,
        "output_tokens": node_run.output_tokens,
        "kind": node_run.kind,
        "parent_node_run_id": str(node_run.parent_node_run_id)
        if node_run.parent_node_run_id
        else None,
        "step_key": node_run.step_key,
        "sequence": node_run.sequence,
    }


def run_view(
    run: Run | RunRow,
    *,
    version: int | None = None,
    node_runs: Sequence[NodeRun | NodeRunRow] | None = None,
) -> dict[str, Any]:
    """A run as the API serves it; ``node_runs`` included when given."""
    duration = None
    if run.started_at and run.finished_at:
        duration = (run.finished_at - run.started_at).total_seconds() * 1000
    view: dict[str, Any] = {
        "id": str(run.id),
        "owner_id": str(run.owner_id),
        "graph_id": str(run.graph_id),
        "graph_version_id": str(run.graph_version_id),
        "graph_version": version,
        "parent_run_id": str(run.parent_run_id) if run.parent_run_id else None,
        "status": run.status,
        "mode": run.mode,
        "trigger_kind": run.trigger_kind,
        "trigger": run.trigger,
        "output": run.output,
        "error": run.error,
        "pause_reason": run.pause_reason,
        "budget_usd": _money(run.budget_usd),
        "cost_usd": _money(run.cost_usd),
        "input_tokens": run.input_tokens,
        "output_tokens": run.output_tokens,
        "created_at": _iso(run.created_at),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "duration_ms": duration,
        "traceparent": run.traceparent,
    }
    if node_runs is not None:
        view["node_runs"] = [node_run_view(n) for n in node_runs]
    return view


def _row(model: Any) -> dict[str, Any]:
    if isinstance(model, NodeRunRow | RunRow):
        return model.as_row()
    return {column.key: getattr(model, column.key) for column in model.__table__.columns}


def _store_finished_sql() -> str:
    """One statement (one round trip, its own transaction unless the caller holds one) that
    writes a run executed in memory: upserted over the row a stored sync run or a claimed
    idempotency key left, then its child runs and every node run, only if the run was written.

    Rows are expanded from JSON by PostgreSQL: encoding each column in Python cost more than
    the write. Columns are named, so a column the model lacks keeps its default. Foreign keys
    between the rows are checked when the statement ends, so the order of the parts is free.
    """
    runs, names = table_of(Run), column_list(Run)
    updates = ", ".join(f'"{c.name}" = excluded."{c.name}"' for c in runs.columns
                        if c.name not in ("id", "status"))  # fmt: skip
    live = ", ".join(f"'{status.value}'" for status in (RunStatus.queued, RunStatus.running,
                                                        RunStatus.cancelled))  # fmt: skip
    upsert = (
        f"INSERT INTO runs ({names}) SELECT {names} FROM {{rows}} "
        f"ON CONFLICT (id) DO UPDATE SET {updates}, "
        # A cancel recorded by another process while the run finished here still wins.
        f"status = CASE WHEN runs.status = '{RunStatus.cancelled.value}' THEN runs.status "
        "ELSE excluded.status END "
        # A row the reaper already failed (its lease expired) is never overwritten.
        f"WHERE runs.status IN ({live})"
    )
    node_names = column_list(NodeRun)
    return (
        f"WITH top AS ({upsert.format(rows='jsonb_populate_record(NULL::runs, $1)')} "
        "RETURNING status), "
        "children AS ("
        + upsert.format(rows="jsonb_populate_recordset(NULL::runs, $2) WHERE EXISTS (TABLE top)")
        + "), "
        f"nodes AS (INSERT INTO node_runs ({node_names}) SELECT {node_names} "
        "FROM jsonb_populate_recordset(NULL::node_runs, $3) WHERE EXISTS (TABLE top)) "
        "SELECT status FROM top"
    )


_STORE_FINISHED = _store_finished_sql()


class Finished(Protocol):
    """A run executed in memory, with its node runs and the child runs it made (sub-graphs,
    loop items), each a ``Finished`` of its own."""

    @property
    def run(self) -> Run | RunRow: ...
    @property
    def node_runs(self) -> Sequence[NodeRun | NodeRunRow]: ...
    @property
    def children(self) -> Sequence[Finished]: ...


def _descendants(finished: Finished) -> list[Finished]:
    found: list[Finished] = []
    pending = list(finished.children)
    while pending:
        child = pending.pop()
        found.append(child)
        pending.extend(child.children)
    return found


async def store_finished(connection: Driver, finished: Finished) -> bool:
    """Write ``finished`` with :data:`_STORE_FINISHED`; False when the stored run was already
    final, and nothing was written. The run's status becomes the stored one."""
    children = _descendants(finished)
    node_runs = [n for f in (finished, *children) for n in f.node_runs]
    status = await connection.fetchval(
        _STORE_FINISHED,
        encode_json(_row(finished.run)),
        encode_json([_row(child.run) for child in children]),
        encode_json([_row(n) for n in node_runs]),
    )
    if status is None:
        return False
    finished.run.status = status
    return True


async def get_run(session: AsyncSession, *, owner_id: uuid.UUID | None, run_id: uuid.UUID) -> Run:
    """Raises NotFoundError for unknown runs and runs of other owners (any owner's when
    ``owner_id`` is None: an admin reading)."""
    where: list[ColumnElement[bool]] = [col(Run.id) == run_id]
    if owner_id is not None:
        where.append(col(Run.owner_id) == owner_id)
    run = await session.scalar(select(Run).where(*where))
    if run is None:
        raise NotFoundError(f"run {run_id} not found")
    return run


async def version_number(session: AsyncSession, version_id: uuid.UUID) -> int | None:
    return await session.scalar(
        select(col(GraphVersion.version)).where(col(GraphVersion.id) == version_id)
    )


async def list_node_runs(session: AsyncSession, run_id: uuid.UUID) -> list[NodeRun]:
    rows = await session.scalars(
        select(NodeRun)
        .where(col(NodeRun.run_id) == run_id, _TOP_LEVEL)
        .order_by(col(NodeRun.created_at), col(NodeRun.node_id))
    )
    return list(rows)


@dataclass(frozen=True)
class RunFilter:
    """What the runs lists can narrow by; empty fields do not filter."""

    graph_id: uuid.UUID | None = None
    statuses: tuple[str, ...] = ()
    trigger_kinds: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    #: The start of a run id as shown in the web app (hex digits and dashes).
    id_prefix: str = ""


async def list_runs(
    session: AsyncSession, *, owner_id: uuid.UUID | None, where: RunFilter, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Top-level runs as API views, newest first (the owner's; every owner's when ``owner_id``
    is None), with their version number and the name of their graph (or of the agent the graph
    backs)."""
    agent_name = (
        select(col(AiAgent.name))
        .where(col(AiAgent.graph_id) == col(Run.graph_id))
        .limit(1)
        .scalar_subquery()
    )
    conditions: list[ColumnElement[bool]] = [col(Run.parent_run_id).is_(None)]
    if owner_id is not None:
        conditions.append(col(Run.owner_id) == owner_id)
    if where.graph_id is not None:
        conditions.append(col(Run.graph_id) == where.graph_id)
    if where.statuses:
        conditions.append(col(Run.status).in_(where.statuses))
    if where.trigger_kinds:
        conditions.append(col(Run.trigger_kind).in_(where.trigger_kinds))
    if where.since is not None:
        conditions.append(col(Run.created_at) >= where.since)
    if where.until is not None:
        conditions.append(col(Run.created_at) < where.until)
    if where.id_prefix:
        conditions.append(cast(col(Run.id), String).startswith(where.id_prefix.lower()))
    rows = await session.execute(
        select(Run, col(GraphVersion.version), col(Graph.name), agent_name)
        .join(GraphVersion, col(GraphVersion.id) == col(Run.graph_version_id))
        .join(Graph, col(Graph.id) == col(Run.graph_id))
        .where(*conditions)
        .order_by(col(Run.created_at).desc())
        .limit(limit)
        .offset(offset)
    )
    return [
        run_view(run, version=version) | {"graph_name": agent or graph_name, "agent": agent}
        for run, version, graph_name, agent in rows
    ]


async def find_by_idempotency_key(
    session: AsyncSession, *, owner_id: uuid.UUID, key: str
) -> Run | None:
    return await session.scalar(
        select(Run).where(col(Run.owner_id) == owner_id, col(Run.idempotency_key) == key)
    )


# --- queue mode -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _lock_run_statement() -> Select[Run]:
    return select(Run).where(col(Run.id) == bindparam("run_id")).with_for_update()


async def lock_run(session: AsyncSession, run_id: uuid.UUID) -> Run | None:
    """The run row, locked until the transaction ends (serialises advancing one run)."""
    return await session.scalar(_lock_run_statement(), {"run_id": run_id})


async def node_rows(session: AsyncSession, run_id: uuid.UUID) -> list[NodeRun]:
    return list(
        await session.scalars(select(NodeRun).where(col(NodeRun.run_id) == run_id, _TOP_LEVEL))
    )


async def renew_leases(
    session: AsyncSession, node_run_ids: list[uuid.UUID], *, owner: str, lease_seconds: float
) -> set[uuid.UUID]:
    """Extend our leases; returns the node runs whose run was cancelled meanwhile."""
    if not node_run_ids:
        return set()
    await session.execute(
        update(NodeRun)
        .where(
            col(NodeRun.id).in_(node_run_ids),
            col(NodeRun.lease_owner) == owner,
            col(NodeRun.status) == NodeRunStatus.running,
        )
        .values(lease_expires_at=func.now() + timedelta(seconds=lease_seconds))
    )
    cancelled = await session.scalars(
        select(col(NodeRun.id))
        .join(Run, col(Run.id) == col(NodeRun.run_id))
        .where(col(NodeRun.id).in_(node_run_ids), col(Run.status) == NodeRunStatus.cancelled)
    )
    return set(cancelled)


async def node_run_effects(session: AsyncSession, node_run_id: uuid.UUID) -> dict[str, Any]:
    """The side effects earlier attempts of a node run recorded (key -> value)."""
    value = await session.scalar(select(col(NodeRun.effects)).where(col(NodeRun.id) == node_run_id))
    return dict(value or {})


async def record_node_run_effect(
    session: AsyncSession, node_run_id: uuid.UUID, key: str, value: Any
) -> None:
    """Add one recorded side effect to a node run (whoever holds its lease)."""
    await session.execute(
        text(
            "UPDATE node_runs SET effects = coalesce(effects, '{}'::jsonb) "
            "|| jsonb_build_object(CAST(:key AS text), CAST(:value AS jsonb)) WHERE id = :id"
        ),
        {"key": key, "value": json.dumps(value), "id": node_run_id},
    )


async def requeue_paused(session: AsyncSession, run_id: uuid.UUID) -> list[uuid.UUID]:
    result = await session.execute(
        update(NodeRun)
        .where(
            col(NodeRun.run_id) == run_id, col(NodeRun.status) == NodeRunStatus.paused, _TOP_LEVEL
        )
        .values(
            status=NodeRunStatus.queued, error=None, next_attempt_at=None, updated_at=func.now()
        )
        .returning(col(NodeRun.id))
    )
    return [row.id for row in result]


async def expired_node_runs(
    session: AsyncSession, *, queue: str, stale_after: float, limit: int = 500
) -> list[uuid.UUID]:
    """Node runs of live runs whose worker died (lease expired), not looked at for a lease."""
    stale = func.now() - timedelta(seconds=stale_after)
    rows = await session.scalars(
        select(col(NodeRun.id))
        .join(Run, col(Run.id) == col(NodeRun.run_id))
        .where(
            col(Run.queue) == queue,
            col(Run.status).in_(LIVE_RUN),
            col(NodeRun.status) == NodeRunStatus.running,
            col(NodeRun.lease_expires_at) < func.now(),
            col(NodeRun.updated_at) < stale,
        )
        .order_by(col(NodeRun.updated_at))
        .limit(limit)
    )
    return list(rows)


async def stale_queued_node_runs(
    session: AsyncSession, *, queue: str, stale_after: float, limit: int = 500
) -> list[uuid.UUID]:
    """Queued node runs of live runs, due, that nobody claimed for a lease period (their
    message may be waiting behind a backlog, or lost)."""
    stale = func.now() - timedelta(seconds=stale_after)
    rows = await session.scalars(
        select(col(NodeRun.id))
        .join(Run, col(Run.id) == col(NodeRun.run_id))
        .where(
            col(Run.queue) == queue,
            col(Run.status).in_(LIVE_RUN),
            col(NodeRun.status) == NodeRunStatus.queued,
            col(NodeRun.updated_at) < stale,
            or_(col(NodeRun.next_attempt_at).is_(None), col(NodeRun.next_attempt_at) < stale),
        )
        .order_by(col(NodeRun.updated_at))
        .limit(limit)
    )
    return list(rows)


async def touch_node_runs(session: AsyncSession, node_run_ids: list[uuid.UUID]) -> None:
    """Mark node runs as looked at by the reaper now (it looks again a lease later)."""
    if node_run_ids:
        await session.execute(
            update(NodeRun).where(col(NodeRun.id).in_(node_run_ids)).values(updated_at=func.now())
        )


async def touch_runs(session: AsyncSession, run_ids: list[uuid.UUID]) -> None:
    """Mark runs as looked at by the reaper now (it looks again a lease later)."""
    if run_ids:
        await session.execute(
            update(Run).where(col(Run.id).in_(run_ids)).values(updated_at=func.now())
        )


async def stalled_runs(
    session: AsyncSession, *, queue: str, stale_after: float, limit: int = 500
) -> list[uuid.UUID]:
    """Live queue runs with no node run in flight that nobody advanced for a while."""
    stale = func.now() - timedelta(seconds=stale_after)
    in_flight = select(col(NodeRun.id)).where(
        col(NodeRun.run_id) == col(Run.id), col(NodeRun.status).in_(_ACTIVE_NODE), _TOP_LEVEL
    )
    rows = await session.scalars(
        select(col(Run.id))
        .where(
            col(Run.queue) == queue,
            col(Run.mode) == "queue",
            col(Run.status).in_(LIVE_RUN),
            col(Run.updated_at) < stale,
            ~in_flight.exists(),
        )
        .order_by(col(Run.updated_at))
        .limit(limit)
    )
    return list(rows)


# --- sync runs stored while they run ------------------------------------------------------------


async def renew_run_leases(
    session: AsyncSession, run_ids: list[uuid.UUID], *, owner: str, lease_seconds: float
) -> dict[uuid.UUID, str]:
    """Extend ``owner``'s leases on these live runs; their statuses (missing: not ours any more)."""
    result = await session.execute(
        update(Run)
        .where(
            col(Run.id).in_(run_ids),
            col(Run.lease_owner) == owner,
            col(Run.status).in_((RunStatus.queued, RunStatus.running, RunStatus.cancelled)),
        )
        .values(lease_expires_at=func.now() + timedelta(seconds=lease_seconds))
        .returning(col(Run.id), col(Run.status))
    )
    return {row.id: row.status for row in result}


#: What an abandoned sync run records as its error.
ABANDONED = {
    "type": "RunAbandonedError",
    "message": (
        "the process executing this sync run stopped, or could not record its result, before "
        "the run finished (its lease expired); start it again"
    ),
    "details": {},
}


async def fail_abandoned_sync_runs(
    session: AsyncSession, *, stale_after: float, limit: int = 500
) -> list[Run]:
    """Fail stored sync runs whose process let the lease expire; the runs failed."""
    now = func.now()
    expired = or_(
        col(Run.lease_expires_at) < now,
        # Rows stored before sync runs had leases.
        and_(
            col(Run.lease_expires_at).is_(None),
            col(Run.updated_at) < now - timedelta(seconds=stale_after),
        ),
    )
    candidates = (
        select(col(Run.id))
        .where(col(Run.mode) == "sync", col(Run.status).in_(LIVE_RUN), expired)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.scalars(
        update(Run)
        .where(col(Run.id).in_(candidates.scalar_subquery()))
        .values(
            status=RunStatus.failed,
            error=ABANDONED,
            finished_at=now,
            updated_at=now,
            lease_owner=None,
            lease_expires_at=None,
        )
        .returning(Run)
    )
    return list(result)
