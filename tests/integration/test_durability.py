"""Queue mode never loses a run: a SIGKILLed worker's run finishes elsewhere, and duplicate
deliveries and completed nodes never execute twice."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from kyra.db.models import NodeRun, Run
from kyra.db.queries import graphs as graph_queries
from kyra.engine.queue import advance_run, execute_node_run
from kyra.engine.services import EngineServices
from kyra.engine.start import start_run
from kyra.worker.dispatcher import DramatiqDispatcher
from tests.conftest import start_worker, stop_process_group
from tests.waiting import eventually


def chain(name: str, wait_seconds: float) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "first", "type": "Core.set", "params": {"values": {"step": 1}}},
            {"id": "slow", "type": "Core.wait", "params": {"seconds": wait_seconds}},
            {
                "id": "last",
                "type": "Core.set",
                "params": {"values": {"done": "{{ nodes.first.output.step }}"}},
            },
        ],
        "edges": [
            {"source": "start", "target": "first"},
            {"source": "first", "target": "slow"},
            {"source": "slow", "target": "last"},
        ],
    }


def on_queue(services: EngineServices, queue: str) -> EngineServices:
    return EngineServices(
        settings=services.settings,
        registry=services.registry,
        session_factory=services.session_factory,
        hooks=services.hooks,
        dispatcher=DramatiqDispatcher(services.settings, queue_name=queue),
    )


async def node_runs(services: EngineServices, run_id: uuid.UUID) -> dict[str, NodeRun]:
    async with services.session_factory() as session:
        rows = await session.scalars(select(NodeRun).where(NodeRun.run_id == run_id))
        return {row.node_id: row for row in rows}


async def run_status(services: EngineServices, run_id: uuid.UUID) -> str:
    async with services.session_factory() as session:
        run = await session.get(Run, run_id)
        assert run is not None
        return run.status


async def test_a_run_survives_its_worker_being_killed(
    api: httpx.AsyncClient, services: EngineServices, owner: Any
) -> None:
    # Given a worker alone on its own queue, running a node that takes a few seconds
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    isolated = on_queue(services, queue)
    first_worker = start_worker(env={"KYRA_QUEUE_NAME": queue})
    second_worker = None
    try:
        created = await api.post("/api/graphs", json=chain(f"kill-{queue}", 4))
        assert created.status_code == 201, created.text
        async with services.session_factory() as session:
            graph = await graph_queries.get_graph(
                session, owner_id=owner.id, graph_id=uuid.UUID(created.json()["id"])
            )
            version = await graph_queries.latest_version(session, graph.id)
        # The worker has booted once a run on its queue completes (otherwise another worker's
        # reaper could hand our run to a worker we do not kill).
        warm_up = await start_run(isolated, graph=graph, version=version, trigger={}, mode="queue")

        async def warm() -> bool:
            return await run_status(services, warm_up.run.id) in ("succeeded", "failed")

        await eventually(warm, what="the worker finishing a first run")
        run = (
            await start_run(isolated, graph=graph, version=version, trigger={}, mode="queue")
        ).run

        async def slow_running() -> Any:
            slow = (await node_runs(services, run.id)).get("slow")
            return slow if slow is not None and slow.status == "running" else None

        slow = await eventually(slow_running, what="the slow node starting")
        holder_pid = int(str(slow.lease_owner).split(":")[1])
        assert os.getpgid(holder_pid) == first_worker.pid, "the node runs on the worker we kill"

        # When that worker is SIGKILLed mid-node and another one starts
        os.killpg(first_worker.pid, signal.SIGKILL)
        first_worker.wait()
        second_worker = start_worker(env={"KYRA_QUEUE_NAME": queue})

        # Then the run still finishes, and only the interrupted node ran again
        async def ended() -> bool:
            return await run_status(services, run.id) in ("succeeded", "failed")

        await eventually(ended, timeout=240, what="the run ending on the second worker")
        assert await run_status(services, run.id) == "succeeded"
        rows = await node_runs(services, run.id)
        assert rows["first"].attempt == 1
        assert rows["slow"].attempt == 2
        assert rows["last"].attempt == 1
        assert rows["last"].output == {"out": {"done": 1}}
    finally:
        stop_process_group(first_worker)
        if second_worker is not None:
            stop_process_group(second_worker)


async def test_a_node_message_delivered_twice_runs_once(
    api: httpx.AsyncClient, services: EngineServices, owner: Any
) -> None:
    # Given a queued node run whose messages go to a queue nobody consumes
    queue = f"dup-{uuid.uuid4().hex[:8]}"
    isolated = on_queue(services, queue)
    created = await api.post("/api/graphs", json=chain(f"dup-{queue}", 0))
    async with services.session_factory() as session:
        graph = await graph_queries.get_graph(
            session, owner_id=owner.id, graph_id=uuid.UUID(created.json()["id"])
        )
        version = await graph_queries.latest_version(session, graph.id)
    run = (await start_run(isolated, graph=graph, version=version, trigger={}, mode="queue")).run
    await advance_run(isolated, run.id)
    start = (await node_runs(services, run.id))["start"]

    # When its message is delivered twice at once, and once more later
    await asyncio.gather(
        execute_node_run(isolated, start.id, worker_id="a"),
        execute_node_run(isolated, start.id, worker_id="b"),
    )
    await execute_node_run(isolated, start.id, worker_id="c")

    # Then every node ran exactly once (the worker that won went on down the chain)
    rows = await node_runs(services, run.id)
    assert {node_id: (row.status, row.attempt) for node_id, row in rows.items()} == {
        node_id: ("succeeded", 1) for node_id in ("start", "first", "slow", "last")
    }
    assert await run_status(services, run.id) == "succeeded"
