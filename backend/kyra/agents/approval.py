"""Human in the loop: nodes that wait for a decision, and approving or rejecting a paused run."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from kyra.db.queries import agents as queries
from kyra.engine.control import resume_run
from kyra.engine.services import EngineServices
from kyra.errors import ApprovalRequired, ConflictError


async def node_approval(ctx: Any, request: dict[str, Any]) -> dict[str, Any]:
    """The decision on this node run, or pause the run until someone takes it."""
    decision: dict[str, Any] | None = None
    if ctx.node_run_id is not None:
        async with ctx.services.session_factory() as session:
            decision = await queries.node_run_approval(session, ctx.node_run_id)
    if decision and decision.get("status") in ("approved", "rejected"):
        return {
            "approved": decision["status"] == "approved",
            "comment": decision.get("comment", ""),
            "decided_by": decision.get("decided_by"),
        }
    raise ApprovalRequired(
        f"node {ctx.node_id} waits for approval",
        details={"reason": "approval", "approval": {"node_id": ctx.node_id, **request}},
    )


def pending_in(rows: list[Any]) -> list[dict[str, Any]]:
    """Pending approvals among node runs held in memory (a ``sync`` run that just paused)."""
    waiting = [
        r for r in rows
        if r.status == "paused" and "approval" in ((r.error or {}).get("details") or {})
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
        ConflictError: nothing in the run waits for approval.
    """
    decision = {
        "status": "approved" if approved else "rejected",
        "comment": comment,
        "decided_by": decided_by,
        "decided_at": datetime.now(UTC).isoformat(),
    }
    async with services.session_factory() as session, session.begin():
        pending = await queries.pending_approvals(session, run_id)
        if not pending:
            raise ConflictError("nothing in this run waits for approval")
        await queries.decide(session, [row.id for row in pending], decision)
    await resume_run(services, run_id)
