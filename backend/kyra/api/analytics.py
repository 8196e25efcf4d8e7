"""Usage and run analytics: LLM cost and tokens by user, agent, model, graph, time; run health."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from litestar import Controller, get
from litestar.exceptions import PermissionDeniedException
from litestar.params import Parameter
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.api.auth import Principal
from kyra.api.fields import TimestampQuery, parse_timestamp
from kyra.db.queries import analytics as queries

UsageGroup = Literal["user", "agent", "model", "graph", "day", "hour"]
RunGroup = Literal["none", "graph", "day"]
Scope = Literal["mine", "all"]


class UsageRow(BaseModel):
    key: str | None
    label: str | None
    calls: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    avg_latency_ms: float | None


class UsageRead(BaseModel):
    group_by: str
    since: datetime | None
    until: datetime | None
    rows: list[UsageRow]
    totals: UsageRow


class RunStatsRow(BaseModel):
    key: str | None = None
    label: str | None = None
    runs: int
    succeeded: int
    failed: int
    cancelled: int
    paused: int
    running: int
    queued: int
    success_rate: float | None
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    cost_usd: float


class RunStatsRead(BaseModel):
    group_by: str
    since: datetime | None
    until: datetime | None
    rows: list[RunStatsRow]


def _window(
    principal: Principal, scope: Scope, since: datetime | None, until: datetime | None
) -> queries.Window:
    if scope == "all" and not principal.is_admin:
        raise PermissionDeniedException("only admins may see everyone's usage")
    return queries.Window(None if scope == "all" else principal.user_id, since, until)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _usage_row(row: dict[str, Any]) -> UsageRow:
    return UsageRow(
        key=_text(row["key"]),
        label=_text(row["label"]),
        calls=row["calls"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cost_usd=float(row["cost_usd"]),
        avg_latency_ms=float(row["avg_latency_ms"]) if row["avg_latency_ms"] is not None else None,
    )


def _totals(rows: list[UsageRow]) -> UsageRow:
    calls = sum(r.calls for r in rows)
    latency = sum((r.avg_latency_ms or 0) * r.calls for r in rows)
    return UsageRow(
        key=None,
        label="total",
        calls=calls,
        input_tokens=sum(r.input_tokens for r in rows),
        output_tokens=sum(r.output_tokens for r in rows),
        cost_usd=float(sum(Decimal(str(r.cost_usd)) for r in rows)),
        avg_latency_ms=latency / calls if calls else None,
    )


class AnalyticsController(Controller):
    path = "/api/analytics"
    tags = ["analytics"]

    @get("/usage", opt={"errors": [403]})
    async def usage(
        self,
        db_session: AsyncSession,
        principal: Principal,
        group_by: UsageGroup = "model",
        since_at: TimestampQuery | None = Parameter(query="since", default=None),
        until_at: TimestampQuery | None = Parameter(query="until", default=None),
        who: Scope = Parameter(query="scope", default="mine"),
    ) -> UsageRead:
        since, until = parse_timestamp(since_at, "since"), parse_timestamp(until_at, "until")
        window = _window(principal, who, since, until)
        rows = [_usage_row(r) for r in await queries.usage_summary(db_session, window, group_by)]
        return UsageRead(
            group_by=group_by, since=since, until=until, rows=rows, totals=_totals(rows)
        )

    @get("/runs", opt={"errors": [403]})
    async def runs(
        self,
        db_session: AsyncSession,
        principal: Principal,
        group_by: RunGroup = "none",
        since_at: TimestampQuery | None = Parameter(query="since", default=None),
        until_at: TimestampQuery | None = Parameter(query="until", default=None),
        who: Scope = Parameter(query="scope", default="mine"),
    ) -> RunStatsRead:
        since, until = parse_timestamp(since_at, "since"), parse_timestamp(until_at, "until")
        window = _window(principal, who, since, until)
        rows = await queries.run_stats(db_session, window, group_by)
        return RunStatsRead(
            group_by=group_by,
            since=since,
            until=until,
            rows=[
                RunStatsRow(**{**r, "key": _text(r.get("key")), "label": _text(r.get("label"))})
                for r in rows
            ],
        )


ROUTES: list[type[Controller]] = [AnalyticsController]
