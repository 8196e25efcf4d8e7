"""A worker killed in the middle of an agent: another worker finishes it without repeating steps."""

from __future__ import annotations

import os
import signal
import uuid
from typing import Any

from sqlalchemy import select

from kyra.db.models import Graph, NodeRun
from kyra.db.queries import agents as agent_queries
from kyra.db.queries import graphs as graph_queries
from kyra.engine.services import EngineServices
from kyra.engine.start import start_run
from tests.conftest import start_worker, stop_process_group
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User
from tests.integration.test_durability import on_queue, run_status
from tests.waiting import eventually


def _graph(name: str) -> dict[str, Any]:
    agent = {"tools": ["Core.wait"], "goal": "Wait, then answer."}
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [{"id": "start", "type": "Manual.trigger"},
                  {"id": "agent", "type": "AI.agent", "params": agent}],
        "edges": [{"source": "start", "target": "agent"}],
    }  # fmt: skip


async def _steps(services: EngineServices, run_id: uuid.UUID) -> list[Any]:
    async with services.session_factory() as session:
        return await agent_queries.run_steps(session, run_id)


async def _start(
    services: EngineServices, user: User, queue: str, document: dict[str, Any]
) -> uuid.UUID:
    created = await user.post("/api/graphs", document, expect=201)
    async with services.session_factory() as session:
        graph = await session.get(Graph, uuid.UUID(created["id"]))
        assert graph is not None
        version = await graph_queries.latest_version(session, graph.id)
    started = await start_run(
        on_queue(services, queue), graph=graph, version=version, trigger={}, mode="queue"
    )
    return started.run.id


async def _finished(
    services: EngineServices, user: User, queue: str, document: dict[str, Any]
) -> None:
    run_id = await _start(services, user, queue, document)

    async def succeeded() -> bool:
        return await run_status(services, run_id) == "succeeded"

    await eventually(succeeded, what="the worker starting")


async def _executed_by(services: EngineServices, run_id: uuid.UUID, group: int) -> bool:
    """Whether the agent node run's lease is held by a process of the process group ``group``."""
    async with services.session_factory() as session:
        owner = await session.scalar(
            select(NodeRun.lease_owner).where(NodeRun.run_id == run_id, NodeRun.node_id == "agent")
        )
    pid = int(str(owner).split(":")[1])
    return os.getpgid(pid) == group


async def test_an_agent_survives_its_worker_being_killed_mid_tool_call(
    user: User, services: EngineServices, fake_openai: FakeOpenAI
) -> None:
    # Given an agent on a worker alone on its queue, inside a tool call that takes seconds
    queue = f"agent-kill-{uuid.uuid4().hex[:8]}"
    first_worker = start_worker(env={"KYRA_QUEUE_NAME": queue})
    second_worker = None
    fake_openai.script(
        Reply(text="", tool_calls=[ToolUse("Core__wait", {"seconds": 4})]), Reply(text="survived")
    )
    try:
        # (a first run waits for the worker to boot: a run left queued for a lease period would
        # be re-sent by the reaper of any other worker, and executed there)
        await _finished(services, user, queue, {"schema": "kyra.graph/1", "name": f"{queue}-up",
                        "nodes": [{"id": "start", "type": "Manual.trigger"}]})  # fmt: skip
        run_id = await _start(services, user, queue, _graph(queue))

        async def in_tool_call() -> bool:
            return any(s.kind == "tool_call" for s in await _steps(services, run_id))

        await eventually(in_tool_call, what="the tool call starting")
        assert await _executed_by(services, run_id, first_worker.pid)

        # When that worker is SIGKILLed and another one starts
        os.killpg(first_worker.pid, signal.SIGKILL)
        first_worker.wait()
        second_worker = start_worker(env={"KYRA_QUEUE_NAME": queue})

        # Then the agent finishes; the model call made before the crash is not made again
        async def ended() -> bool:
            return await run_status(services, run_id) in ("succeeded", "failed")

        await eventually(ended, timeout=240, what="the run ending on the second worker")
        run = await user.get(f"/api/runs/{run_id}")
        assert run["status"] == "succeeded", run
        assert run["node_runs"][1]["output"]["out"]["answer"] == "survived"
        assert len(fake_openai.requests) == 2
        steps = {(s.attempt, s.step_key): s.status for s in await _steps(services, run_id)}
        assert steps[(1, "1.llm")] == "succeeded"
        assert steps[(1, "1.tool.0")] == "cancelled"  # closed when the next attempt began
        assert steps[(2, "1.tool.0")] == "succeeded"
    finally:
        stop_process_group(first_worker)
        if second_worker is not None:
            stop_process_group(second_worker)
