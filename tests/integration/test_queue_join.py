"""Queue mode: two workers finishing the two branches of a join at the same time.

A worker records its node, locks the run and reads the node states in one statement; when
another advance of the same run commits while that statement waits for the lock, the states it
read are older than the lock, and the join would never be created (each worker saw the other
branch still running). The engine reads them again in that case.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text

from kyra.db.direct import session_driver
from kyra.db.models import NodeRun, Run
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries import queue_runs
from kyra.engine.queue import execute_node_run
from kyra.engine.services import EngineServices
from kyra.status import NodeRunStatus, RunStatus
from tests.waiting import eventually


def join_graph() -> dict[str, Any]:
    """A trigger, two branches (left, right) and a join."""
    nodes = [
        {"id": "start", "type": "Manual.trigger"},
        *(
            {"id": n, "type": "Core.set", "params": {"values": {"side": n}}}
            for n in ("left", "right")
        ),
        {"id": "join", "type": "Core.set", "params": {"values": {"done": True}}},
    ]
    edges = [
        {"source": "start", "target": "left"},
        {"source": "start", "target": "right"},
        {"source": "left", "target": "join"},
        {"source": "right", "target": "join"},
    ]
    return {"schema": "kyra.graph/1", "name": f"join-{uuid.uuid4().hex[:6]}", "nodes": nodes,
            "edges": edges}  # fmt: skip


async def _run_with_branches(services: EngineServices, owner: Any) -> tuple[Run, dict[str, Any]]:
    """A running queue run whose start succeeded and whose two branches wait, on a queue no
    worker or reaper serves (the test plays both workers)."""
    async with services.session_factory() as session, session.begin():
        graph = await graph_queries.create_graph(session, owner_id=owner.id, document=join_graph())
        version = await graph_queries.latest_version(session, graph.id)
        run = Run(
            owner_id=owner.id, graph_id=graph.id, graph_version_id=version.id, mode="queue",
            status=RunStatus.running, queue=f"nobody-{uuid.uuid4().hex[:8]}",
            started_at=datetime.now(UTC),
        )  # fmt: skip
        session.add(run)
        await session.flush()
        await queue_runs.add_node_runs(
            await session_driver(session), run.id,
            [("start", "Manual.trigger", NodeRunStatus.skipped)],
        )  # fmt: skip
        await session.execute(
            text("UPDATE node_runs SET status = 'succeeded', output = '{}' WHERE run_id = :r"),
            {"r": run.id},
        )
        await queue_runs.add_node_runs(
            await session_driver(session), run.id,
            [(n, "Core.set", NodeRunStatus.queued) for n in ("left", "right")],
        )  # fmt: skip
    async with services.session_factory() as session:
        rows = await session.scalars(select(NodeRun).where(NodeRun.run_id == run.id))
        return run, {row.node_id: row for row in rows}


async def _waiting_for_a_lock(services: EngineServices) -> bool:
    async with services.session_factory() as session:
        waiting = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE 'WITH run AS%'"
            )
        )
        return bool(waiting)


async def test_a_join_is_created_when_the_other_branch_committed_while_waiting_for_the_lock(
    services: EngineServices, owner: Any
) -> None:
    # Given both branches leased: "left" to another worker, which is mid-advance (run locked)
    run, nodes = await _run_with_branches(services, owner)
    async with services.driver.connection() as connection:
        left = await queue_runs.claim_node_run(
            connection, nodes["left"].id, owner="other-worker", lease_seconds=60
        )
    assert left is not None
    async with services.driver.connection() as other, other.transaction():
        assert await queue_runs.lock_live_run(other, run.id) is not None
        await queue_runs.record_outcome(
            other, left.id, owner="other-worker",
            values={"status": NodeRunStatus.succeeded, "output": {"main": {"side": "left"}},
                    "finished_at": datetime.now(UTC)},
        )  # fmt: skip
        # When this worker runs "right" and records it while the other advance holds the lock
        finishing = asyncio.ensure_future(
            execute_node_run(services, nodes["right"].id, worker_id="this-worker")
        )
        await eventually(lambda: _waiting_for_a_lock(services), what="the record to wait")
        # (the other advance saw "right" still running: it creates nothing, and commits)
    await asyncio.wait_for(finishing, 60)

    # Then this worker saw "left" finished after all: the join ran and the run succeeded
    async with services.session_factory() as session:
        finished = await session.get(Run, run.id)
        assert finished is not None
        assert finished.status == RunStatus.succeeded, finished.error
        rows = await session.scalars(select(NodeRun).where(NodeRun.run_id == run.id))
        statuses = {row.node_id: row.status for row in rows}
    assert statuses == dict.fromkeys(("start", "left", "right", "join"), "succeeded")
