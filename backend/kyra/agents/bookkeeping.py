"""``agent_runs`` rows: one per execution of a saved agent (API runs, agent nodes, sub-agents).

Ids of rows started by nodes derive from the run, node and step key, so a resumed or retried
attempt updates the same row instead of adding one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert

from kyra.agents.config import AgentConfig
from kyra.db.models import AgentRun
from kyra.db.queries import agents as queries
from kyra.errors import PauseRequested

_NAMESPACE = uuid.UUID("5b0e7f7c-3c1e-4d53-9a57-4b1f6c7d2a10")


def _given(ctx: Any, config: AgentConfig, key: str) -> uuid.UUID | None:
    """The agent run the API created for this run (``trigger.agent_run_id``), if it is this one."""
    trigger = ctx.trigger or {}
    if key or str(config.agent_id) != str(trigger.get("agent_id")):
        return None
    try:
        return uuid.UUID(str(trigger.get("agent_run_id")))
    except ValueError:
        return None


async def start(ctx: Any, config: AgentConfig, goal: str, *, key: str) -> uuid.UUID | None:
    """Mark the agent run running (creating it for node and sub-agent runs); None if inline."""
    if config.agent_id is None:
        return None
    given = _given(ctx, config, key)
    async with ctx.services.session_factory() as session, session.begin():
        await queries.set_agent_status(session, config.agent_id, "running")
        if given is not None:
            await queries.update_agent_run(session, given, status="running")
            return given
        agent_run_id = uuid.uuid5(_NAMESPACE, f"{ctx.run_id}:{ctx.node_id}:{key}")
        now = datetime.now(UTC)
        statement = pg_insert(AgentRun).values(
            run_id=agent_run_id, agent_id=config.agent_id, owner_id=ctx.owner_id,
            flow_run_id=ctx.run_id if ctx.node_run_id is not None else None,
            status="running", goal=goal, mode="sub_agent" if key else "node",
            created_at=now, updated_at=now,
        )  # fmt: skip
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[AgentRun.run_id], set_={"status": "running", "updated_at": now}
            )
        )
    return agent_run_id


async def succeed(
    ctx: Any, agent_run_id: uuid.UUID | None, output: dict[str, Any], *, cost: Decimal
) -> None:
    await _finish(ctx, agent_run_id, status="succeeded", result=output, cost_usd=cost, error=None)


async def fail(
    ctx: Any, agent_run_id: uuid.UUID | None, exc: BaseException, *, cost: Decimal
) -> None:
    status = "paused" if isinstance(exc, PauseRequested) else "failed"
    await _finish(ctx, agent_run_id, status=status, error=str(exc) or type(exc).__name__,
                  cost_usd=cost)  # fmt: skip


async def _finish(ctx: Any, agent_run_id: uuid.UUID | None, **values: Any) -> None:
    if agent_run_id is None:
        return
    async with ctx.services.session_factory() as session, session.begin():
        agent_id = await queries.update_agent_run(
            session, agent_run_id, **values, updated_at=datetime.now(UTC)
        )
        await queries.set_agent_status(session, agent_id, values["status"])
