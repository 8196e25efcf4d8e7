"""Sync runs stored while they run always end (issue 9, defects 1 and 7).

A sync run is stored before it ends when an Idempotency-Key claims it or a webhook hands out
its id; its API process holds a lease on the row. Killing that process must not leave the run
``running``: the lease expires and the reaper fails it, and a retry with the key sees that.
Cancelling a sync run answers the waiting client with the cancelled run and what ran.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from typing import Any

import httpx

from tests.conftest import Owner, start_api_server, stop_process_group
from tests.graphs.test_examples import wait_for_final
from tests.integration.test_engine_behaviour import create, graph


def _slow(seconds: float, **extra: Any) -> dict[str, Any]:
    return graph(
        [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "first", "type": "Core.set", "params": {"values": {"step": 1}}},
            {"id": "nap", "type": "Core.wait", "params": {"seconds": seconds}},
        ],
        [("start", "first"), ("first", "nap")],
        **extra,
    )


async def _running_run(api: httpx.AsyncClient, graph_id: str) -> str:
    """The id of the graph's run once it is stored as running."""
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        runs = (await api.get(f"/api/graphs/{graph_id}/runs")).json()
        running = [r for r in runs if r["status"] == "running"]
        if running:
            return str(running[0]["id"])
        assert asyncio.get_running_loop().time() < deadline, runs
        await asyncio.sleep(0.05)


async def test_cancelling_a_sync_run_answers_the_waiting_client_with_what_ran(
    api: httpx.AsyncClient,
) -> None:
    graph_id = await create(api, _slow(60))
    waiting = asyncio.ensure_future(
        api.post(
            f"/api/graphs/{graph_id}/runs",
            json={"mode": "sync"},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
    )
    run_id = await _running_run(api, graph_id)

    cancelled = await api.post(f"/api/runs/{run_id}/cancel")
    answer = await asyncio.wait_for(waiting, 30)

    assert cancelled.status_code == 200
    assert answer.status_code == 200, answer.text
    run = answer.json()
    assert run["status"] == "cancelled"
    # The cancel lands while `first` or `nap` runs: what ran is kept, the node in flight is
    # cancelled, nothing after it starts.
    shown = {n["node_id"]: n["status"] for n in run["node_runs"]}
    assert shown["start"] == "succeeded"
    assert list(shown.values())[-1] == "cancelled"
    assert set(shown.values()) == {"succeeded", "cancelled"}
    stored = (await api.get(f"/api/runs/{run_id}")).json()
    assert stored["status"] == "cancelled"
    assert {n["node_id"]: n["status"] for n in stored["node_runs"]} == shown


async def test_a_stored_sync_run_longer_than_its_lease_keeps_it_and_succeeds(
    api: httpx.AsyncClient, settings: Any, worker: Any
) -> None:
    graph_id = await create(api, _slow(settings.lease_seconds * 2.5))
    answer = await api.post(
        f"/api/graphs/{graph_id}/runs",
        json={"mode": "sync"},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "succeeded"


async def test_a_killed_api_process_leaves_no_sync_run_running(
    api: httpx.AsyncClient, owner: Owner, worker: Any
) -> None:
    graph_id = await create(api, _slow(300))
    key = uuid.uuid4().hex
    proc, url = start_api_server()
    try:
        async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": owner.api_key}) as other:
            request = asyncio.ensure_future(
                other.post(
                    f"/api/graphs/{graph_id}/runs",
                    json={"mode": "sync"},
                    headers={"Idempotency-Key": key},
                    timeout=60,
                )
            )
            run_id = await _running_run(api, graph_id)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            request.cancel()
    finally:
        stop_process_group(proc)

    run = await wait_for_final(api, run_id, timeout=60)
    assert run["status"] == "failed"
    assert run["error"]["type"] == "RunAbandonedError"
    again = await api.post(
        f"/api/graphs/{graph_id}/runs", json={"mode": "sync"}, headers={"Idempotency-Key": key}
    )
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["status"]) == (run_id, "failed")


async def test_a_webhook_run_handed_out_then_orphaned_fails_within_the_lease(
    api: httpx.AsyncClient, worker: Any
) -> None:
    path = f"slow-{uuid.uuid4().hex[:8]}"
    document = graph(
        [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": path, "timeout_s": 0.2}},
            {"id": "nap", "type": "Core.wait", "params": {"seconds": 300}},
        ],
        [("hook", "nap")],
    )
    await create(api, document)
    proc, url = start_api_server()
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            reply = await client.post(f"/hooks/{path}", json={"n": 1})
        assert reply.status_code == 202, reply.text
        run_id = reply.json()["run_id"]
        assert (await api.get(f"/api/runs/{run_id}")).json()["status"] == "running"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        stop_process_group(proc)

    run = await wait_for_final(api, run_id, timeout=60)
    assert (run["status"], run["error"]["type"]) == ("failed", "RunAbandonedError")
