"""Engine benchmark: the engine-core targets, each measured beside what it is compared with.

Starts its own real stack (embedded PostgreSQL with fsync on, Redis with AOF, the API under
uvicorn, one Dramatiq worker process with the default threads), stores every run and node run
unless a row says otherwise, and prints Markdown tables, then the targets with their ratios:

* sync mode through the webhook route (``wrk``): a 3-node graph (webhook → set → respond) and a
  50-node chain, requests/s and the ratio between them; the 3-node graph's sequential median and
  the cost of each extra node; the 3-node graph with ``save_runs: none``;
* queue mode: nodes/s of one worker process draining a backlog of chains, beside the
  messages/s of a no-op Dramatiq actor draining a backlog on the same broker with the same
  process and thread count (``bench/_noop_actor.py``), alternated three times; the target
  takes the median of the three ratios;
* peak RSS of the API and the worker under that load; an 8-way fan-out of 1-second waits.

Usage: ``python bench/engine.py [--seconds 10] [--connections 8]`` (needs ``wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis
from sqlalchemy import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import ROOT, Stack, cpu_seconds, peak_rss_mb, print_table
from webhook import WRK_SCRIPT, run_wrk

from kyra.settings import get_settings

#: A templated value in every set node (templates are part of the measured work).
WHO = "{{ trigger.body.name }}"
#: Worker threads of the measured worker (Kyra's default, `KYRA_WORKER_THREADS`).
THREADS = get_settings().worker_threads
#: The targets are in MB (10^6 bytes); /proc reports KiB, which peak_rss_mb turns into MiB.
MB_PER_MIB = 1.048576


def webhook_chain(length: int, save_runs: str = "all") -> dict[str, Any]:
    """A graph of webhook → (length - 2) sets → respond, at its own path."""
    name = f"chain-{length}-{save_runs}-{uuid.uuid4().hex[:6]}"
    nodes: list[dict[str, Any]] = [
        {"id": "hook", "type": "Webhook.trigger", "params": {"path": name}}
    ]
    nodes += [
        {
            "id": f"n{i}",
            "type": "Core.set",
            "params": {"values": {"i": i, "who": "{{ trigger.body.name }}"}},
        }
        for i in range(length - 2)
    ]
    nodes.append(
        {"id": "reply", "type": "Webhook.respond", "params": {"body": "{{ nodes.n0.output }}"}}
    )
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"schema": "kyra.graph/1", "name": name, "nodes": nodes, "edges": edges,
            "settings": {"save_runs": save_runs}}  # fmt: skip


def queue_chain(length: int) -> dict[str, Any]:
    """A graph of manual trigger → (length - 1) sets, for queue mode."""
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "Manual.trigger"}]
    nodes += [
        {"id": f"n{i}", "type": "Core.set", "params": {"values": {"i": i}}}
        for i in range(length - 1)
    ]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    return {"schema": "kyra.graph/1", "name": f"queue-chain-{uuid.uuid4().hex[:6]}",
            "nodes": nodes, "edges": edges}  # fmt: skip


class Bench:
    def __init__(self, stack: Stack, seconds: float, connections: int) -> None:
        self.stack, self.seconds, self.connections = stack, seconds, connections
        self.api = httpx.Client(
            base_url=stack.url, headers={"X-API-Key": stack.api_key}, timeout=120
        )
        self.folder = Path(tempfile.mkdtemp(prefix="kyra-bench-"))
        self.script = self.folder / "post.lua"
        self.script.write_text(WRK_SCRIPT)

    def create(self, document: dict[str, Any]) -> dict[str, Any]:
        response = self.api.post("/api/graphs", json=document)
        response.raise_for_status()
        return dict(response.json())

    def hook_url(self, document: dict[str, Any]) -> str:
        return str(self.create(document)["webhooks"][0]["url"])

    def wrk(self, url: str, connections: int, seconds: float) -> Any:
        """The result of a wrk run, with the API's CPU milliseconds per request (``cpu_ms``)."""
        run_wrk(url, seconds=2, connections=connections, script=self.script, requests=None)
        before = cpu_seconds(self.stack.api.pid)
        result = run_wrk(
            url, seconds=seconds, connections=connections, script=self.script, requests=None
        )
        result.cpu_ms = (cpu_seconds(self.stack.api.pid) - before) * 1000 / max(result.total, 1)
        return result

    # --- queue mode ---------------------------------------------------------------------------

    def _paused_worker(self) -> Any:
        return _Paused(self.stack.worker.pid)

    def queue_nodes_per_s(self, runs: int, length: int) -> tuple[float, float, float]:
        """Nodes/s of the worker draining ``runs`` queued chains of ``length`` nodes, the
        seconds it took (the backlog is built while the worker is stopped), and the worker's
        CPU milliseconds per node."""
        graph = self.create(queue_chain(length))
        listed = f"/api/graphs/{graph['id']}/runs"
        with self._paused_worker():
            for _ in range(runs):
                self.api.post(listed, json={"mode": "queue"}).raise_for_status()
            began = time.perf_counter()
            cpu = cpu_seconds(self.stack.worker.pid)
        asyncio.run(self._until_finished(uuid.UUID(graph["id"])))
        elapsed = time.perf_counter() - began
        cpu_ms = (cpu_seconds(self.stack.worker.pid) - cpu) * 1000 / (runs * length)
        failed = self.api.get(listed, params={"status": ["failed", "cancelled"], "limit": 1}).json()
        if failed:
            raise RuntimeError(f"a run did not succeed: {failed[0]['error']}")
        return runs * length / elapsed, elapsed, cpu_ms

    async def _until_finished(self, graph_id: uuid.UUID) -> None:
        """Returns once no run of the graph is queued or running, asking PostgreSQL directly
        every 10 ms, as the raw side asks Redis: through the API, each poll cost about 3 ms of
        CPU on the 2 cores the worker measured shares (about a tenth of them at 50 polls/s)."""
        url = make_url(self.stack.env["DATABASE_URL"]).set(drivername="postgresql")
        connection = await asyncpg.connect(url.render_as_string(hide_password=False))
        try:
            unfinished = (
                "SELECT EXISTS (SELECT FROM runs WHERE graph_id = $1 "
                "AND status IN ('queued', 'running'))"
            )
            while True:  # a poll, as on the raw side: the API has no "all done" event to await
                if not await connection.fetchval(unfinished, graph_id):
                    return
                await asyncio.sleep(0.01)
        finally:
            await connection.close()

    def raw_dramatiq_per_s(self, messages: int) -> tuple[float, float]:
        """Messages/s of a no-op actor draining ``messages`` on the same broker, with Kyra's
        worker process and thread count."""
        get_settings.cache_clear()  # read at import (THREADS), before the stack set REDIS_URL
        from _noop_actor import QUEUE as NOOP_QUEUE  # builds its broker: after the stack is up
        from dramatiq import Message

        from kyra.messaging.broker import build_broker

        broker = build_broker(get_settings())
        for _ in range(messages):
            broker.enqueue(Message(queue_name=NOOP_QUEUE, actor_name="noop", args=(),
                                   kwargs={}, options={}))  # fmt: skip
        client = redis.Redis.from_url(self.stack.env["REDIS_URL"])
        key = f"kyra:{NOOP_QUEUE}"
        env = {**self.stack.env, "dramatiq_worker_timeout": str(get_settings().worker_poll_ms)}
        worker = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "_noop_actor", "--processes", "1",
             "--threads", str(THREADS), "--path", str(Path(__file__).parent)],
            cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            while client.llen(key) >= messages:
                time.sleep(0.005)
            began = time.perf_counter()
            while client.hlen(f"{key}.msgs"):
                time.sleep(0.01)
            elapsed = time.perf_counter() - began
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:  # its shutdown sometimes hangs: not measured
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)
            broker.client.close()
        return messages / elapsed, elapsed

    def fan_out_walls(self) -> list[list[object]]:
        fan = json.loads((ROOT / "graphs" / "fan_out.json").read_text())
        fan["name"] = f"fan-{uuid.uuid4().hex[:4]}"
        graph_id = self.create(fan)["id"]
        rows: list[list[object]] = []
        for mode in ("sync", "queue"):
            times = []
            for _ in range(3):
                began = time.perf_counter()
                run = self.api.post(
                    f"/api/graphs/{graph_id}/runs", json={"mode": mode, "inputs": {"seconds": 1}}
                ).json()
                while run["status"] not in ("succeeded", "failed"):
                    time.sleep(0.02)
                    run = self.api.get(f"/api/runs/{run['id']}").json()
                times.append(time.perf_counter() - began)
            rows.append([mode, f"{statistics.median(times):.2f}"])
        return rows


class _Paused:
    """A process group stopped (SIGSTOP) for a ``with`` block."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def __enter__(self) -> None:
        os.killpg(self.pid, signal.SIGSTOP)

    def __exit__(self, *exc: object) -> None:
        os.killpg(self.pid, signal.SIGCONT)


def _target(name: str, value: float, target: str, met: bool, unit: str = "") -> list[object]:
    return [name, f"{value:,.2f}{unit}", target, "yes" if met else "**no**"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--queue-runs", type=int, default=300)
    parser.add_argument("--noop-messages", type=int, default=10_000)
    parser.add_argument("--queue-pairs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min; the machine has "
          f"{os.cpu_count()} cores)")  # fmt: skip
    stack = Stack(worker_threads=THREADS).start()
    bench = Bench(stack, args.seconds, args.connections)
    try:
        three = bench.hook_url(webhook_chain(3))
        fifty = bench.hook_url(webhook_chain(50))
        unsaved = bench.hook_url(webhook_chain(3, "none"))
        c = args.connections
        loaded3, loaded50 = bench.wrk(three, c, args.seconds), bench.wrk(fifty, c, args.seconds)
        loaded_none = bench.wrk(unsaved, c, args.seconds)
        alone3, alone50 = (
            bench.wrk(three, 1, args.seconds / 2),
            bench.wrk(fifty, 1, args.seconds / 2),
        )
        per_node = (alone50.p50_ms - alone3.p50_ms) / 47
        print_table(
            f"Sync mode through the webhook route (wrk, {c} connections, {args.seconds:g} s)",
            ["graph", "requests/s", "p50 ms", "p99 ms", "errors", "sequential p50 ms",
             "API CPU ms/request"],
            [
                [name, f"{r.requests_per_s:,.0f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}",
                 f"{r.errors} / {r.total:,}", f"{seq:.2f}" if seq else "", f"{r.cpu_ms:.2f}"]
                for name, r, seq in (
                    ("3 nodes, every run stored", loaded3, alone3.p50_ms),
                    ("50-node chain, every run stored", loaded50, alone50.p50_ms),
                    ("3 nodes, save_runs none", loaded_none, None),
                )
            ],
        )  # fmt: skip
        rss_api = peak_rss_mb(stack.api.pid) * MB_PER_MIB

        # Alternated, so that both sides of each ratio meet the same machine: on a shared
        # 2-core machine the speed of both moved by a quarter from one minute to the next.
        pairs = []
        for _ in range(args.queue_pairs):
            kyra = bench.queue_nodes_per_s(args.queue_runs, 10)
            pairs.append((kyra, bench.raw_dramatiq_per_s(args.noop_messages)))
        rss_worker = peak_rss_mb(stack.worker.pid) * MB_PER_MIB
        rows = []
        for number, ((nodes_per_s, drained, node_cpu_ms), (noop_per_s, noop_s)) in enumerate(
            pairs, 1
        ):
            rows += [
                [number, "Kyra: 10-node chains", f"{args.queue_runs * 10:,} nodes",
                 f"{drained:.2f}", f"{nodes_per_s:,.0f} nodes/s", f"{node_cpu_ms:.2f}", ""],
                [number, "raw Dramatiq: no-op actor", f"{args.noop_messages:,} messages",
                 f"{noop_s:.2f}", f"{noop_per_s:,.0f} messages/s", "",
                 f"{nodes_per_s / noop_per_s * 100:.1f} %"],
            ]  # fmt: skip
        print_table(
            f"Queue mode: one worker process, {THREADS} threads, draining a backlog "
            "(Kyra and raw Dramatiq alternated)",
            ["pair", "what", "units", "seconds", "per second", "worker CPU ms per unit",
             "Kyra ÷ raw"],
            rows,
        )  # fmt: skip
        print_table("8-way fan-out of 1-second waits", ["mode", "wall time s (median of 3)"],
                    bench.fan_out_walls())  # fmt: skip
        ratio_queue = statistics.median(kyra[0] / raw[0] for kyra, raw in pairs)
        ratio_sync = loaded50.requests_per_s / loaded3.requests_per_s
        print_table(
            "Targets (engine core)",
            ["measurement", "measured", "target", "met"],
            [
                _target("queue nodes/s ÷ raw Dramatiq messages/s (median of the pairs)",
                        ratio_queue * 100, "≥ 60 %",
                        ratio_queue >= 0.6, " %"),
                _target("sync 50-node ÷ 3-node requests/s", ratio_sync * 100, "≥ 50 %",
                        ratio_sync >= 0.5, " %"),
                _target("sync 3-node sequential median", alone3.p50_ms, "≤ 3 ms",
                        alone3.p50_ms <= 3, " ms"),
                _target("sync cost of each extra node", per_node, "≤ 0.05 ms", per_node <= 0.05,
                        " ms"),
                _target("sync 3-node, save_runs none", loaded_none.requests_per_s,
                        "≥ 2,500 req/s", loaded_none.requests_per_s >= 2500, " req/s"),
                _target("peak RSS, API", rss_api, "≤ 200 MB", rss_api <= 200, " MB"),
                _target("peak RSS, worker", rss_worker, "≤ 200 MB", rss_worker <= 200, " MB"),
            ],
        )  # fmt: skip
    finally:
        stack.stop()
        shutil.rmtree(bench.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
