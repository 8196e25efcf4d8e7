"""What traces and metrics cost: a sync webhook chain timed with OTLP export off (the default)
and on (to a local collector), and the time to scrape ``GET /metrics``.

Starts a real stack per setting (``bench/_stack.py``: embedded PostgreSQL and Redis, the API
under uvicorn, one worker), sends sequential requests to a webhook → 8 sets → respond graph and
prints Markdown tables of the latency percentiles and the spans the collector received.

Usage: ``python bench/observability.py [--requests 300]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _stack import Stack, print_table

from tests.fakes.otlp import FakeCollector

#: Nodes in the measured graph (webhook, sets, respond).
LENGTH = 10


def chain() -> dict[str, Any]:
    """Webhook → sets → respond (each set templated, as real graphs are)."""
    path = f"observed-{uuid.uuid4().hex[:6]}"
    sets = [f"s{i}" for i in range(LENGTH - 2)]
    ids = ["hook", *sets, "reply"]
    return {
        "schema": "kyra.graph/1", "name": path,
        "nodes": [{"id": "hook", "type": "Webhook.trigger", "params": {"path": path}}]
        + [{"id": s, "type": "Core.set", "params": {"values": {"who": "{{ trigger.body.name }}"}}}
           for s in sets]
        + [{"id": "reply", "type": "Webhook.respond", "params": {"body": "{{ nodes.s0.output }}"}}],
        "edges": [{"source": a, "target": b} for a, b in itertools.pairwise(ids)],
    }  # fmt: skip


def _percentiles(samples: list[float]) -> list[str]:
    cuts = statistics.quantiles(samples, n=100)
    return [f"{statistics.median(samples):.1f}", f"{cuts[94]:.1f}", f"{cuts[98]:.1f}"]


def measure(requests: int, otlp: str) -> tuple[list[float], list[float]]:
    """Milliseconds of each webhook request and of each ``/metrics`` scrape."""
    if otlp:
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp
        os.environ["OTEL_BSP_SCHEDULE_DELAY"] = "200"
    else:
        os.environ.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    stack = Stack().start()
    try:
        client = httpx.Client(base_url=stack.url, timeout=30)
        admin = {"X-API-Key": stack.api_key}
        graph = chain()
        assert client.post("/api/graphs", json=graph, headers=admin).status_code == 201
        path = f"/hooks/{graph['nodes'][0]['params']['path']}"
        for _ in range(20):  # warm-up
            client.post(path, json={"name": "warm"})
        hooks = []
        for _ in range(requests):
            start = time.perf_counter()
            answer = client.post(path, json={"name": "Ada"})
            hooks.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200, answer.text
        scrapes = []
        for _ in range(50):
            start = time.perf_counter()
            answer = client.get("/metrics")  # public here (the bench's key is a member's)
            scrapes.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200, answer.text
        return hooks, scrapes
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    os.environ["KYRA_METRICS_PUBLIC"] = "true"
    collector = FakeCollector().start()
    rows, scrape_rows = [], []
    try:
        for label, endpoint in (("off (default)", ""), ("on, OTLP/HTTP", collector.url)):
            hooks, scrapes = measure(args.requests, endpoint)
            rows.append([label, args.requests, *_percentiles(hooks)])
            scrape_rows.append([label, len(scrapes), *_percentiles(scrapes)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(collector.spans) < args.requests * LENGTH:
            time.sleep(0.1)
        spans = len(collector.spans)
    finally:
        collector.stop()
    header = ["traces", "requests", "median ms", "p95 ms", "p99 ms"]
    print_table(f"Sync webhook, {LENGTH}-node chain, sequential", header, rows)
    print_table("GET /metrics scrape", ["traces", "scrapes", "median ms", "p95 ms", "p99 ms"],
                scrape_rows)  # fmt: skip
    print(f"\nspans received by the collector: {spans}")


if __name__ == "__main__":
    main()
