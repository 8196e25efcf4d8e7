"""Every example graph in graphs/ validates, saves, and runs in both modes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from kyra.graph.validate import validate_document
from kyra.registry import default_registry
from tests.waiting import DEADLINE_S, eventually

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "graphs").glob("*.json"))
EXPECTED_OUTPUT = {
    "hello": {"reply": {"status": 200, "headers": {}, "body": {"text": "Hi there"}}},
    "branching": {"result": {"decision": "approved", "amount": 0}},
    "loop": {"sum": {"lines": 2, "total": 17.0}},
    "fan-out": {"count": {"branches": 8}},
    "data-report": {
        "csv": "customer,orders,total,last_order\r\nÇelik,1,300,03 May 2024\r\n"
        "Ana,1,120.5,01 May 2024\r\nBo,2,99.5,03 May 2024\r\n"
    },
    "spreadsheet-roundtrip": {
        "first": [
            {
                "sku": "A-1",
                "name": "Café",
                "tags": "hot,drink",
                "sku_sha1": "04807be371964d6005a11a740bc53a2c6bbb2ce5",
            }
        ]
    },
}


async def wait_for_final(
    api: httpx.AsyncClient, run_id: str, timeout: float = DEADLINE_S
) -> dict[str, Any]:
    """The run once it is final or paused."""

    async def final() -> dict[str, Any] | None:
        run: dict[str, Any] = (await api.get(f"/api/runs/{run_id}")).json()
        return run if run["status"] in ("succeeded", "failed", "cancelled", "paused") else None

    return await eventually(final, timeout=timeout, what=f"run {run_id} ending")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
async def test_example_graph_validates_and_runs_in_both_modes(
    path: Path, api: httpx.AsyncClient, worker: Any
) -> None:
    document = json.loads(path.read_text())  # noqa: ASYNC240  (a small local file)
    assert validate_document(document, default_registry()) == []

    created = await api.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    graph_id = created.json()["id"]

    sync = await api.post(
        f"/api/graphs/{graph_id}/runs", json={"mode": "sync", "inputs": {"seconds": 0.2}}
    )
    assert sync.status_code == 200, sync.text
    assert sync.json()["status"] == "succeeded", (sync.json()["error"], sync.json()["node_runs"])
    assert sync.json()["output"] == EXPECTED_OUTPUT[document["name"]]

    queued = await api.post(
        f"/api/graphs/{graph_id}/runs", json={"mode": "queue", "inputs": {"seconds": 0.2}}
    )
    assert queued.status_code == 202, queued.text
    run = await wait_for_final(api, queued.json()["id"])
    assert run["status"] == "succeeded", run
    assert run["output"] == EXPECTED_OUTPUT[document["name"]]
    assert {n["node_id"] for n in run["node_runs"]} == {n["id"] for n in document["nodes"]}
