"""``POST /api/graphs/{id}/runs`` with ``Idempotency-Key``: once only, even under concurrency,
and pinned to a chosen graph version."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from tests.graphs.test_examples import wait_for_final


def counter_graph(label: str) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": f"runs-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "mark", "type": "Core.set", "params": {"values": {"label": label}}},
        ],
        "edges": [{"source": "start", "sourcePort": "out", "target": "mark", "targetPort": "in"}],
    }


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_twenty_concurrent_requests_with_one_key_start_exactly_one_run(
    api: httpx.AsyncClient, worker: Any, mode: str
) -> None:
    graph_id = (await api.post("/api/graphs", json=counter_graph("v1"))).json()["id"]
    headers = {"Idempotency-Key": f"invoice-{uuid.uuid4().hex}"}

    responses = await asyncio.gather(
        *(
            api.post(f"/api/graphs/{graph_id}/runs", json={"mode": mode}, headers=headers)
            for _ in range(20)
        )
    )

    assert all(r.status_code in (200, 202) for r in responses), [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    runs = (await api.get(f"/api/graphs/{graph_id}/runs")).json()
    assert len(runs) == 1
    assert (await wait_for_final(api, runs[0]["id"]))["status"] == "succeeded"


async def test_a_run_can_target_an_older_version(api: httpx.AsyncClient) -> None:
    created = (await api.post("/api/graphs", json=counter_graph("v1"))).json()
    document = created["document"]
    document["nodes"][1]["params"]["values"]["label"] = "v2"
    assert (await api.put(f"/api/graphs/{created['id']}", json=document)).status_code == 200

    old = await api.post(f"/api/graphs/{created['id']}/runs", json={"mode": "sync", "version": 1})
    new = await api.post(f"/api/graphs/{created['id']}/runs", json={"mode": "sync"})

    assert (old.json()["graph_version"], old.json()["output"]) == (1, {"mark": {"label": "v1"}})
    assert (new.json()["graph_version"], new.json()["output"]) == (2, {"mark": {"label": "v2"}})
    missing = await api.post(f"/api/graphs/{created['id']}/runs", json={"version": 9})
    assert missing.status_code == 404
