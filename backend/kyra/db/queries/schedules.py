"""Cron schedules derived from the ``Schedule.trigger`` nodes of saved graphs, and claiming
the due ones (``FOR UPDATE SKIP LOCKED``, so two schedulers never take the same row)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.cron import next_fire_time
from kyra.db.models import Graph, Schedule

NODE_TYPE = "Schedule.trigger"


async def sync_schedules(
    session: AsyncSession, graph: Graph, document: dict[str, Any], *, now: datetime | None = None
) -> None:
    """Make the graph's schedules match its ``Schedule.trigger`` nodes.

    A schedule whose cron and time zone are unchanged keeps its next fire time; a new or changed
    one fires next after ``now``.
    """
    now = now or datetime.now(UTC)
    nodes = {
        n["id"]: n.get("params") or {}
        for n in document.get("nodes", [])
        if n.get("type") == NODE_TYPE
    }
    existing = {s.node_id: s for s in await list_schedules(session, graph_id=graph.id)}
    gone = [s.id for node_id, s in existing.items() if node_id not in nodes]
    if gone:
        await session.execute(delete(Schedule).where(col(Schedule.id).in_(gone)))
    for node_id, params in nodes.items():
        cron, zone = str(params.get("cron", "")).strip(), params.get("timezone") or "UTC"
        row = existing.get(node_id)
        if row is None:
            row = Schedule(owner_id=graph.owner_id, graph_id=graph.id, node_id=node_id, cron=cron)
            session.add(row)
        if row.next_fire_at is None or (row.cron, row.timezone) != (cron, zone):
            row.next_fire_at = next_fire_time(cron, zone, now)
        row.cron, row.timezone = cron, zone
        row.missed_policy = params.get("missed", "skip")
        row.enabled = bool(params.get("enabled", True))
        row.payload = dict(params.get("payload") or {})
    await session.flush()


async def list_schedules(
    session: AsyncSession, *, graph_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None
) -> list[Schedule]:
    query = select(Schedule).order_by(col(Schedule.next_fire_at), col(Schedule.node_id))
    if graph_id is not None:
        query = query.where(col(Schedule.graph_id) == graph_id)
    if owner_id is not None:
        query = query.where(col(Schedule.owner_id) == owner_id)
    return list(await session.scalars(query))


async def lock_due(session: AsyncSession, *, now: datetime, limit: int = 100) -> Sequence[Schedule]:
    """Enabled schedules due at ``now``, locked until the session's transaction ends.

    Rows another scheduler holds are skipped, not waited for.
    """
    rows = await session.scalars(
        select(Schedule)
        .where(col(Schedule.enabled), col(Schedule.next_fire_at) <= now)
        .order_by(col(Schedule.next_fire_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(rows)
