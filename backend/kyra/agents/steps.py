"""Agent steps as child node runs: opened when a call starts, closed with its outcome.

While the run is stored (queue mode, resumed runs) each change is written at once and
published as a ``step`` event; inline runs keep steps in memory and store them with the run.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kyra.db.models import NodeRun
from kyra.db.queries import agents as queries
from kyra.db.queries.runs import node_run_view
from kyra.status import NodeRunStatus

#: Longest node id a step may have (the column's size).
_NODE_ID_MAX = 100


class StepLog:
    """The steps of one agent node attempt, in the order they started."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.live = ctx.node_run_id is not None
        self.rows: list[NodeRun] = ctx.steps
        self._sequence = itertools.count(1)

    async def open(
        self, parent: NodeRun | None, key: str, *, kind: str, name: str, inputs: dict[str, Any]
    ) -> NodeRun:
        ctx = self.ctx
        row = NodeRun(
            run_id=ctx.run_id,
            node_id=f"{ctx.node_id}#{ctx.attempt}:{key}"[:_NODE_ID_MAX],
            node_type=name[:100],
            kind=kind,
            step_key=key,
            sequence=next(self._sequence),
            status=NodeRunStatus.running,
            attempt=ctx.attempt,
            inputs=inputs,
            started_at=datetime.now(UTC),
            parent_node_run_id=parent.id if parent is not None else ctx.node_run_id,
            cost_usd=Decimal(0),
            input_tokens=0,
            output_tokens=0,
        )
        self.rows.append(row)
        if self.live:
            async with ctx.services.session_factory() as session, session.begin():
                await queries.insert_step(session, row)
            await ctx.services.hooks.step_changed(ctx.run_id, node_run_view(row))
        return row

    async def close(self, row: NodeRun, status: str, **values: Any) -> None:
        """Finish ``row`` with ``status`` and any of output, error, params, approval, node_type,
        cost_usd, input_tokens, output_tokens."""
        now = datetime.now(UTC)
        values |= {"status": status, "finished_at": now}
        if row.started_at is not None:
            values["duration_ms"] = (now - row.started_at).total_seconds() * 1000
        for name, value in values.items():
            setattr(row, name, value)
        if self.live:
            async with self.ctx.services.session_factory() as session, session.begin():
                await queries.update_step(session, row.id, values)
            await self.ctx.services.hooks.step_changed(self.ctx.run_id, node_run_view(row))

    def cost_under(self, key: str) -> tuple[Decimal, int, int]:
        """Cost and tokens of the steps below the step ``key`` (a sub-agent's whole tree)."""
        below = [
            r for r in self.rows if (r.step_key or "").startswith(f"{key}/") and r.kind != "agent"
        ]
        return (
            sum((r.cost_usd for r in below), Decimal(0)),
            sum(r.input_tokens for r in below),
            sum(r.output_tokens for r in below),
        )

    def total_cost(self) -> Decimal:
        return sum((r.cost_usd for r in self.rows if r.kind != "agent"), Decimal(0))

    def summary(self) -> list[dict[str, Any]]:
        return [
            {
                "key": r.step_key,
                "kind": r.kind,
                "name": r.node_type,
                "status": r.status,
                "cost_usd": float(r.cost_usd),
                "duration_ms": r.duration_ms,
            }
            for r in self.rows
        ]
