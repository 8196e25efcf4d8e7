"""Polling triggers derived from saved graphs, and claiming the due ones: a claim moves
``next_poll_at`` on in the same statement, so two schedulers never poll one trigger at once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, delete, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.models import Graph, TriggerPoll
from kyra.spec import NodeSpec

#: Shortest interval between two polls of one trigger.
MIN_POLL_SECONDS = 10


def poll_interval(spec: NodeSpec, params: Mapping[str, Any]) -> int:
    value = params.get("poll_seconds") or spec.poll_seconds
    try:
        return max(MIN_POLL_SECONDS, int(float(value)))
    except (TypeError, ValueError):
        return max(MIN_POLL_SECONDS, int(spec.poll_seconds))


async def sync_polls(
    session: AsyncSession,
    graph: Graph,
    document: dict[str, Any],
    triggers: Mapping[str, NodeSpec],
    *,
    now: datetime | None = None,
) -> None:
    """Make the graph's polls match its polling trigger nodes; a poll keeps its cursor while
    its node keeps its type (a new one polls at once)."""
    now = now or datetime.now(UTC)
    nodes = {
        n["id"]: n
        for n in document.get("nodes", [])
        if (spec := triggers.get(n.get("type", ""))) is not None and spec.poll is not None
    }
    existing = {p.node_id: p for p in await list_polls(session, graph_id=graph.id)}
    gone = [p.id for node_id, p in existing.items() if node_id not in nodes]
    if gone:
        await session.execute(delete(TriggerPoll).where(col(TriggerPoll.id).in_(gone)))
    for node_id, node in nodes.items():
        params = node.get("params") or {}
        row = existing.get(node_id)
        if row is None or row.node_type != node["type"]:
            if row is not None:
                await session.delete(row)
                await session.flush()
            row = TriggerPoll(
                owner_id=graph.owner_id, graph_id=graph.id, node_id=node_id,
                node_type=node["type"], next_poll_at=now,
            )  # fmt: skip
            session.add(row)
        row.interval_seconds = poll_interval(triggers[node["type"]], params)
        row.enabled = bool(params.get("enabled", True))
    await session.flush()


async def list_polls(session: AsyncSession, *, graph_id: uuid.UUID) -> list[TriggerPoll]:
    rows = await session.scalars(
        select(TriggerPoll)
        .where(col(TriggerPoll.graph_id) == graph_id)
        .order_by(col(TriggerPoll.node_id))
    )
    return list(rows)


async def claim_due(session: AsyncSession, *, now: datetime, limit: int = 20) -> list[TriggerPoll]:
    """Due polls, each moved to its next time in the same statement (rows another scheduler
    is claiming are skipped)."""
    due = (
        select(TriggerPoll.id)  # type: ignore[call-overload]
        .where(col(TriggerPoll.enabled), col(TriggerPoll.next_poll_at) <= now)
        .order_by(col(TriggerPoll.next_poll_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.scalars(
        update(TriggerPoll)
        .where(col(TriggerPoll.id).in_(due.scalar_subquery()))
        .values(
            next_poll_at=literal(now, DateTime(timezone=True))
            + func.make_interval(0, 0, 0, 0, 0, 0, col(TriggerPoll.interval_seconds))
        )
        .returning(TriggerPoll)
    )
    return list(claimed)


async def finish_poll(
    session: AsyncSession,
    poll_id: uuid.UUID,
    *,
    cursor: dict[str, Any] | None,
    started: int,
    error: str | None,
    now: datetime,
) -> None:
    """Record a poll's outcome: the new cursor (kept as it was after an error)."""
    values: dict[str, Any] = {"last_polled_at": now, "last_error": error}
    if error is None:
        values["cursor"] = cursor
    if started:
        values["runs_started"] = TriggerPoll.runs_started + started
    await session.execute(
        update(TriggerPoll).where(col(TriggerPoll.id) == poll_id).values(**values)
    )


def poll_read(poll: TriggerPoll) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "node_id": poll.node_id,
        "node_type": poll.node_type,
        "interval_seconds": poll.interval_seconds,
        "enabled": poll.enabled,
        "next_poll_at": iso(poll.next_poll_at) if poll.enabled else None,
        "last_polled_at": iso(poll.last_polled_at),
        "last_error": poll.last_error,
        "runs_started": poll.runs_started,
        "started": poll.cursor is not None,
    }
