"""``POST /api/runs/{id}/rerun`` with ``version``: replay runs what the editor shows."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.graphs.test_examples import wait_for_final


def _chain(first: str, second: str, name: str) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "first", "type": "Core.set", "params": {"values": {"n": first}}},
            {
                "id": "second",
                "type": "Core.set",
                "params": {"values": {"m": f"{second} {{{{ nodes.first.output.n }}}}"}},
            },
        ],
        "edges": [
            {"source": "start", "sourcePort": "out", "target": "first", "targetPort": "in"},
            {"source": "first", "sourcePort": "out", "target": "second", "targetPort": "in"},
        ],
    }


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_a_rerun_on_a_newer_version_reruns_the_nodes_that_changed(
    api: httpx.AsyncClient, worker: Any, mode: str
) -> None:
    name = f"replay-{uuid.uuid4().hex[:8]}"
    graph_id = (await api.post("/api/graphs", json=_chain("one", "was", name))).json()["id"]
    first = (await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})).json()
    assert first["output"] == {"second": {"m": "was one"}}

    async def rerun(version: int) -> dict[str, Any]:
        body = {"from_node": "second", "mode": mode, "version": version}
        resp = await api.post(f"/api/runs/{first['id']}/rerun", json=body)
        assert resp.status_code in (200, 202), resp.text
        return await wait_for_final(api, resp.json()["id"])

    # Only the replayed node changed: everything before it is reused
    await api.put(f"/api/graphs/{graph_id}", json=_chain("one", "is", name))
    again = await rerun(2)
    assert again["graph_version"] == 2
    assert again["output"] == {"second": {"m": "is one"}}
    assert {n["node_id"] for n in again["node_runs"] if n["reused"]} == {"start", "first"}

    # A node before it changed too: it runs again instead of serving its old output
    await api.put(f"/api/graphs/{graph_id}", json=_chain("two", "is", name))
    edited = await rerun(3)
    assert edited["output"] == {"second": {"m": "is two"}}
    assert {n["node_id"] for n in edited["node_runs"] if n["reused"]} == {"start"}


async def test_a_rerun_on_a_missing_version_is_a_404(api: httpx.AsyncClient) -> None:
    name = f"replay-{uuid.uuid4().hex[:8]}"
    graph_id = (await api.post("/api/graphs", json=_chain("one", "was", name))).json()["id"]
    run = (await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})).json()
    body = {"from_node": "second", "version": 9}
    assert (await api.post(f"/api/runs/{run['id']}/rerun", json=body)).status_code == 404
