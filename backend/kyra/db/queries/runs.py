"""Runs and node runs: creation, leases for queue mode, recovery queries and API views."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import String, and_, case, cast, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import AiAgent, Graph, GraphVersion, NodeRun, NodeRunRow, Run
from kyra.errors import NotFoundError

_ACTIVE_NODE = ("queued", "running")
#: Graph node runs only: agent steps (children) are never scheduled, queued or re-queued.
_TOP_LEVEL = NodeRun.parent_node_run_id.is_(None)  # type: ignore[union-attr]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def node_run_view(node_run: NodeRun) -> dict[str, Any]:
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
    run: Run, *, version: int | None = None, node_runs: list[NodeRun] | None = None
) -> dict[str, Any]:
    """A run as the API serves it; ``node_runs`` included when given."""
    duration = None
    if run.started_at and run.finished_at:
        duration = (run.finished_at - run.started_at).total_seconds() * 1000
    view: dict[str, Any] = {
        "id": str(run.id),
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
    }
    if node_runs is not None:
        view["node_runs"] = [node_run_view(n) for n in node_runs]
    return view


def _row(model: Any) -> dict[str, Any]:
    if isinstance(model, NodeRunRow):
        return model.as_row()
    return {column.key: getattr(model, column.key) for column in model.__table__.columns}


@lru_cache(maxsize=1)
def _run_upsert() -> Any:
    # Built once: ``excluded`` builds a column collection, which cost more than the INSERT itself.
    table = Run.__table__  # type: ignore[attr-defined]
    statement = pg_insert(table)
    values = {c.name: statement.excluded[c.name] for c in table.columns if c.name != "id"}
    # A cancel recorded by another process while the run finished here still wins.
    values["status"] = case(
        (table.c.status == "cancelled", table.c.status), else_=statement.excluded.status
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_=values,
        # A row the reaper already failed (its lease expired) is never overwritten.
        where=table.c.status.in_(("queued", "running", "cancelled")),
    ).returning(table.c.id, table.c.status)


async def insert_finished(session: AsyncSession, run: Run, node_runs: list[NodeRun]) -> bool:
    """Write a run executed in memory (inserted, or updated when a stored row still waits for
    it); False when the stored row was already final, and nothing was written."""
    written = (await session.execute(_run_upsert(), _row(run))).first()
    if written is None:
        return False
    run.status = written.status
    if node_runs:
        await session.execute(insert(NodeRun), [_row(n) for n in node_runs])
    return True


async def get_run(session: AsyncSession, *, owner_id: uuid.UUID, run_id: uuid.UUID) -> Run:
    """Raises NotFoundError for unknown runs and runs of other owners."""
    run = await session.scalar(select(Run).where(Run.id == run_id, Run.owner_id == owner_id))
    if run is None:
        raise NotFoundError(f"run {run_id} not found")
    return run


async def version_number(session: AsyncSession, version_id: uuid.UUID) -> int | None:
    return await session.scalar(select(GraphVersion.version).where(GraphVersion.id == version_id))


async def list_node_runs(session: AsyncSession, run_id: uuid.UUID) -> list[NodeRun]:
    rows = await session.scalars(
        select(NodeRun)
        .where(NodeRun.run_id == run_id, _TOP_LEVEL)
        .order_by(NodeRun.created_at, NodeRun.node_id)
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
    session: AsyncSession, *, owner_id: uuid.UUID, where: RunFilter, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The owner's top-level runs as API views, newest first, with their version number and the
    name of their graph (or of the agent the graph backs)."""
    agent_name = (
        select(AiAgent.name).where(AiAgent.graph_id == Run.graph_id).limit(1).scalar_subquery()
    )
    conditions = [Run.owner_id == owner_id, Run.parent_run_id.is_(None)]  # type: ignore[union-attr]
    if where.graph_id is not None:
        conditions.append(Run.graph_id == where.graph_id)
    if where.statuses:
        conditions.append(Run.status.in_(where.statuses))  # type: ignore[attr-defined]
    if where.trigger_kinds:
        conditions.append(Run.trigger_kind.in_(where.trigger_kinds))  # type: ignore[attr-defined]
    if where.since is not None:
        conditions.append(Run.created_at >= where.since)  # type: ignore[operator]
    if where.until is not None:
        conditions.append(Run.created_at < where.until)  # type: ignore[operator]
    if where.id_prefix:
        conditions.append(cast(Run.id, String).startswith(where.id_prefix.lower()))
    rows = await session.execute(
        select(Run, GraphVersion.version, Graph.name, agent_name)
        .join(GraphVersion, GraphVersion.id == Run.graph_version_id)  # type: ignore[arg-type]
        .join(Graph, Graph.id == Run.graph_id)  # type: ignore[arg-type]
        .where(*conditions)
        .order_by(Run.created_at.desc())  # type: ignore[attr-defined]
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
        select(Run).where(Run.owner_id == owner_id, Run.idempotency_key == key)
    )


# --- queue mode -------------------------------------------------------------------------------


async def lock_run(session: AsyncSession, run_id: uuid.UUID) -> Run | None:
    """The run row, locked until the transaction ends (serialises advancing one run)."""
    return await session.scalar(select(Run).where(Run.id == run_id).with_for_update())


async def node_states(session: AsyncSession, run_id: uuid.UUID) -> list[Any]:
    """``(node_id, status, output, error)`` of a run's node runs: what scheduling needs, without
    loading inputs and params."""
    columns = (NodeRun.node_id, NodeRun.status, NodeRun.output, NodeRun.error)
    rows = await session.execute(select(*columns).where(NodeRun.run_id == run_id, _TOP_LEVEL))
    return list(rows)


async def node_rows(session: AsyncSession, run_id: uuid.UUID) -> list[NodeRun]:
    return list(await session.scalars(select(NodeRun).where(NodeRun.run_id == run_id, _TOP_LEVEL)))


async def add_node_runs(
    session: AsyncSession, run_id: uuid.UUID, rows: list[tuple[str, str, str]]
) -> list[uuid.UUID]:
    """Insert ``(node_id, node_type, status)`` rows unless present; ids of the rows inserted."""
    if not rows:
        return []
    now = datetime.now(UTC)
    values = [
        {"id": uuid.uuid4(), "run_id": run_id, "node_id": n, "node_type": t, "status": s,
         "created_at": now, "updated_at": now, "attempt": 0, "reused": False}
        for n, t, s in rows
    ]  # fmt: skip
    statement = (
        pg_insert(NodeRun)
        .values(values)
        .on_conflict_do_nothing(constraint="uq_node_runs_run_node")
        .returning(NodeRun.id, NodeRun.status)  # type: ignore[arg-type]
    )
    result = await session.execute(statement)
    return [row.id for row in result if row.status == "queued"]


async def claim_node_run(
    session: AsyncSession, node_run_id: uuid.UUID, *, owner: str, lease_seconds: float
) -> NodeRun | None:
    """Take the lease of a queued (or abandoned) node run of a live run; None if not ours to run."""
    now = func.now()
    claimable = or_(
        and_(
            NodeRun.status == "queued",
            or_(NodeRun.next_attempt_at.is_(None), NodeRun.next_attempt_at <= now),  # type: ignore[union-attr,operator]
        ),
        and_(NodeRun.status == "running", NodeRun.lease_expires_at < now),  # type: ignore[operator]
    )
    live_run = select(Run.id).where(Run.id == NodeRun.run_id, Run.status.in_(("queued", "running")))  # type: ignore[attr-defined]
    statement = (
        update(NodeRun)
        .where(NodeRun.id == node_run_id, claimable, live_run.exists())
        .values(
            status="running",
            attempt=NodeRun.attempt + 1,
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            started_at=func.coalesce(NodeRun.started_at, now),
            updated_at=now,
        )
        .returning(NodeRun)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def renew_leases(
    session: AsyncSession, node_run_ids: list[uuid.UUID], *, owner: str, lease_seconds: float
) -> set[uuid.UUID]:
    """Extend our leases; returns the node runs whose run was cancelled meanwhile."""
    if not node_run_ids:
        return set()
    await session.execute(
        update(NodeRun)
        .where(
            NodeRun.id.in_(node_run_ids), NodeRun.lease_owner == owner, NodeRun.status == "running"
        )  # type: ignore[attr-defined]
        .values(lease_expires_at=func.now() + timedelta(seconds=lease_seconds))
    )
    cancelled = await session.scalars(
        select(NodeRun.id)
        .join(Run, Run.id == NodeRun.run_id)
        .where(NodeRun.id.in_(node_run_ids), Run.status == "cancelled")  # type: ignore[attr-defined]
    )
    return set(cancelled)


async def record_outcome(
    session: AsyncSession, node_run_id: uuid.UUID, *, owner: str, values: dict[str, Any]
) -> NodeRun | None:
    """Write an attempt's result if we still hold the lease (fencing); the updated node run, or
    None if the lease was lost."""
    result = await session.execute(
        update(NodeRun)
        .where(NodeRun.id == node_run_id, NodeRun.lease_owner == owner, NodeRun.status == "running")
        .values(**values, lease_owner=None, lease_expires_at=None, updated_at=func.now())
        .returning(NodeRun)
    )
    return result.scalar_one_or_none()


async def node_run_effects(session: AsyncSession, node_run_id: uuid.UUID) -> dict[str, Any]:
    """The side effects earlier attempts of a node run recorded (key -> value)."""
    value = await session.scalar(select(NodeRun.effects).where(NodeRun.id == node_run_id))  # type: ignore[call-overload]
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


async def add_run_cost(
    session: AsyncSession, run_id: uuid.UUID, *, usd: Decimal, input_tokens: int, output_tokens: int
) -> None:
    if not (usd or input_tokens or output_tokens):
        return
    await session.execute(
        update(Run)
        .where(Run.id == run_id)
        .values(
            cost_usd=Run.cost_usd + usd,
            input_tokens=Run.input_tokens + input_tokens,
            output_tokens=Run.output_tokens + output_tokens,
        )
    )


async def cancel_pending(
    session: AsyncSession, run_id: uuid.UUID, *, running: bool = False
) -> None:
    """Mark node runs that have not started (or are paused) as cancelled; with ``running``, the
    ones in flight too (their workers lose the lease and stop at the next renewal)."""
    statuses = ("queued", "paused", "running") if running else ("queued", "paused")
    await session.execute(
        update(NodeRun)
        .where(NodeRun.run_id == run_id, NodeRun.status.in_(statuses))  # type: ignore[attr-defined]
        .values(status="cancelled", finished_at=func.now(), updated_at=func.now(), lease_owner=None)
    )


async def requeue_paused(session: AsyncSession, run_id: uuid.UUID) -> list[uuid.UUID]:
    result = await session.execute(
        update(NodeRun)
        .where(NodeRun.run_id == run_id, NodeRun.status == "paused", _TOP_LEVEL)
        .values(status="queued", error=None, next_attempt_at=None, updated_at=func.now())
        .returning(NodeRun.id)  # type: ignore[arg-type]
    )
    return [row.id for row in result]


async def expired_node_runs(
    session: AsyncSession, *, queue: str, stale_after: float, limit: int = 500
) -> list[uuid.UUID]:
    """Node runs of live runs whose worker died (lease expired), not looked at for a lease."""
    stale = func.now() - timedelta(seconds=stale_after)
    rows = await session.scalars(
        select(NodeRun.id)
        .join(Run, Run.id == NodeRun.run_id)
        .where(
            Run.queue == queue,
            Run.status.in_(("queued", "running")),  # type: ignore[attr-defined]
            NodeRun.status == "running",
            NodeRun.lease_expires_at < func.now(),  # type: ignore[operator]
            NodeRun.updated_at < stale,  # type: ignore[operator]
        )
        .order_by(NodeRun.updated_at)
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
        select(NodeRun.id)
        .join(Run, Run.id == NodeRun.run_id)
        .where(
            Run.queue == queue,
            Run.status.in_(("queued", "running")),  # type: ignore[attr-defined]
            NodeRun.status == "queued",
            NodeRun.updated_at < stale,  # type: ignore[operator]
            or_(NodeRun.next_attempt_at.is_(None), NodeRun.next_attempt_at < stale),  # type: ignore[union-attr,operator]
        )
        .order_by(NodeRun.updated_at)
        .limit(limit)
    )
    return list(rows)


async def touch_node_runs(session: AsyncSession, node_run_ids: list[uuid.UUID]) -> None:
    """Mark node runs as looked at by the reaper now (it looks again a lease later)."""
    if node_run_ids:
        await session.execute(
            update(NodeRun)
            .where(NodeRun.id.in_(node_run_ids))  # type: ignore[attr-defined]
            .values(updated_at=func.now())
        )


async def touch_runs(session: AsyncSession, run_ids: list[uuid.UUID]) -> None:
    """Mark runs as looked at by the reaper now (it looks again a lease later)."""
    if run_ids:
        await session.execute(
            update(Run).where(Run.id.in_(run_ids)).values(updated_at=func.now())  # type: ignore[attr-defined]
        )


async def stalled_runs(
    session: AsyncSession, *, queue: str, stale_after: float, limit: int = 500
) -> list[uuid.UUID]:
    """Live queue runs with no node run in flight that nobody advanced for a while."""
    stale = func.now() - timedelta(seconds=stale_after)
    in_flight = select(NodeRun.id).where(
        NodeRun.run_id == Run.id, NodeRun.status.in_(_ACTIVE_NODE), _TOP_LEVEL
    )  # type: ignore[attr-defined]
    rows = await session.scalars(
        select(Run.id)
        .where(
            Run.queue == queue,
            Run.mode == "queue",
            Run.status.in_(("queued", "running")),  # type: ignore[attr-defined]
            Run.updated_at < stale,  # type: ignore[operator]
            ~in_flight.exists(),
        )
        .order_by(Run.updated_at)
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
            Run.id.in_(run_ids),  # type: ignore[attr-defined]
            Run.lease_owner == owner,
            Run.status.in_(("queued", "running", "cancelled")),  # type: ignore[attr-defined]
        )
        .values(lease_expires_at=func.now() + timedelta(seconds=lease_seconds))
        .returning(Run.id, Run.status)  # type: ignore[arg-type]
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
        Run.lease_expires_at < now,  # type: ignore[operator]
        # Rows stored before sync runs had leases.
        and_(Run.lease_expires_at.is_(None), Run.updated_at < now - timedelta(seconds=stale_after)),  # type: ignore[union-attr,operator]
    )
    candidates = (
        select(Run.id)
        .where(Run.mode == "sync", Run.status.in_(("queued", "running")), expired)  # type: ignore[attr-defined]
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.scalars(
        update(Run)
        .where(Run.id.in_(candidates.scalar_subquery()))  # type: ignore[attr-defined]
        .values(
            status="failed",
            error=ABANDONED,
            finished_at=now,
            updated_at=now,
            lease_owner=None,
            lease_expires_at=None,
        )
        .returning(Run)
    )
    return list(result)
