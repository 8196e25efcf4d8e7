"""Operations as ``kyra up`` ships them (its default settings: no OTLP endpoint, metrics behind
an admin key): readiness sees the worker's heartbeats, ``/metrics`` adds up the API's and the
worker's counters in the data folder."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.system.stack import KyraStack, wait_until

GRAPH = {
    "schema": "kyra.graph/1",
    "name": "metered",
    "nodes": [
        {"id": "start", "type": "Manual.trigger"},
        {"id": "set", "type": "Core.set", "params": {"values": {"ok": True}}},
    ],
    "edges": [{"source": "start", "target": "set"}],
}


def _runs(families: Iterable[Any], graph_id: str) -> dict[str, float]:
    """Succeeded runs of one graph by mode, from ``kyra_runs_total``."""
    counted: dict[str, float] = {}
    for family in families:
        for sample in family.samples:
            labels = sample.labels
            if (sample.name, labels.get("graph_id"), labels.get("status")) == (
                "kyra_runs_total", graph_id, "succeeded",
            ):  # fmt: skip
                counted[labels["mode"]] = sample.value
    return counted


def test_ready_and_metrics_with_kyra_ups_defaults(kyra_stack: KyraStack) -> None:
    # Readiness: the database, the migrations, the broker and the worker's heartbeat
    def ready() -> dict[str, Any] | None:
        answer = httpx.get(f"{kyra_stack.url}/health/ready", timeout=10)
        return dict(answer.json()) if answer.status_code == 200 else None

    checks = wait_until(ready, 60, "GET /health/ready answering 200")["checks"]
    assert checks["migrations"]["status"] == "ok"
    assert checks["broker"]["status"] == "ok" and checks["workers"]["alive"] >= 1

    # Metrics need the admin's key (kyra up prints it)
    assert httpx.get(f"{kyra_stack.url}/metrics", timeout=10).status_code == 401

    # A run in each mode: the API process counts the sync one, the worker the queued one
    graph = kyra_stack.create_graph(GRAPH)
    for mode in ("sync", "queue"):
        assert kyra_stack.run(graph, mode)["status"] == "succeeded"

    def counted() -> dict[str, float] | None:
        scraped = kyra_stack.client.get("/metrics")
        assert scraped.status_code == 200, scraped.text
        runs = _runs(text_string_to_metric_families(scraped.text), graph.id)
        return runs if runs == {"sync": 1.0, "queue": 1.0} else None

    wait_until(counted, 30, "both runs counted by /metrics")
    assert list((kyra_stack.data_dir / "metrics").glob("*.db"))
