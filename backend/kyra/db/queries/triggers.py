"""Every trigger of an owner's graphs (webhooks, schedules, channel deployments) with the last
run each kind started, and switching webhooks and schedules on and off."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.models import ChannelDeployment, Graph, Run, Schedule, Webhook
from kyra.errors import NotFoundError

#: Trigger kinds that can be switched on and off, and their tables.
TOGGLES: dict[str, type[Webhook] | type[Schedule]] = {"webhook": Webhook, "schedule": Schedule}


async def _last_runs(session: AsyncSession, owner_id: uuid.UUID) -> dict[tuple[Any, str], Any]:
    query = (
        select(col(Run.graph_id), col(Run.trigger_kind), func.max(col(Run.created_at)))
        .where(col(Run.owner_id) == owner_id, col(Run.parent_run_id).is_(None))
        .group_by(col(Run.graph_id), col(Run.trigger_kind))
    )
    return {(row[0], row[1]): row[2] for row in await session.execute(query)}


async def list_triggers(session: AsyncSession, *, owner_id: uuid.UUID) -> list[dict[str, Any]]:
    """One row per trigger: kind, graph, node, URL path or cron, next fire, last run, enabled."""
    last = await _last_runs(session, owner_id)
    graphs = select(col(Graph.id), col(Graph.name)).where(col(Graph.owner_id) == owner_id)
    names: dict[Any, str] = {row[0]: row[1] for row in await session.execute(graphs)}
    rows: list[dict[str, Any]] = []
    for hook in await session.scalars(select(Webhook).where(col(Webhook.owner_id) == owner_id)):
        kind = "webhook" if hook.reply_mode != "inbound" else "event"
        rows.append(_row(hook.id, kind, hook.graph_id, names, hook.node_id, last,
                         enabled=hook.enabled, url=f"/hooks/{hook.path}",
                         methods=list(hook.methods), reply=hook.reply_mode))  # fmt: skip
    for schedule in await session.scalars(
        select(Schedule).where(col(Schedule.owner_id) == owner_id)
    ):
        rows.append(_row(schedule.id, "schedule", schedule.graph_id, names, schedule.node_id, last,
                         enabled=schedule.enabled, cron=schedule.cron, timezone=schedule.timezone,
                         next_fire_at=schedule.next_fire_at if schedule.enabled else None,
                         last_fire_at=schedule.last_fire_at))  # fmt: skip
    deployments = select(ChannelDeployment).where(col(ChannelDeployment.owner_id) == owner_id)
    for deployment in await session.scalars(deployments):
        rows.append(_row(deployment.id, deployment.kind, deployment.graph_id, names, None, last,
                         enabled=True, url=f"/channels/{deployment.kind}/{deployment.id}",
                         agent_id=deployment.agent_id,
                         bot=(deployment.config or {}).get("bot_username")))  # fmt: skip
    return sorted(rows, key=lambda r: (r["graph_name"], r["kind"], r["node_id"] or ""))


def _row(
    trigger_id: uuid.UUID, kind: str, graph_id: uuid.UUID, names: dict[Any, str],
    node_id: str | None, last: dict[tuple[Any, str], Any], *, enabled: bool, **extra: Any,
) -> dict[str, Any]:  # fmt: skip
    run_kind = {"webhook": "webhook", "event": "event", "schedule": "schedule"}.get(kind, kind)
    return {
        "id": trigger_id, "kind": kind, "graph_id": graph_id,
        "graph_name": names.get(graph_id, ""), "node_id": node_id, "enabled": enabled,
        "last_run_at": last.get((graph_id, run_kind)), "url": None, **extra,
    }  # fmt: skip


async def set_enabled(
    session: AsyncSession, *, owner_id: uuid.UUID, kind: str, trigger_id: uuid.UUID, enabled: bool
) -> bool:
    """Switch one of the owner's webhooks or schedules on or off.

    Raises:
        NotFoundError: no such trigger of this kind for this owner (or a kind with no switch).
    """
    table = TOGGLES.get(kind)
    row: Webhook | Schedule | None = (
        await session.get(table, trigger_id) if table is not None else None
    )
    if row is None or row.owner_id != owner_id:
        raise NotFoundError(f"{kind} {trigger_id} not found")
    row.enabled = enabled
    await session.flush()
    return enabled
