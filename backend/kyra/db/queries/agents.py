"""Agents, their runs, agent steps (child node runs) and approvals; always scoped by owner."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kyra.db.models import AgentRun, AiAgent, NodeRun
from kyra.errors import NotFoundError


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


async def get_agent(session: AsyncSession, *, owner_id: uuid.UUID, ref: Any) -> AiAgent:
    """The owner's agent with id or name ``ref``.

    Raises:
        NotFoundError: no such agent for this owner.
    """
    agent_id = _as_uuid(ref)
    condition = AiAgent.agent_id == agent_id if agent_id else AiAgent.name == str(ref)
    agent = await session.scalar(select(AiAgent).where(AiAgent.owner_id == owner_id, condition))
    if agent is None:
        raise NotFoundError(f"agent {ref} not found")
    return agent


async def list_agents(session: AsyncSession, *, owner_id: uuid.UUID) -> list[AiAgent]:
    rows = await session.scalars(
        select(AiAgent).where(AiAgent.owner_id == owner_id).order_by(AiAgent.name)
    )
    return list(rows)


async def agents_named(
    session: AsyncSession, *, owner_id: uuid.UUID, names: list[str]
) -> list[AiAgent]:
    if not names:
        return []
    rows = await session.scalars(
        select(AiAgent).where(AiAgent.owner_id == owner_id, AiAgent.name.in_(names))  # type: ignore[attr-defined]
    )
    return list(rows)


# --- agent runs -------------------------------------------------------------------------------


async def update_agent_run(
    session: AsyncSession, agent_run_id: uuid.UUID, **values: Any
) -> uuid.UUID | None:
    """Update an agent run; returns its agent's id (None when there is no such run)."""
    agent_id: uuid.UUID | None = await session.scalar(
        update(AgentRun)
        .where(AgentRun.run_id == agent_run_id)
        .values(**values)
        .returning(AgentRun.agent_id)
    )
    return agent_id


async def set_agent_status(session: AsyncSession, agent_id: uuid.UUID | None, status: str) -> None:
    """``ai_agents.status`` follows the agent's latest run start or end."""
    if agent_id is not None:
        await session.execute(
            update(AiAgent).where(AiAgent.agent_id == agent_id).values(status=status)
        )


async def list_agent_runs(
    session: AsyncSession, *, agent_id: uuid.UUID, limit: int, offset: int
) -> list[AgentRun]:
    rows = await session.scalars(
        select(AgentRun)
        .where(AgentRun.agent_id == agent_id)
        .order_by(AgentRun.created_at.desc())  # type: ignore[attr-defined]
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


# --- steps ------------------------------------------------------------------------------------


async def insert_step(session: AsyncSession, step: NodeRun) -> None:
    session.add(step)
    await session.flush()


async def update_step(session: AsyncSession, step_id: uuid.UUID, values: dict[str, Any]) -> None:
    await session.execute(update(NodeRun).where(NodeRun.id == step_id).values(**values))


async def cancel_steps(session: AsyncSession, step_ids: list[uuid.UUID]) -> None:
    """Close steps left running by an attempt that will never finish them."""
    await session.execute(
        update(NodeRun)
        .where(NodeRun.id.in_(step_ids), NodeRun.status == "running")  # type: ignore[attr-defined]
        .values(status="cancelled", finished_at=func.now())
    )


async def run_steps(session: AsyncSession, run_id: uuid.UUID) -> list[NodeRun]:
    """Every agent step of a run (node runs with a parent), in the order they started."""
    rows = await session.scalars(
        select(NodeRun)
        .where(NodeRun.run_id == run_id, NodeRun.parent_node_run_id.is_not(None))  # type: ignore[union-attr]
        .order_by(NodeRun.sequence, NodeRun.created_at)
    )
    return list(rows)


async def all_node_runs(session: AsyncSession, run_id: uuid.UUID) -> list[NodeRun]:
    rows = await session.scalars(
        select(NodeRun).where(NodeRun.run_id == run_id).order_by(NodeRun.created_at)
    )
    return list(rows)
