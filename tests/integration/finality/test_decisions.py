"""Approving and rejecting a paused run: exactly one decision wins, and it is the one answered
200; every other concurrent decision gets 409 and changes nothing (issue 9, defect 3)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.graphs.test_examples import wait_for_final
from tests.integration.test_engine_behaviour import by_node, create, graph


def _gated() -> dict[str, Any]:
    return graph(
        [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "gate", "type": "Core.approval", "params": {"message": "Ship it?"}},
            {"id": "shipped", "type": "Core.set", "params": {"values": {"done": "shipped"}}},
            {"id": "stopped", "type": "Core.set", "params": {"values": {"done": "stopped"}}},
        ],
        [("start", "gate"), ("gate", "shipped", "approved"), ("gate", "stopped", "rejected")],
    )


async def _paused_run(api: httpx.AsyncClient, graph_id: str) -> str:
    started = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})
    assert started.status_code == 202, started.text
    run = await wait_for_final(api, started.json()["id"])
    assert run["status"] == "paused", run
    return str(run["id"])


async def test_concurrent_approvals_and_rejections_apply_only_the_winner(
    api: httpx.AsyncClient, worker: Any
) -> None:
    graph_id = await create(api, _gated())
    for _ in range(4):
        run_id = await _paused_run(api, graph_id)
        verbs = ["approve", "reject"] * 5
        answers = await asyncio.gather(
            *(api.post(f"/api/runs/{run_id}/{verb}", json={"comment": verb}) for verb in verbs)
        )

        statuses = [a.status_code for a in answers]
        assert sorted(statuses) == [200] + [409] * 9, statuses
        winner = verbs[statuses.index(200)]
        run = await wait_for_final(api, run_id)
        assert run["status"] == "succeeded", run
        nodes = by_node(run)
        port, taken, skipped = {
            "approve": ("approved", "shipped", "stopped"),
            "reject": ("rejected", "stopped", "shipped"),
        }[winner]
        assert nodes[taken]["status"] == "succeeded"
        assert nodes[skipped]["status"] == "skipped"
        assert nodes["gate"]["output"][port]["comment"] == winner


async def test_a_decision_on_a_run_that_is_not_paused_is_a_conflict(
    api: httpx.AsyncClient, worker: Any
) -> None:
    graph_id = await create(api, _gated())
    run_id = await _paused_run(api, graph_id)
    assert (await api.post(f"/api/runs/{run_id}/approve", json={})).status_code == 200
    again = await api.post(f"/api/runs/{run_id}/reject", json={})
    assert again.status_code == 409
    assert "nothing in it waits" in again.json()["detail"]
