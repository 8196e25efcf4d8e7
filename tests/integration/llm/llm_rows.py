"""Rows and providers the LLM integration tests attribute usage to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kyra.db.models import AiAgent, Graph, GraphVersion, NodeRun, Run
from kyra.db.queries.llm import create_model, create_provider


@dataclass
class RunRows:
    """A graph with one stored run (and a child run and node run) to attribute usage to."""

    graph_id: uuid.UUID
    run_id: uuid.UUID
    child_run_id: uuid.UUID
    node_run_id: uuid.UUID
    agent_id: uuid.UUID


async def make_run(
    sessions: async_sessionmaker[AsyncSession], owner_id: uuid.UUID, budget: str | None = None
) -> RunRows:
    """Store a graph, a root run with ``budget``, a child run and a node run."""
    async with sessions.begin() as session:
        graph = Graph(owner_id=owner_id, name=f"g-{uuid.uuid4().hex[:8]}")
        agent = AiAgent(owner_id=owner_id, name=f"a-{uuid.uuid4().hex[:8]}")
        session.add_all([graph, agent])
        await session.flush()
        version = GraphVersion(graph_id=graph.id, version=1, document={"name": graph.name})
        session.add(version)
        await session.flush()
        common = {"owner_id": owner_id, "graph_id": graph.id, "graph_version_id": version.id}
        root = Run(**common, budget_usd=Decimal(budget) if budget else None, status="running")
        session.add(root)
        await session.flush()
        child = Run(**common, parent_run_id=root.id, status="running")
        session.add(child)
        await session.flush()
        node_run = NodeRun(run_id=child.id, node_id="ask", node_type="AI.chat", status="running")
        session.add(node_run)
    return RunRows(graph.id, root.id, child.id, node_run.id, agent.agent_id)


async def add_fake_provider(
    sessions: async_sessionmaker[AsyncSession],
    owner_id: uuid.UUID,
    *,
    kind: str,
    base_url: str,
    models: list[dict[str, Any]],
    name: str | None = None,
) -> str:
    """Register a provider pointing at a fake server, with ``models``; returns its name."""
    name = name or f"fake-{kind}"
    async with sessions.begin() as session:
        provider = await create_provider(
            session,
            owner_id=owner_id,
            name=name,
            provider_key=kind,
            base_url=base_url,
            api_key="sk-test",
        )
        for fields in models:
            await create_model(session, provider=provider, fields=dict(fields))
    return name


#: A cheap model: $0.001 per 1k input and $0.002 per 1k output tokens.
MINI = {
    "model_key": "gpt-4o-mini",
    "context_length": 128_000,
    "max_output_tokens": 16_384,
    "input_cost_per_1k": Decimal("0.001"),
    "output_cost_per_1k": Decimal("0.002"),
    "capabilities": {"tools": True, "json_mode": True, "vision": True},
    "is_recommended": True,
}
