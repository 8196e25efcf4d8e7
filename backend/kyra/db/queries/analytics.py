"""Analytics over the usage ledger and the runs: cost and tokens by group, success rates and
duration percentiles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from kyra.db.models import AiAgent, Graph, LlmUsageLog, Run, User

#: ``group_by`` values of the usage analytics.
USAGE_GROUPS = ("user", "agent", "model", "graph", "day", "hour")
#: ``group_by`` values of the run analytics.
RUN_GROUPS = ("none", "graph", "day")


@dataclass(frozen=True)
class Window:
    """Whose rows and which time range an analytics query covers (owner None: everyone)."""

    owner_id: uuid.UUID | None
    since: datetime | None = None
    until: datetime | None = None


def _usage_key(group_by: str) -> tuple[Any, Any, list[tuple[Any, Any]]]:
    """Group key, display label and outer joins for one ``group_by`` value."""
    log = LlmUsageLog
    if group_by == "user":
        return log.user_id, col(User.name), [(User, col(User.id) == log.user_id)]
    if group_by == "agent":
        return log.agent_id, col(AiAgent.name), [(AiAgent, col(AiAgent.agent_id) == log.agent_id)]
    if group_by == "graph":
        return log.graph_id, col(Graph.name), [(Graph, col(Graph.id) == log.graph_id)]
    if group_by == "model":
        return log.model_key, log.model_key, []
    bucket = func.date_trunc(group_by, func.timezone("UTC", log.created_at))
    return bucket, bucket, []


async def usage_summary(
    session: AsyncSession, window: Window, group_by: str
) -> list[dict[str, Any]]:
    """Calls, tokens, cost and mean latency of LLM usage grouped by ``group_by``."""
    if group_by not in USAGE_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(USAGE_GROUPS)}")
    key, label, joins = _usage_key(group_by)
    query = select(
        key.label("key"),
        label.label("label"),
        func.count().label("calls"),
        func.coalesce(func.sum(col(LlmUsageLog.input_tokens)), 0).label("input_tokens"),
        func.coalesce(func.sum(col(LlmUsageLog.output_tokens)), 0).label("output_tokens"),
        func.coalesce(func.sum(col(LlmUsageLog.total_cost)), 0).label("cost_usd"),
        func.avg(col(LlmUsageLog.latency_ms)).label("avg_latency_ms"),
    ).select_from(LlmUsageLog)
    for table, on in joins:
        query = query.outerjoin(table, on)
    query = query.where(*_in_window(LlmUsageLog, col(LlmUsageLog.user_id), window))
    rows = await session.execute(query.group_by(key, label).order_by(key))
    return [dict(row._mapping) for row in rows]


def _in_window(table: Any, owner_column: Any, window: Window) -> list[Any]:
    clauses = []
    if window.owner_id is not None:
        clauses.append(owner_column == window.owner_id)
    if window.since is not None:
        clauses.append(table.created_at >= window.since)
    if window.until is not None:
        clauses.append(table.created_at < window.until)
    return clauses


def _percentile(fraction: float, duration: Any, finished: Any) -> Any:
    return func.percentile_cont(fraction).within_group(duration).filter(finished)


async def run_stats(
    session: AsyncSession, window: Window, group_by: str = "none"
) -> list[dict[str, Any]]:
    """Success rate and duration percentiles (ms) of top-level runs, optionally grouped."""
    if group_by not in RUN_GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(RUN_GROUPS)}")
    duration = func.extract("epoch", col(Run.finished_at) - col(Run.started_at)) * 1000
    finished = col(Run.finished_at).is_not(None) & col(Run.started_at).is_not(None)
    by_status = {s: func.count().filter(col(Run.status) == s).label(s) for s in _RUN_STATUSES}
    keys: list[Any] = []
    if group_by == "graph":
        keys = [col(Run.graph_id).label("key"), col(Graph.name).label("label")]
    elif group_by == "day":
        day = func.date_trunc("day", func.timezone("UTC", col(Run.created_at)))
        keys = [day.label("key"), day.label("label")]
    query = select(
        *keys,
        func.count().label("runs"),
        *by_status.values(),
        _percentile(0.5, duration, finished).label("p50_ms"),
        _percentile(0.9, duration, finished).label("p90_ms"),
        _percentile(0.99, duration, finished).label("p99_ms"),
        func.coalesce(func.sum(col(Run.cost_usd)), 0).label("cost_usd"),
    ).where(col(Run.parent_run_id).is_(None), *_in_window(Run, col(Run.owner_id), window))
    if group_by == "graph":
        query = query.outerjoin(Graph, col(Graph.id) == col(Run.graph_id))
    if keys:
        query = query.group_by(*[k.element for k in keys]).order_by(keys[0].element)
    return [_with_rate(dict(row._mapping)) for row in await session.execute(query)]


_RUN_STATUSES = ("succeeded", "failed", "cancelled", "paused", "running", "queued")


def _with_rate(row: dict[str, Any]) -> dict[str, Any]:
    done = row["succeeded"] + row["failed"] + row["cancelled"]
    row["success_rate"] = round(row["succeeded"] / done, 4) if done else None
    return row
