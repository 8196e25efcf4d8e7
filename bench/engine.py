"""Engine benchmark: runs/s and latency in sync and queue mode, per-node overhead, fan-out, memory.

Starts its own real stack (embedded PostgreSQL with fsync on, Redis with AOF, the API under
uvicorn, one Dramatiq worker process with 8 threads) and drives it over HTTP from this process.
Every run and node run is stored. Usage: ``python bench/engine.py [--seconds 8] [--clients 8]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import ROOT, Stack, peak_rss_mb, print_table


def chain(length: int) -> dict[str, Any]:
    nodes = [{"id": "start", "type": "Manual.trigger"}]
    nodes += [
        {
            "id": f"n{i}",
            "type": "Core.set",
            "params": {"values": {"i": i, "prev": "{{ trigger.x }}"}},
        }
        for i in range(length - 1)
    ]
    ids = [n["id"] for n in nodes]
    edges = [{"source": a, "target": b} for a, b in itertools.pairwise(ids)]
    return {
        "schema": "kyra.graph/1",
        "name": f"chain-{length}-{uuid.uuid4().hex[:4]}",
        "nodes": nodes,
        "edges": edges,
    }


def webhook_graph() -> dict[str, Any]:
    document = json.loads((ROOT / "graphs" / "hello.json").read_text())
    document["name"] = f"hello-bench-{uuid.uuid4().hex[:4]}"
    document["nodes"][0]["params"]["path"] = document["name"]
    return document


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Runner:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.client = httpx.AsyncClient(
            base_url=stack.url, headers={"X-API-Key": stack.api_key}, timeout=120,
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
        )  # fmt: skip
        self.finished: dict[str, asyncio.Future[dict[str, Any]]] = {}

    async def create(self, document: dict[str, Any]) -> str:
        response = await self.client.post("/api/graphs", json=document)
        response.raise_for_status()
        return str(response.json()["id"])

    async def listen(self) -> None:
        """Resolve queue runs from the run events the workers publish."""
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(self.stack.env["REDIS_URL"])
        pubsub = client.pubsub()
        await pubsub.psubscribe("kyra:run:*")
        async for message in pubsub.listen():
            if message["type"] != "pmessage":
                continue
            event = json.loads(message["data"])
            data = event["data"]
            if event["event"] == "run" and data["status"] in ("succeeded", "failed", "cancelled"):
                future = self.finished.get(data["id"])
                if future is not None and not future.done():
                    future.set_result(data)

    async def run_once(
        self, graph_id: str, mode: str, inputs: dict[str, Any] | None = None
    ) -> float:
        started = time.perf_counter()
        response = await self.client.post(
            f"/api/graphs/{graph_id}/runs", json={"mode": mode, "inputs": inputs or {"x": 1}}
        )
        response.raise_for_status()
        run = response.json()
        if mode == "queue" and run["status"] not in ("succeeded", "failed"):
            future = self.finished.setdefault(run["id"], asyncio.get_running_loop().create_future())
            # The run may have finished before we listened for it.
            current = (await self.client.get(f"/api/runs/{run['id']}")).json()
            if current["status"] in ("succeeded", "failed", "cancelled"):
                run = current
            else:
                run = await asyncio.wait_for(future, 120)
            self.finished.pop(run["id"], None)
        if run["status"] != "succeeded":
            raise RuntimeError(f"run failed: {run.get('error')}")
        return (time.perf_counter() - started) * 1000

    async def load(self, graph_id: str, mode: str, *, seconds: float, clients: int) -> list[object]:
        latencies: list[float] = []
        deadline = time.perf_counter() + seconds

        async def client() -> None:
            while time.perf_counter() < deadline:
                latencies.append(await self.run_once(graph_id, mode))

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
        return [
            mode,
            clients,
            len(latencies),
            f"{len(latencies) / elapsed:.0f}",
            f"{pct(latencies, 0.5):.1f}",
            f"{pct(latencies, 0.99):.1f}",
        ]

    async def sequential_median(self, graph_id: str, mode: str, count: int) -> float:
        return statistics.median([await self.run_once(graph_id, mode) for _ in range(count)])


async def main(stack: Stack, seconds: float, clients: int) -> None:
    runner = Runner(stack)
    listener = asyncio.create_task(runner.listen())
    await asyncio.sleep(0.2)
    try:
        hook = await runner.create(webhook_graph())
        for mode in ("sync", "queue"):  # warm-up: caches, pools, imports
            for _ in range(20):
                await runner.run_once(hook, mode)
        rows = [
            await runner.load(hook, mode, seconds=seconds, clients=clients)
            for mode in ("sync", "queue")
        ]
        rows.append(
            [
                "sync (1 client)",
                1,
                "",
                "",
                f"{await runner.sequential_median(hook, 'sync', 200):.2f}",
                "",
            ]
        )
        print_table(
            "3-node webhook graph (webhook → set → respond), every run and node run stored",
            ["mode", "clients", "runs", "runs/s", "p50 ms", "p99 ms"], rows,
        )  # fmt: skip

        one, fifty = await runner.create(chain(1)), await runner.create(chain(50))
        overhead = []
        for mode, count in (("sync", 200), ("queue", 20)):
            t1 = await runner.sequential_median(one, mode, count)
            t50 = await runner.sequential_median(fifty, mode, count)
            overhead.append([mode, f"{t1:.2f}", f"{t50:.2f}", f"{(t50 - t1) / 49:.3f}"])
        print_table(
            "Per-node overhead: 50-node chain vs 1-node graph (sequential medians)",
            ["mode", "1 node ms", "50 nodes ms", "per extra node ms"], overhead,
        )  # fmt: skip

        fan = json.loads((ROOT / "graphs" / "fan_out.json").read_text())
        fan["name"] = f"fan-{uuid.uuid4().hex[:4]}"
        fan_id = await runner.create(fan)
        walls = []
        for mode in ("sync", "queue"):
            times = [await runner.run_once(fan_id, mode, {"seconds": 1}) for _ in range(3)]
            walls.append([mode, f"{statistics.median(times) / 1000:.2f}"])
        print_table("8-way fan-out of 1-second waits", ["mode", "wall time s (median of 3)"], walls)

        print_table(
            "Peak memory (VmHWM)",
            ["process", "peak RSS MiB"],
            [
                ["API (uvicorn)", f"{peak_rss_mb(stack.api.pid):.0f}"],
                ["worker (dramatiq main + 1 process)", f"{peak_rss_mb(stack.worker.pid):.0f}"],
            ],
        )
    finally:
        listener.cancel()
        await runner.client.aclose()
        stack.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(main(Stack().start(), args.seconds, args.clients))
