"""Human in the loop, an engine feature: nodes that wait for a decision, and deciding on a run.

A decision is taken under the run row's lock and resumes the run in the same transaction, so
of several concurrent approvals and rejections exactly one wins (the one answered 200); the
others find the run no longer paused and get a conflict.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import Run, RunRow
from kyra.db.queries import approvals as queries
from kyra.db.queries import runs as run_queries
from kyra.engine.control import announce_resumed, resume_locked
from kyra.engine.services import EngineServices
from kyra.errors import ApprovalRequired, ConflictError
from kyra.status import NodeRunStatus


async def node_approval(
    services: EngineServices, node_run_id: uuid.UUID | None, node_id: str, request: dict[str, Any]
) -> dict[str, Any]:
    """The decision on this node run, or pause the run until someone takes it.

    Raises:
        ApprovalRequired: nobody decided yet (the run pauses).
    """
    decision: dict[str, Any] | None = None
    if node_run_id is not None:
        async with services.session_factory() as session:
            decision = await queries.node_run_approval(session, node_run_id)
    if decision and decision.get("status") in ("approved", "rejected"):
        return {
            "approved": decision["status"] == "approved",
            "comment": decision.get("comment", ""),
            "decided_by": decision.get("decided_by"),
        }
    raise ApprovalRequired(
        f"node {node_id} waits for approval",
        details={"reason": "approval", "approval": {"node_id": node_id, **request}},
    )


def pending_in(rows: list[Any]) -> list[dict[str, Any]]:
    """Pending approvals among node runs held in memory (a ``sync`` run that just paused)."""
    waiting = [
        r for r in rows
        if r.status == NodeRunStatus.paused and "approval" in ((r.error or {}).get("details") or {})
    ]  # fmt: skip
    parents = {r.parent_node_run_id for r in waiting}
    return [pending_view(r) for r in waiting if r.id not in parents]


def pending_view(row: Any) -> dict[str, Any]:
    """A pending approval as ``GET /api/runs/{id}`` shows it."""
    return {
        "node_run_id": str(row.id),
        "node_id": row.node_id,
        "kind": row.kind,
        "step_key": row.step_key,
        "request": (row.error or {}).get("details", {}).get("approval"),
        "since": row.finished_at.isoformat() if row.finished_at else None,
    }


async def pending_approval(session: AsyncSession, run: Run | RunRow) -> list[dict[str, Any]]:
    """What a paused run waits for a human to decide (empty unless paused for approval)."""
    if run.status != "paused":
        return []
    return [pending_view(r) for r in await queries.pending_approvals(session, run.id)]


async def decide_run(
    services: EngineServices,
    run_id: uuid.UUID,
    *,
    approved: bool,
    comment: str,
    decided_by: str,
) -> None:
    """Record the decision on every pending call of the paused run and resume it.

    Raises:
        ConflictError: the run is not paused, or nothing in it waits for approval (another
            decision won).
    """
    decision = {
        "status": "approved" if approved else "rejected",
        "comment": comment,
        "decided_by": decided_by,
        "decided_at": datetime.now(UTC).isoformat(),
    }
    async with services.session_factory() as session, session.begin():
        run = await run_queries.lock_run(session, run_id)
        if run is None or run.status != "paused":
            status = run.status if run is not None else "gone"
            raise ConflictError(f"run is {status}: nothing in it waits for a decision")
        pending = await queries.pending_approvals(session, run_id)
        if not pending:
            raise ConflictError("nothing in this run waits for approval")
        await queries.decide(session, [row.id for row in pending], decision)
        if services.dispatcher is None:
            raise ConflictError("no queue is configured to resume runs on")
        resumed = await resume_locked(session, run, queue=services.dispatcher.queue_name)
    await announce_resumed(services, resumed)
