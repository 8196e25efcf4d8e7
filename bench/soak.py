"""Soak: async webhook load on a real ``kyra up`` at a rate the worker sustains, then at twice it.

Starts ``kyra up`` as a user does (``tests/system/stack.py``: its own embedded PostgreSQL and
Valkey, one worker), measures how many runs per second the worker finishes (a burst of
``--calibrate`` webhooks), then offers async webhook requests (webhook → set, ``reply: async``)
at ``--load`` times that rate for ``--minutes``, then at twice that for ``--minutes``, then stops
and waits for the backlog to drain. Every ``--sample`` seconds it records the API's and the
worker's resident memory, the runs not yet finished (PostgreSQL) and the messages Redis holds
for the queue. Prints: RSS growth per phase, Redis messages against live runs, how fast the
backlog drained, and what intake answered (202, or 429/503 with Retry-After when it pushes back).

Usage: ``python bench/soak.py [--minutes 10] [--load 0.6] [--rate R] [--max-backlog N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._stack import memory_mb, print_table
from tests.system.faults import queued_messages
from tests.system.stack import Graph, KyraStack

#: Runs not finished yet.
LIVE = ("queued", "running")

GRAPH = {
    "schema": "kyra.graph/1",
    "name": "soak",
    "nodes": [
        {"id": "hook", "type": "Webhook.trigger", "params": {"path": "soak", "reply": "async"}},
        {"id": "note", "type": "Core.set", "params": {"values": {"seen": "{{ trigger.body.n }}"}}},
    ],
    "edges": [{"source": "hook", "sourcePort": "out", "target": "note", "targetPort": "in"}],
}


@dataclass
class Sample:
    at: float
    phase: str
    live_runs: int
    finished: int
    messages: int
    api_rss_mb: float
    worker_rss_mb: float
    #: ``GET /api/queue``: messages waiting and the oldest one's age (None when not served).
    waiting: int | None
    oldest_age_s: float | None


@dataclass
class Phase:
    name: str
    rate: float
    #: The samples taken as the phase began and ended.
    bounds: list[Sample] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    retry_after: int = 0
    latencies: list[float] = field(default_factory=list)


class Soak:
    def __init__(self, stack: KyraStack, graph: Graph, sample_every: float) -> None:
        self.stack, self.graph, self.sample_every = stack, graph, sample_every
        self.graph_uuid = uuid.UUID(graph.id)
        self.samples: list[Sample] = []
        self.phase = "start"
        self.sent = 0

    async def counts(self, db: asyncpg.Pool) -> tuple[int, int]:
        rows = await db.fetch(
            "SELECT status, count(*) AS n FROM runs WHERE graph_id = $1 GROUP BY status",
            self.graph_uuid,
        )
        by_status = {row["status"]: row["n"] for row in rows}
        live = sum(by_status.get(s, 0) for s in LIVE)
        return live, sum(by_status.values()) - live

    async def sample(self, db: asyncpg.Pool) -> Sample:
        live, finished = await self.counts(db)
        worker = self.stack.pids("worker") + self.stack.pids("worker_processes")
        queue = await asyncio.to_thread(self.queue)
        sample = Sample(
            time.monotonic(), self.phase, live, finished,
            await asyncio.to_thread(queued_messages, self.stack),
            memory_mb(self.stack.pids("api")), memory_mb(worker),
            queue.get("waiting"), queue.get("oldest_age_s"),
        )  # fmt: skip
        self.samples.append(sample)
        print(
            f"{self.phase:>10} live={live:6d} finished={finished:7d} redis={sample.messages:6d}"
            f" api={sample.api_rss_mb:6.1f}MiB worker={sample.worker_rss_mb:6.1f}MiB",
            file=sys.stderr, flush=True,
        )  # fmt: skip
        return sample

    def queue(self) -> dict[str, Any]:
        """The API's own view of the backlog (``GET /api/queue``), when it has one."""
        try:
            answer = self.stack.client.get("/api/queue", timeout=10)
        except httpx.HTTPError:
            return {}
        return dict(answer.json()) if answer.status_code == 200 else {}

    async def sampler(self, db: asyncpg.Pool, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sample(db)
            try:
                await asyncio.wait_for(stop.wait(), self.sample_every)
            except TimeoutError:
                pass

    async def offer(self, client: httpx.AsyncClient, phase: Phase, seconds: float) -> None:
        """Open-loop load: one request every 1/rate s, whatever the answers take."""
        start, tasks = time.monotonic(), set()
        for number in range(int(seconds * phase.rate)):
            due = start + number / phase.rate
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            task = asyncio.create_task(self.webhook(client, phase))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)

    async def webhook(self, client: httpx.AsyncClient, phase: Phase) -> None:
        self.sent += 1
        began = time.monotonic()
        try:
            answer = await client.post(f"/hooks/{self.graph.webhooks['hook']}", json={"n": 1})
        except httpx.HTTPError as exc:
            phase.statuses[type(exc).__name__] += 1
            return
        phase.latencies.append(time.monotonic() - began)
        phase.statuses[str(answer.status_code)] += 1
        phase.retry_after += "retry-after" in answer.headers

    async def drain(self, db: asyncpg.Pool, seconds: float) -> None:
        """Wait up to ``seconds`` for every run to finish."""
        for _ in range(int(seconds)):
            if not (await self.counts(db))[0]:
                return
            await asyncio.sleep(1)

    async def calibrate(self, client: httpx.AsyncClient, db: asyncpg.Pool, n: int) -> float:
        """Runs per second the worker finishes, from a burst of ``n`` webhooks."""
        self.phase = "calibrate"
        _, before = await self.counts(db)
        burst = Phase("calibrate", rate=1e9)
        limit = asyncio.Semaphore(16)

        async def one() -> None:
            async with limit:
                await self.webhook(client, burst)

        await asyncio.gather(*(one() for _ in range(n)))
        marks: list[tuple[float, int]] = []
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            _, finished = await self.counts(db)
            marks.append((time.monotonic(), finished - before))
            if finished - before >= n:
                break
            await asyncio.sleep(0.5)
        # From the first finished run to the last: the worker's own pace, not the burst's.
        started = next((at for at, done in marks if done > 0), marks[0][0])
        return n / max(marks[-1][0] - started, 0.5)


async def soak(args: argparse.Namespace) -> None:
    data = Path(tempfile.mkdtemp(prefix="kyra-soak-")) / "data"
    env = {"KYRA_LOG_LEVEL": "WARNING"}
    if args.max_backlog is not None:
        env["KYRA_MAX_QUEUE_BACKLOG"] = str(args.max_backlog)
    with KyraStack(data, env=env).start() as stack:
        graph = stack.create_graph(GRAPH)
        db = await asyncpg.create_pool(
            stack.runtime()["database_url"].replace("postgresql+asyncpg", "postgresql"),
            min_size=1,
            max_size=2,
        )
        run = Soak(stack, graph, args.sample)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with httpx.AsyncClient(base_url=stack.url, limits=limits, timeout=30) as client:
            measured = await run.calibrate(client, db, args.calibrate)
            rate = args.rate or round(measured * args.load, 1)
            print(f"worker finishes {measured:.1f} runs/s; soaking at {rate}/s", file=sys.stderr)
            stop = asyncio.Event()
            sampler = asyncio.create_task(run.sampler(db, stop))
            phases = [Phase("sustained", rate), Phase("double", 2 * rate), Phase("drain", 0)]
            for phase in phases:
                run.phase = phase.name
                phase.bounds.append(await run.sample(db))
                if phase.rate:
                    await run.offer(client, phase, args.minutes * 60)
                else:
                    await run.drain(db, args.drain_minutes * 60)
                phase.bounds.append(await run.sample(db))
            stop.set()
            await sampler
        await db.close()
    report(run, phases, measured)


def report(run: Soak, phases: list[Phase], measured: float) -> None:
    rows = []
    for phase in phases:
        first, last = phase.bounds
        seconds = max(last.at - first.at, 1e-9)
        samples = [first, *(s for s in run.samples if first.at <= s.at <= last.at), last]
        accepted = phase.statuses.get("202", 0)
        pushed = sum(n for s, n in phase.statuses.items() if s in ("429", "503"))
        p50 = f"{statistics.median(phase.latencies) * 1000:.1f}" if phase.latencies else "-"
        rows.append([
            phase.name, f"{seconds:.0f}", f"{phase.rate:.1f}", f"{accepted / seconds:.1f}",
            f"{(last.finished - first.finished) / seconds:.1f}",
            f"{first.live_runs} → {last.live_runs}", max(s.messages for s in samples),
            _most(s.waiting for s in samples), _most(s.oldest_age_s for s in samples),
            max(s.messages - s.live_runs for s in samples),
            f"{first.api_rss_mb:.0f} → {last.api_rss_mb:.0f} ({_growth(first, last, 'api')})",
            f"{first.worker_rss_mb:.0f} → {last.worker_rss_mb:.0f} "
            f"({_growth(first, last, 'worker')})",
            f"{pushed} ({phase.retry_after} with Retry-After)", p50,
            ", ".join(f"{s}x{n}" for s, n in sorted(phase.statuses.items())) or "-",
        ])  # fmt: skip
    print_table(
        f"Soak: async webhooks, worker measured at {measured:.1f} runs/s",
        [
            "phase", "seconds", "offered/s", "accepted/s", "finished/s",
            "live runs (start → end)", "max Redis messages", "max waiting (/api/queue)",
            "max oldest age s", "max messages - live runs",
            "API RSS MiB (growth)", "worker RSS MiB (growth)", "pushed back (429/503)",
            "intake p50 ms", "answers",
        ],
        rows,
    )  # fmt: skip
    drained = phases[-1].bounds[-1]
    verdict = "drained" if drained.live_runs == 0 else f"{drained.live_runs} runs still live"
    print(
        f"\nAfter the drain phase: {verdict}; Redis holds {drained.messages} messages for "
        f"{drained.live_runs} live runs."
    )


def _most(values: Iterable[float | None]) -> str:
    known = [v for v in values if v is not None]
    return f"{max(known):.0f}" if known else "-"


def _growth(first: Sample, last: Sample, which: str) -> str:
    before = getattr(first, f"{which}_rss_mb")
    after = getattr(last, f"{which}_rss_mb")
    return f"{(after - before) / before * 100:+.0f}%" if before else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--load", type=float, default=0.6, help="share of the measured rate")
    parser.add_argument("--rate", type=float, default=None, help="webhooks/s (skips --load)")
    parser.add_argument("--calibrate", type=int, default=600, help="webhooks in the burst")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--drain-minutes", type=float, default=15.0)
    parser.add_argument(
        "--max-backlog", type=int, default=None, help="KYRA_MAX_QUEUE_BACKLOG (product default)"
    )
    asyncio.run(soak(parser.parse_args()))


if __name__ == "__main__":
    main()
