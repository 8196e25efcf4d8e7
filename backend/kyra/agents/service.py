"""Running a saved agent from the API in the seed's three modes.

Every mode runs the agent's one-node graph (``Manual.trigger`` → ``AI.agent``) through the
engine, so a tool call is always a node-like step with the same records:

* ``direct``: inline, nothing of the run stored (the answer, steps and cost come back);
* ``tracked``: inline, the run, node runs and steps stored;
* ``queue``: on the workers; the caller gets the run id at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kyra.agents.trace import build_trace
from kyra.db.models import AgentRun, AiAgent, Graph, GraphVersion, Run, RunRow
from kyra.db.queries import graphs as graph_queries
from kyra.engine.inline import run_graph_inline
from kyra.engine.services import EngineServices
from kyra.engine.start import RunRequest, start_run
from kyra.errors import ConflictError
from kyra.status import RunMode

#: Node id of the agent in an agent's own graph.
AGENT_NODE = "agent"


def agent_document(agent: AiAgent, name: str) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "description": f"Runs the agent {agent.name!r} (created for POST /api/agents/{{id}}/run).",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "params": {}, "position": {"x": 0, "y": 0}},
            {"id": AGENT_NODE, "type": "AI.agent", "position": {"x": 260, "y": 0},
             "params": {"agent": str(agent.agent_id), "goal": "{{ trigger.goal }}"}},
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": AGENT_NODE,
                   "targetPort": "in"}],
    }  # fmt: skip


async def agent_graph(session: AsyncSession, agent: AiAgent) -> tuple[Graph, GraphVersion]:
    """The agent's own graph, created the first time it is needed."""
    if agent.graph_id is not None:
        graph = await session.get(Graph, agent.graph_id)
        if graph is not None:
            return graph, await graph_queries.latest_version(session, graph.id)
    name = f"agent: {agent.name}"
    if await graph_queries.find_graph_by_name(session, owner_id=agent.owner_id, name=name):
        name = f"{name} ({str(agent.agent_id)[:8]})"
    graph = await graph_queries.create_graph(
        session, owner_id=agent.owner_id, document=agent_document(agent, name)
    )
    agent.graph_id = graph.id
    session.add(agent)
    await session.commit()
    return graph, await graph_queries.latest_version(session, graph.id)


@dataclass
class AgentRunStarted:
    agent_run: AgentRun
    run: Run | RunRow
    node_runs: list[Any] | None = None


async def run_agent(
    services: EngineServices,
    session: AsyncSession,
    agent: AiAgent,
    *,
    goal: str,
    mode: str,
    budget_usd: Decimal | None,
    session_id: str | None = None,
    temperature: float | None = None,
) -> AgentRunStarted:
    """Run ``agent`` towards ``goal`` in ``mode`` (see the module docstring); ``session_id``
    continues a conversation, ``temperature`` overrides the agent's for this run."""
    graph, version = await agent_graph(session, agent)
    agent_run = AgentRun(
        agent_id=agent.agent_id, owner_id=agent.owner_id, goal=goal, mode=mode, status="queued"
    )
    session.add(agent_run)
    await session.commit()
    trigger = {"goal": goal, "agent_id": str(agent.agent_id),
               "agent_run_id": str(agent_run.run_id), "session_id": session_id,
               "temperature": temperature}  # fmt: skip
    if mode == "direct":
        request = RunRequest(
            graph=graph, version=version, trigger=trigger, mode=RunMode.sync,
            trigger_kind="agent", budget_usd=budget_usd,
        )  # fmt: skip
        run = request.unstored_run()
        unsaved = Graph(id=graph.id, owner_id=graph.owner_id, name=graph.name,
                        settings={**(graph.settings or {}), "save_runs": "none"})  # fmt: skip
        result = await run_graph_inline(services, graph=unsaved, version=version, run=run)
        return AgentRunStarted(agent_run, result.run, result.node_runs)
    if mode == "tracked":
        started = await start_run(
            services,
            RunRequest(
                graph=graph,
                version=version,
                trigger=trigger,
                mode=RunMode.sync,
                trigger_kind="agent",
                budget_usd=budget_usd,
            ),
        )
        node_runs = started.result.node_runs if started.result else None
        await _link(session, agent_run, started.run.id)
        return AgentRunStarted(agent_run, started.run, node_runs)
    if services.dispatcher is None:
        raise ConflictError("queue mode needs a broker")
    started = await start_run(
        services,
        RunRequest(
            graph=graph,
            version=version,
            trigger=trigger,
            mode=RunMode.queue,
            trigger_kind="agent",
            budget_usd=budget_usd,
            run_id=uuid.uuid4(),
        ),
    )
    await _link(session, agent_run, started.run.id)
    return AgentRunStarted(agent_run, started.run)


async def _link(session: AsyncSession, agent_run: AgentRun, run_id: uuid.UUID) -> None:
    await session.refresh(agent_run)
    agent_run.flow_run_id = run_id
    await session.commit()


def run_answer(started: AgentRunStarted) -> dict[str, Any]:
    """The response of a direct or tracked agent run: answer, steps and cost."""
    run = started.run
    tree = build_trace(started.node_runs or [])
    node = next((n for n in tree if n["node_id"] == AGENT_NODE), None)
    output = ((node or {}).get("output") or {}).get("out") or {}
    return {
        "agent_run_id": str(started.agent_run.run_id),
        "run_id": str(run.id) if started.agent_run.mode != "direct" else None,
        "mode": started.agent_run.mode,
        "status": run.status,
        "answer": output.get("answer"),
        "result": output.get("result"),
        "finished": output.get("finished"),
        "iterations": output.get("iterations"),
        "cost_usd": float(run.cost_usd or 0),
        "input_tokens": run.input_tokens,
        "output_tokens": run.output_tokens,
        "error": run.error,
        "pause_reason": run.pause_reason,
        "steps": (node or {}).get("children", []),
    }
