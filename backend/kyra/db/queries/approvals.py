"""Human decisions on paused node runs and agent steps, always read under the run's lock."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import NodeRun


async def node_run_approval(session: AsyncSession, node_run_id: uuid.UUID) -> dict[str, Any] | None:
    approval: dict[str, Any] | None = await session.scalar(
        select(NodeRun.approval).where(NodeRun.id == node_run_id)
    )
    return approval


async def pending_approvals(session: AsyncSession, run_id: uuid.UUID) -> list[NodeRun]:
    """Paused node runs and steps of the run that wait for a human decision."""
    rows = await session.scalars(
        select(NodeRun).where(
            NodeRun.run_id == run_id,
            NodeRun.status == "paused",
            NodeRun.error["details"].has_key("approval"),  # type: ignore[index]
        )
    )
    waiting = [r for r in rows if not (r.approval or {}).get("status")]
    # An agent node paused by one of its steps shows the step, not itself.
    parents = {r.parent_node_run_id for r in waiting}
    return [r for r in waiting if r.id not in parents]


async def decide(
    session: AsyncSession, node_run_ids: list[uuid.UUID], decision: dict[str, Any]
) -> None:
    """Store a human decision on the pending node runs (read by their next attempt)."""
    for node_run_id in node_run_ids:
        row = await session.get(NodeRun, node_run_id)
        if row is not None:
            request = (row.error or {}).get("details", {}).get("approval")
            row.approval = {**decision, "request": request}
