"""A real ``kyra up``, started as a user starts it, for system tests and fault benchmarks.

:class:`KyraStack` runs the venv's ``kyra up`` on a temporary data folder and a free port (its
own embedded PostgreSQL and Valkey unless URLs are given), waits for the banner, and then finds
every process it supervises in its process tree (never by a machine-wide name search), so a test
can SIGKILL, SIGSTOP or SIGCONT one component and watch the product recover. It also creates
graphs, starts runs in both modes and waits for them on their event stream (with a deadline).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import httpx

from kyra.infra.embedded import die_with_parent, free_port

#: The ``kyra`` command installed beside this interpreter (``.venv/bin/kyra``).
KYRA = Path(sys.executable).with_name("kyra")
BANNER_END = "Press Ctrl-C to stop"
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})

Component = Literal["up", "api", "worker", "worker_processes", "scheduler", "postgres", "redis"]
Mode = Literal["sync", "queue"]


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's), from /proc."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def is_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _component_of(argv: list[str]) -> Component | None:
    if not argv:
        return None
    program = Path(argv[0]).name
    if program == "postgres":
        return "postgres"
    if program.startswith("valkey-server") or program.startswith("redis-server"):
        return "redis"
    if "uvicorn" in argv:
        return "api"
    if "kyra.worker" in argv:
        return "worker"
    if "kyra.scheduler" in argv or argv[-1:] == ["scheduler"]:
        return "scheduler"
    return None


def wait_until(condition: Any, timeout: float, what: str, interval: float = 0.05) -> Any:
    """Poll ``condition()`` until it returns something truthy; its value, or TimeoutError."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        pause.wait(interval)


@dataclass(frozen=True)
class Graph:
    """A graph created on the stack: its id, name and webhook paths (by trigger node id)."""

    id: str
    name: str
    webhooks: dict[str, str]


def load_graph(source: Path | Mapping[str, Any], suffix: str | None = None) -> dict[str, Any]:
    """A graph document from a file or a mapping, its name and webhook paths made unique."""
    text = source.read_text() if isinstance(source, Path) else json.dumps(dict(source))
    document: dict[str, Any] = json.loads(text)  # a fresh copy the caller does not share
    suffix = suffix if suffix is not None else uuid.uuid4().hex[:8]
    if suffix:
        document["name"] = f"{document['name']}-{suffix}"
        for node in document["nodes"]:
            params = node.get("params") or {}
            if node["type"] == "Webhook.trigger" and params.get("path"):
                params["path"] = f"{params['path']}-{suffix}"
    return document


class KyraStack:
    """``kyra up`` in a subprocess, and handles on each of its processes.

    Args:
        data_dir: ``KYRA_DATA_DIR`` (created by ``kyra up`` when missing).
        port: ``KYRA_PORT``; a free one when None.
        database_url / redis_url: servers to use; empty starts the embedded ones.
        env: extra environment for ``kyra up`` and, through it, every child.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        database_url: str = "",
        redis_url: str = "",
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # An installation of its own: the test process's metrics folder is not inherited.
        inherited = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        self.env = {
            **inherited,
            **(env or {}),
            "KYRA_DATA_DIR": str(self.data_dir),
            "KYRA_HOST": "127.0.0.1",
            "KYRA_PORT": str(self.port),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "KYRA_ADMIN_API_KEY": "",
        }
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._banner = threading.Event()
        self._reader: threading.Thread | None = None
        self._client: httpx.Client | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def launch(self) -> KyraStack:
        """Start ``kyra up`` without waiting for it."""
        self.proc = subprocess.Popen(
            [str(KYRA), "up"], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True, preexec_fn=die_with_parent,
        )  # fmt: skip
        self._reader = threading.Thread(target=self._follow, daemon=True)
        self._reader.start()
        return self

    def start(self, timeout: float = 240.0) -> KyraStack:
        """Start ``kyra up`` and wait for its banner; stops it again when that fails."""
        self.launch()
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float = 240.0) -> None:
        def banner_or_exit() -> bool:
            return self._banner.is_set() or self.returncode is not None

        wait_until(banner_or_exit, timeout, f"kyra up banner\n{self.output}", interval=0.2)
        if not self._banner.is_set():
            raise RuntimeError(f"kyra up exited with {self.returncode}:\n{self.output}")

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 90.0) -> int:
        """Ask ``kyra up`` to stop (Ctrl-C by default), SIGKILL it after ``timeout``; its code."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._reader is not None:
            self._reader.join(10)
        return self.proc.returncode

    def __enter__(self) -> KyraStack:
        return self if self.proc else self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _follow(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if BANNER_END in line:
                self._banner.set()

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    @property
    def output(self) -> str:
        """Everything ``kyra up`` and its children printed so far."""
        return "".join(self.lines)

    @property
    def api_key(self) -> str:
        return (self.data_dir / "api_key").read_text().strip()

    @property
    def client(self) -> httpx.Client:
        """An HTTP client on the API, authenticated with the admin key ``kyra up`` printed."""
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.url, headers={"X-API-Key": self.api_key}, timeout=30.0
            )
        return self._client

    def runtime(self) -> dict[str, Any]:
        """``<data_dir>/runtime.json``, as ``kyra up`` wrote it."""
        return dict(json.loads((self.data_dir / "runtime.json").read_text()))

    # -- processes ---------------------------------------------------------------------------

    def pids(self, component: Component) -> list[int]:
        """Live PIDs of one component, found in ``kyra up``'s process tree."""
        if self.proc is None or not is_alive(self.proc.pid):
            return []
        if component == "up":
            return [self.proc.pid]
        if component == "worker_processes":
            return [c for w in self.pids("worker") for c in children(w) if is_alive(c)]
        return [
            pid
            for pid in children(self.proc.pid)
            if is_alive(pid) and _component_of(cmdline(pid)) == component
        ]

    def pid(self, component: Component) -> int:
        """The one live PID of a component (AssertionError when there is none)."""
        found = self.pids(component)
        assert found, f"no {component} process under kyra up (pid {self.proc and self.proc.pid})"
        return found[0]

    def send(self, component: Component, sig: signal.Signals) -> list[int]:
        """Send ``sig`` to every process of a component; the PIDs signalled."""
        sent = self.pids(component)
        for pid in sent:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        return sent

    def kill(self, component: Component) -> list[int]:
        return self.send(component, signal.SIGKILL)

    def freeze(self, component: Component) -> list[int]:
        return self.send(component, signal.SIGSTOP)

    def thaw(self, component: Component) -> list[int]:
        return self.send(component, signal.SIGCONT)

    def wait_for_new(self, component: Component, old: int, timeout: float = 120.0) -> int:
        """Wait until the component runs again under a PID other than ``old``; the new PID."""

        def replaced() -> int | None:
            live = [p for p in self.pids(component) if p != old]
            return live[0] if live else None

        return int(wait_until(replaced, timeout, f"{component} restarted after pid {old} died"))

    def wait_healthy(self, timeout: float = 120.0) -> None:
        """Wait until ``GET /health`` answers 200 (API, database and Redis up)."""

        def healthy() -> bool:
            try:
                return httpx.get(f"{self.url}/health", timeout=2.0).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(healthy, timeout, "GET /health answering 200", interval=0.1)

    # -- graphs and runs ---------------------------------------------------------------------

    def create_graph(self, source: Path | Mapping[str, Any], suffix: str | None = None) -> Graph:
        """Create a graph from a JSON file or document (name and webhook paths made unique)."""
        document = load_graph(source, suffix)
        created = self.client.post("/api/graphs", json=document)
        assert created.status_code == 201, created.text
        webhooks = {
            node["id"]: node["params"]["path"]
            for node in document["nodes"]
            if node["type"] == "Webhook.trigger"
        }
        return Graph(created.json()["id"], document["name"], webhooks)

    def start_run(
        self,
        graph: Graph | str,
        mode: Mode,
        inputs: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        timeout: float = 60.0,
    ) -> httpx.Response:
        """``POST /api/graphs/{id}/runs``: the raw answer (200 for sync, 202 for queue)."""
        graph_id = graph.id if isinstance(graph, Graph) else graph
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.client.post(
            f"/api/graphs/{graph_id}/runs",
            json={"mode": mode, "inputs": dict(inputs or {})},
            headers=headers,
            timeout=timeout,
        )

    def run(
        self,
        graph: Graph | str,
        mode: Mode,
        inputs: Mapping[str, Any] | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """Start a run and wait for it to finish; the finished run as ``GET /api/runs/{id}``."""
        answer = self.start_run(graph, mode, inputs, timeout=timeout)
        assert answer.status_code in (200, 202), answer.text
        return self.wait_for_run(answer.json()["id"], timeout)

    def get_run(self, run_id: str) -> dict[str, Any]:
        answer = self.client.get(f"/api/runs/{run_id}")
        answer.raise_for_status()
        return dict(answer.json())

    def wait_for_run(
        self, run_id: str, timeout: float = 60.0, until: frozenset[str] = TERMINAL
    ) -> dict[str, Any]:
        """Follow the run's event stream until its status is in ``until``; the run then.

        The stream starts with a snapshot, so reconnecting after the API or Redis went away
        misses nothing; TimeoutError names the last status seen.
        """
        deadline = time.monotonic() + timeout
        last = "unknown"
        pause = threading.Event()
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                for status in self._statuses(run_id, remaining):
                    last = status
                    if status in until:
                        return self.get_run(run_id)
            except httpx.HTTPError as exc:
                last = f"{last} (stream: {type(exc).__name__})"
            pause.wait(min(0.2, max(remaining, 0)))  # reconnect backoff
        raise TimeoutError(f"run {run_id} still {last} after {timeout:.0f} s")

    def _statuses(self, run_id: str, remaining: float) -> Iterator[str]:
        """Run statuses from one connection to ``/api/runs/{id}/events``."""
        timeout = httpx.Timeout(min(remaining, 20.0) + 1, connect=5.0)
        with self.client.stream("GET", f"/api/runs/{run_id}/events", timeout=timeout) as answer:
            if answer.status_code != 200:
                answer.read()
                raise httpx.HTTPStatusError(
                    f"events answered {answer.status_code}", request=answer.request, response=answer
                )
            event = ""
            for line in answer.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("snapshot", "run"):
                    yield str(json.loads(line[5:])["status"])
                elif not line:
                    event = ""


@contextlib.contextmanager
def kyra_up(data_dir: Path, **options: Any) -> Iterator[KyraStack]:
    """A started :class:`KyraStack`, stopped (Ctrl-C) on exit."""
    with KyraStack(data_dir, **options).start() as stack:
        yield stack


_FAST_RECOVERY = {
    # Short leases so that work a killed process held is taken over within seconds.
    "KYRA_LEASE_SECONDS": "4",
    "KYRA_REAPER_INTERVAL_SECONDS": "1",
    # Graphs in the system tests call local servers (side-effect counters).
    "KYRA_HTTP_ALLOW_HOSTS": "127.0.0.1",
    "KYRA_LOG_LEVEL": "WARNING",
    # A crash loop is retried every few seconds rather than every 30 s.
    "KYRA_RESTART_MAX_BACKOFF_SECONDS": "4",
}


def system_env(**extra: str) -> dict[str, str]:
    """The environment system tests give ``kyra up``: fast lease recovery, loopback HTTP."""
    return {**_FAST_RECOVERY, **extra}
