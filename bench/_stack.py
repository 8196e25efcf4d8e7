"""A real stack for benchmarks: embedded PostgreSQL + Redis, the API under uvicorn, workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kyra.cli.processes import worker_argv
from kyra.infra.embedded import die_with_parent

ROOT = Path(__file__).resolve().parents[1]


def _with_children(pid: int) -> list[int]:
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    return pids


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of a process and its children, in MiB."""
    return memory_mb(_with_children(pid), "VmHWM")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process and its children have used so far: divided by the
    work done in between, a figure that holds on a busy machine where wall-clock rates do not."""
    total = 0
    for one in _with_children(pid):
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def memory_mb(pids: list[int], field: str = "VmRSS") -> float:
    """A memory figure of /proc/<pid>/status (VmRSS: resident now), summed over ``pids``, MiB."""
    total = 0.0
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith(f"{field}:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


@dataclass
class Stack:
    """Starts everything on free loopback ports; ``stop()`` ends what it started."""

    durable: bool = True
    worker_threads: int = 8
    #: uvicorn's event loop ("auto" picks uvloop when installed).
    loop: str = "auto"
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> Stack:
        from kyra.infra.embedded import EmbeddedPostgres, EmbeddedRedis, free_port

        self.data = Path(tempfile.mkdtemp(prefix="kyra-bench-"))
        self.postgres = EmbeddedPostgres(self.data / "postgres", durable=self.durable)
        self.redis = EmbeddedRedis(self.data / "redis", durable=self.durable)
        self.env = {
            **os.environ,
            "DATABASE_URL": self.postgres.start(),
            "REDIS_URL": self.redis.start(),
            "KYRA_DATA_DIR": str(self.data / "data"),
            "KYRA_LOG_LEVEL": "WARNING",
        }
        os.environ.update(
            {
                k: self.env[k]
                for k in ("DATABASE_URL", "REDIS_URL", "KYRA_DATA_DIR", "KYRA_LOG_LEVEL")
            }
        )
        from kyra.db.migrate import upgrade

        upgrade(self.env["DATABASE_URL"])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = self._spawn(
            [sys.executable, "-m", "uvicorn", "--factory", "kyra.api.app:create_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning",
             "--no-access-log", "--loop", self.loop]
        )  # fmt: skip
        self.worker = self._spawn(worker_argv(processes=1, threads=self.worker_threads))
        self.api_key = self._api_key()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("API did not start")

    def _spawn(self, command: list[str]) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env, start_new_session=True, preexec_fn=die_with_parent,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.processes.append(proc)
        return proc

    def _api_key(self) -> str:
        import asyncio

        from kyra.db.engine import create_engine, create_session_factory
        from kyra.db.queries.users import create_api_key, create_user

        async def make() -> str:
            engine = create_engine(self.env["DATABASE_URL"])
            async with create_session_factory(engine)() as session:
                user = await create_user(session, name="bench")
                _, key = await create_api_key(session, owner_id=user.id, name="bench")
                await session.commit()
            await engine.dispose()
            return key

        return asyncio.run(make())

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
        self.redis.stop()
        self.postgres.stop()


def start_fake_provider(module: str, *args: object) -> tuple[subprocess.Popen[bytes], str]:
    """Run ``bench.<module>.serve_fake(port, *args)`` in a child process (so the fake's work is
    not billed to the measured process); returns it and its OpenAI-style base URL."""
    from kyra.infra.embedded import free_port

    port = free_port()
    call = ", ".join(repr(a) for a in (port, *args))
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
        f"import bench.{module} as b; b.serve_fake({call})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return proc, f"http://127.0.0.1:{port}/v1"
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("fake server did not start")


def print_table(title: str, header: list[str], rows: list[list[object]]) -> None:
    """A Markdown table (pastes into the README as is)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
