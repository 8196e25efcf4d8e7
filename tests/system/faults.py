"""Faults injected into a real ``kyra up``, and what they did to the runs: issue 9's fault suite.

Each scenario kills or freezes one process of a :class:`~tests.system.stack.KyraStack` by PID
while runs are in flight and returns a :class:`FaultReport`: runs completed, time to completion,
completed nodes re-run, side-effect duplicates (counted by :class:`EffectServer`, a local service
the graphs call with ``HTTP.request``), runs left non-terminal after a deadline, and the HTTP
statuses clients saw during the outage. ``tests/system/test_faults.py`` runs them at CI size;
``bench/faults.py`` runs the long versions and prints the table.
"""

from __future__ import annotations

import itertools
import signal
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import redis

from tests.system.stack import TERMINAL, Graph, KyraStack, wait_until

#: The header interrupted side effects should repeat unchanged (issue 9 defect 8).
IDEMPOTENCY_HEADER = "Idempotency-Key"


# -- the side-effect counter -----------------------------------------------------------------


#: The nodes of :func:`effects_graph` after its trigger, in order.
NODE_CHAIN = ("before", "slow", "after")


@dataclass
class Effect:
    """One request a node sent: when it arrived and was answered (epoch seconds), its key."""

    arrived: float
    key: str | None
    answered_at: float | None = None


class EffectServer:
    """``POST /effect/{run_id}/{node_id}?hold=S`` answers 200 after S seconds and counts it."""

    def __init__(self) -> None:
        self.effects: dict[tuple[str, str], list[Effect]] = {}
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> EffectServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, run_id: str, node_id: str, count: int = 1, timeout: float = 60.0) -> None:
        """Wait until ``count`` requests of that node of that run have arrived."""
        with self._changed:
            arrived = self._changed.wait_for(
                lambda: len(self.effects.get((run_id, node_id), [])) >= count, timeout
            )
        if not arrived:
            raise TimeoutError(f"{node_id} of run {run_id} not called {count}x in {timeout} s")

    def wait_for_any(self, node_id: str, count: int, since: float, timeout: float = 60.0) -> None:
        """Wait until ``count`` runs have first called ``node_id`` after ``since`` (epoch s)."""

        def callers() -> int:
            return sum(
                node == node_id and effects[0].arrived > since
                for (_run, node), effects in self.effects.items()
            )

        with self._changed:
            if not self._changed.wait_for(lambda: callers() >= count, timeout):
                raise TimeoutError(f"{node_id} called by {callers()} of {count} runs")

    def tally(self, runs: Sequence[dict[str, Any]]) -> tuple[int, int, int]:
        """(completed nodes re-run, duplicates, duplicates repeating the first request's key).

        Every request after a node's first is a duplicate side effect. It re-runs a completed
        node when it comes after the engine recorded that node done: after the next node's
        first request (claimed in the same transaction), or after the run finished.
        """
        reruns = duplicates = same_key = 0
        with self._changed:
            for run in runs:
                done_at = _finished(run)
                for node_id in reversed(NODE_CHAIN):
                    effects = self.effects.get((run["id"], node_id), [])
                    if effects:
                        first = effects[0]
                        for later in effects[1:]:
                            duplicates += 1
                            same_key += bool(first.key) and later.key == first.key
                            reruns += done_at is not None and later.arrived > done_at
                        done_at = first.arrived
        return reruns, duplicates, same_key

    def _record(self, run_id: str, node_id: str, key: str | None) -> Effect:
        effect = Effect(time.time(), key)
        with self._changed:
            self.effects.setdefault((run_id, node_id), []).append(effect)
            self._changed.notify_all()
        return effect

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                parts = url.path.strip("/").split("/")
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if len(parts) != 3 or parts[0] != "effect":
                    self.send_error(404)
                    return
                effect = server._record(parts[1], parts[2], self.headers.get(IDEMPOTENCY_HEADER))
                hold = float(parse_qs(url.query).get("hold", ["0"])[0])
                if hold:
                    time.sleep(hold)  # the slow service a node is waiting on
                body = b'{"ok": true}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    self.wfile.flush()
                except OSError:
                    return  # the caller died while waiting
                effect.answered_at = time.time()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def effects_graph(effects: EffectServer, *, hold: float, name: str = "faults") -> dict[str, Any]:
    """webhook (async) → ``before`` → ``slow`` (the service holds it ``hold`` s) → ``after``.

    Each node is an ``HTTP.request`` to the effect server naming its run and node, so every
    repeated side effect is counted; runs start over the API (sync or queue) or the webhook.
    """

    def call(node_id: str, hold_s: float = 0.0) -> dict[str, Any]:
        url = f"{effects.url}/effect/{{{{ run.id }}}}/{node_id}"
        return {
            "id": node_id,
            "type": "HTTP.request",
            "params": {"method": "POST", "url": url, "query": {"hold": hold_s}, "body": {}},
        }

    nodes = [
        {"id": "hook", "type": "Webhook.trigger", "params": {"path": name, "reply": "async"}},
        *(call(node_id, hold if node_id == "slow" else 0.0) for node_id in NODE_CHAIN),
    ]
    chain = [n["id"] for n in nodes]
    edges = [
        {"source": a, "sourcePort": "out", "target": b, "targetPort": "in"}
        for a, b in itertools.pairwise(chain)
    ]
    return {"schema": "kyra.graph/1", "name": name, "nodes": nodes, "edges": edges}


# -- traffic during an outage ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    at: float
    kind: str
    status: str
    run_id: str | None = None


class Traffic:
    """Client threads sending a mix of requests until stopped; every answer kept with its time.

    Kinds: ``queue`` / ``sync`` (``POST /api/graphs/{id}/runs``), ``webhook`` (the graph's async
    webhook), ``read`` (``GET /api/graphs``: database only) and ``health``.
    """

    def __init__(
        self,
        stack: KyraStack,
        graph: Graph,
        kinds: Sequence[str] = ("queue", "sync", "webhook", "read", "health"),
        *,
        clients: int = 2,
        interval: float = 0.1,
        timeout: float = 5.0,
    ) -> None:
        self.stack, self.graph, self.kinds = stack, graph, list(kinds)
        self.clients, self.interval, self.timeout = clients, interval, timeout
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> Traffic:
        for number in range(self.clients):
            thread = threading.Thread(target=self._drive, args=(number,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)

    def statuses(self, start: float, end: float) -> Counter[str]:
        """``"<kind> <status>"`` counts of the requests sent between ``start`` and ``end``."""
        return Counter(f"{o.kind} {o.status}" for o in self.outcomes if start <= o.at <= end)

    def run_ids(self) -> list[str]:
        return [o.run_id for o in self.outcomes if o.run_id]

    def _drive(self, number: int) -> None:
        headers = {"X-API-Key": self.stack.api_key}
        with httpx.Client(base_url=self.stack.url, headers=headers, timeout=self.timeout) as client:
            turn = number
            while not self._stop.is_set():
                kind = self.kinds[turn % len(self.kinds)]
                turn += 1
                at = time.monotonic()
                try:
                    answer = self._send(client, kind)
                except httpx.HTTPError as exc:
                    self.outcomes.append(Outcome(at, kind, type(exc).__name__))
                else:
                    status = str(answer.status_code)
                    self.outcomes.append(Outcome(at, kind, status, _run_id(answer)))
                self._stop.wait(self.interval)

    def _send(self, client: httpx.Client, kind: str) -> httpx.Response:
        if kind in ("queue", "sync"):
            body = {"mode": kind, "inputs": {"body": {"traffic": True}}}
            return client.post(f"/api/graphs/{self.graph.id}/runs", json=body)
        if kind == "webhook":
            return client.post(f"/hooks/{self.graph.webhooks['hook']}", json={"traffic": True})
        return client.get("/api/graphs" if kind == "read" else "/health")


def _run_id(answer: httpx.Response) -> str | None:
    if answer.status_code not in (200, 202):
        return None
    try:
        body = answer.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    found = body.get("id") or body.get("run_id")
    return str(found) if found else None


# -- the report ------------------------------------------------------------------------------


@dataclass
class FaultReport:
    """What one fault did to the runs started around it."""

    scenario: str
    runs: list[dict[str, Any]] = field(default_factory=list)
    #: Seconds waited for every run to finish before counting the unfinished ones.
    deadline: float = 0.0
    completed_reruns: int = 0
    duplicates: int = 0
    duplicates_same_key: int = 0
    dead_letters: int = 0
    dead_letters_at_start: int = 0
    outage: Counter[str] = field(default_factory=Counter)
    #: Monotonic start and end of the outage.
    window: tuple[float, float] = (0.0, 0.0)

    @property
    def non_terminal(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if r["status"] not in TERMINAL]

    def count(self, status: str) -> int:
        return sum(r["status"] == status for r in self.runs)

    def completion_seconds(self) -> list[float]:
        return [
            (_when(r["finished_at"]) - _when(r["created_at"]))
            for r in self.runs
            if r["finished_at"] and r["created_at"]
        ]

    HEADER = (
        "scenario", "runs", "succeeded", "failed", "non-terminal after deadline",
        "time to completion p50 / max (s)", "completed nodes re-run",
        "side-effect duplicates (same key)", "dead letters", "outage (s)",
        "HTTP statuses during the outage",
    )  # fmt: skip

    def row(self) -> list[object]:
        times = self.completion_seconds()
        spread = f"{statistics.median(times):.1f} / {max(times):.1f}" if times else "-"
        return [
            self.scenario, len(self.runs), self.count("succeeded"),
            self.count("failed") + self.count("cancelled"),
            f"{len(self.non_terminal)} ({self.deadline:.0f} s)", spread, self.completed_reruns,
            f"{self.duplicates} ({self.duplicates_same_key})", self.dead_letters,
            f"{self.window[1] - self.window[0]:.1f}", format_statuses(self.outage),
        ]  # fmt: skip


def format_statuses(statuses: Counter[str]) -> str:
    """``queue: 202x3, 500x1; read: 200x9`` (kinds in order of appearance)."""
    by_kind: dict[str, list[str]] = {}
    for label, count in sorted(statuses.items()):
        kind, status = label.split(" ", 1)
        by_kind.setdefault(kind, []).append(f"{status}x{count}")
    return "; ".join(f"{kind}: {', '.join(parts)}" for kind, parts in by_kind.items()) or "-"


def format_reports(reports: Sequence[FaultReport], title: str = "Fault suite") -> str:
    """A Markdown table, one row per scenario."""
    lines = [f"### {title}", "", "| " + " | ".join(FaultReport.HEADER) + " |"]
    lines.append("|" + "|".join("---" for _ in FaultReport.HEADER) + "|")
    lines += ["| " + " | ".join(str(cell) for cell in r.row()) + " |" for r in reports]
    return "\n".join(lines)


def _when(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def _finished(run: dict[str, Any]) -> float | None:
    return _when(run["finished_at"]) if run.get("finished_at") else None


# -- settling --------------------------------------------------------------------------------


def graph_runs(stack: KyraStack, graph: Graph) -> list[dict[str, Any]]:
    """Every run of a graph, whoever started it (API, webhook, lost client)."""
    runs: list[dict[str, Any]] = []
    while True:
        page = stack.client.get(
            f"/api/graphs/{graph.id}/runs", params={"limit": 500, "offset": len(runs)}
        )
        page.raise_for_status()
        runs += page.json()
        if len(page.json()) < 500:
            return runs


def settle(stack: KyraStack, graph: Graph, deadline: float) -> list[dict[str, Any]]:
    """Wait up to ``deadline`` s for every run of ``graph`` to finish; the runs then."""
    latest: list[dict[str, Any]] = []

    def finished() -> bool:
        nonlocal latest
        try:
            latest = graph_runs(stack, graph)
        except httpx.HTTPError:
            return False
        return all(r["status"] in TERMINAL for r in latest)

    try:
        wait_until(finished, deadline, "every run terminal", interval=0.5)
    except TimeoutError:
        pass  # reported: the runs still unfinished are the finding
    return latest


def dead_letters(stack: KyraStack, queue: str = "kyra") -> int:
    """Messages Dramatiq moved to its dead-letter set (nothing reads them)."""
    client = redis.Redis.from_url(stack.runtime()["redis_url"], socket_timeout=5)
    try:
        return int(client.zcard(f"kyra:{queue}.XQ"))
    finally:
        client.close()


def queued_messages(stack: KyraStack, queue: str = "kyra") -> int:
    """Messages in Redis for the queue: ready, delayed and taken but not yet acknowledged."""
    client = redis.Redis.from_url(stack.runtime()["redis_url"], socket_timeout=5)
    try:
        return int(client.hlen(f"kyra:{queue}.msgs")) + int(client.hlen(f"kyra:{queue}.DQ.msgs"))
    finally:
        client.close()


@contextmanager
def outage(report: FaultReport) -> Iterator[None]:
    """Time the block as the outage (:func:`finish` counts the statuses sent within it)."""
    start = time.monotonic()
    try:
        yield
    finally:
        report.window = (start, time.monotonic())


def finish(
    stack: KyraStack,
    effects: EffectServer,
    graph: Graph,
    report: FaultReport,
    deadline: float,
    traffic: Sequence[Traffic] = (),
) -> FaultReport:
    """Wait for the runs (up to ``deadline`` s), then count what the fault did to them."""
    for client in traffic:  # stopped by now: every request sent in the outage has its answer
        report.outage += client.statuses(*report.window)
    report.deadline = deadline
    report.runs = settle(stack, graph, deadline)
    report.completed_reruns, report.duplicates, report.duplicates_same_key = effects.tally(
        report.runs
    )
    report.dead_letters = dead_letters(stack) - report.dead_letters_at_start
    return report


def begin(
    stack: KyraStack, effects: EffectServer, scenario: str, *, hold: float
) -> tuple[Graph, FaultReport]:
    """A fresh graph for the scenario (its runs are the ones reported) and its report."""
    graph = stack.create_graph(effects_graph(effects, hold=hold))
    return graph, FaultReport(scenario, dead_letters_at_start=dead_letters(stack))


# -- scenarios -------------------------------------------------------------------------------


def worker_kill_mid_node(
    stack: KyraStack, effects: EffectServer, *, times: int, deadline: float, hold: float = 3.0
) -> FaultReport:
    """Queue runs one after another, the worker process SIGKILLed while each is mid-node."""
    graph, report = begin(stack, effects, f"worker SIGKILL mid-node x{times}", hold=hold)
    for _ in range(times):
        started = stack.start_run(graph, "queue")
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        effects.wait_for(run_id, "slow")
        stack.kill("worker_processes")
        stack.wait_for_run(run_id, deadline)
    return finish(stack, effects, graph, report, deadline)


def api_kill_during_sync_runs(
    stack: KyraStack, effects: EffectServer, *, runs: int, deadline: float, hold: float = 3.0
) -> FaultReport:
    """Sync runs with an Idempotency-Key (stored while they run); the API SIGKILLed under them.

    Each client then retries with its key, as a client should, until it gets an answer.
    """
    graph, report = begin(stack, effects, f"API SIGKILL during {runs} stored sync runs", hold=hold)
    keys = [f"fault-{uuid.uuid4().hex}" for _ in range(runs)]
    first: list[str] = []
    since = time.time()

    def client(key: str) -> None:
        try:
            stack.start_run(graph, "sync", idempotency_key=key, timeout=hold + 30)
        except httpx.HTTPError as exc:
            first.append(type(exc).__name__)

    threads = [threading.Thread(target=client, args=(key,), daemon=True) for key in keys]
    for thread in threads:
        thread.start()
    effects.wait_for_any("slow", runs, since)
    start = time.monotonic()
    old = stack.pid("api")
    stack.kill("api")
    for thread in threads:
        thread.join(60)
    stack.wait_for_new("api", old)
    stack.wait_healthy()
    report.window = (start, time.monotonic())
    report.outage = Counter(f"sync {name}" for name in first)
    for key in keys:
        retried = stack.start_run(graph, "sync", idempotency_key=key, timeout=hold + 30)
        report.outage[f"sync retry {retried.status_code}"] += 1
    return finish(stack, effects, graph, report, deadline)


def valkey_kill(
    stack: KyraStack, effects: EffectServer, *, runs: int, deadline: float, hold: float = 2.0
) -> FaultReport:
    """Valkey SIGKILLed (and restarted by ``kyra up``) with queue runs in flight and traffic."""
    graph, report = begin(stack, effects, "Valkey SIGKILL", hold=hold)
    since = time.time()
    for _ in range(runs):
        assert stack.start_run(graph, "queue").status_code == 202
    effects.wait_for_any("slow", 1, since)
    with Traffic(stack, graph) as traffic, outage(report):
        old = stack.pid("redis")
        stack.kill("redis")
        stack.wait_for_new("redis", old)
        stack.wait_healthy()
    return finish(stack, effects, graph, report, deadline, [traffic])


def valkey_freeze(
    stack: KyraStack, effects: EffectServer, *, seconds: float, runs: int, deadline: float
) -> FaultReport:
    """Valkey stopped (SIGSTOP) for ``seconds`` under traffic, then continued (SIGCONT).

    Runs are started throughout; a separate client only reads from the database, so whether
    the API still answers what needs no Redis shows on its own.
    """
    graph, report = begin(stack, effects, f"Valkey frozen (SIGSTOP) {seconds:.0f} s", hold=1.0)
    for _ in range(runs):
        assert stack.start_run(graph, "queue").status_code == 202
    starts = Traffic(stack, graph, ("queue", "webhook", "sync"), timeout=3.0)
    reads = Traffic(stack, graph, ("read",), clients=1, timeout=3.0)
    with starts, reads, outage(report):
        stack.freeze("redis")
        try:
            threading.Event().wait(seconds)  # the length of the outage is the scenario
        finally:
            stack.thaw("redis")
    stack.wait_healthy()
    return finish(stack, effects, graph, report, deadline, [starts, reads])


def postgres_restart(
    stack: KyraStack, effects: EffectServer, *, warmup_runs: int, deadline: float
) -> FaultReport:
    """PostgreSQL shut down (fast) under mixed traffic; ``kyra up`` starts it again."""
    graph, report = begin(stack, effects, "PostgreSQL restart under mixed load", hold=0.2)
    kinds = ("queue", "sync", "webhook", "read", "health")
    with Traffic(stack, graph, kinds, clients=3) as traffic:
        wait_until(lambda: len(traffic.run_ids()) >= warmup_runs, 60, "traffic running")
        with outage(report):
            old = stack.pid("postgres")
            stack.send("postgres", signal.SIGINT)
            stack.wait_for_new("postgres", old)
            stack.wait_healthy()
    return finish(stack, effects, graph, report, deadline, [traffic])


def worker_crash_loop(
    stack: KyraStack, effects: EffectServer, *, crashes: int, deadline: float
) -> FaultReport:
    """The worker killed ``crashes`` times in a row, each time as soon as it is back."""
    graph, report = begin(stack, effects, f"worker crash loop ({crashes} kills)", hold=0.2)
    kinds = ("queue", "sync", "webhook", "health")
    with Traffic(stack, graph, kinds, interval=0.5) as traffic, outage(report):
        for crash in range(crashes):
            old = stack.pid("worker")
            stack.kill("worker")
            if crash < crashes - 1:
                stack.wait_for_new("worker", old)
        wait_until(lambda: stack.pids("worker_processes"), 180, "the worker back")
    return finish(stack, effects, graph, report, deadline, [traffic])


SCENARIOS: dict[str, Callable[..., FaultReport]] = {
    "worker-kill": worker_kill_mid_node,
    "api-kill": api_kill_during_sync_runs,
    "valkey-kill": valkey_kill,
    "valkey-freeze": valkey_freeze,
    "postgres-restart": postgres_restart,
    "worker-crash-loop": worker_crash_loop,
}
