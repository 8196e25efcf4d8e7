"""``kyra up`` as a user runs it: a real subprocess with embedded servers, stopped by Ctrl-C."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from kyra.infra.embedded import free_port


def _missing(*modules: str) -> list[str]:
    missing = []
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    return missing


_MISSING = _missing("kyra.api.app", "kyra.worker.actors")
needs_app = pytest.mark.skipif(
    bool(_MISSING), reason=f"kyra up needs {', '.join(_MISSING)}, which is not written yet"
)


@dataclass
class Up:
    """A running ``kyra up`` and everything it printed so far."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    banner: threading.Event = field(default_factory=threading.Event)

    def follow(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if "Press Ctrl-C to stop" in line:
                self.banner.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def api_key(self) -> str:
        found = re.search(r"API key\s+(\S+)", self.output)
        assert found, self.output
        return found.group(1)

    def child_pids(self) -> list[int]:
        return [int(pid) for pid in re.findall(r"started \w+ \(pid (\d+)\)", self.output)]


@contextlib.contextmanager
def kyra_up(data_dir: Path, port: int) -> Iterator[Up]:
    env = {
        **os.environ,
        "KYRA_DATA_DIR": str(data_dir),
        "KYRA_PORT": str(port),
        "KYRA_HOST": "127.0.0.1",
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "KYRA_ADMIN_API_KEY": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "kyra.cli", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    up = Up(proc)
    reader = threading.Thread(target=up.follow, daemon=True)
    reader.start()
    try:
        yield up
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(10)


def _wait_for_banner(up: Up, timeout: float = 180.0) -> None:
    up.banner.wait(timeout)
    code = up.proc.poll()
    assert up.banner.is_set(), f"no banner within {timeout}s (exit code {code}):\n{up.output}"


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _port(url: str) -> int:
    found = re.search(r":(\d+)/", url)
    assert found, url
    return int(found.group(1))


@needs_app
def test_kyra_up_serves_stops_cleanly_and_keeps_its_key(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()

    # Given a first start on an empty data folder
    with kyra_up(data_dir, port) as up:
        _wait_for_banner(up)
        base = f"http://127.0.0.1:{port}"
        runtime = json.loads((data_dir / "runtime.json").read_text())
        postgres_pid = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])

        # I expect the API up, and the printed key accepted
        assert httpx.get(f"{base}/health", timeout=10).status_code == 200
        me = httpx.get(f"{base}/api/me", headers={"X-API-Key": up.api_key}, timeout=10)
        assert me.status_code == 200, me.text
        assert me.json()["is_admin"] is True
        assert (data_dir / "api_key").read_text().strip() == up.api_key

        # When the user presses Ctrl-C
        up.proc.send_signal(signal.SIGINT)
        assert up.proc.wait(90) == 0, up.output

    # I expect every process gone and nothing listening any more
    assert [pid for pid in up.child_pids() if _is_alive(pid)] == []
    assert not _is_alive(postgres_pid)
    assert not _is_listening(_port(runtime["redis_url"]))
    assert not _is_listening(_port(runtime["database_url"]))
    assert not _is_listening(port)
    assert not (data_dir / "runtime.json").exists()
    first_key = up.api_key

    # When it starts again on the same data, I expect the same key, still valid
    with kyra_up(data_dir, port) as again:
        _wait_for_banner(again)
        assert again.api_key == first_key
        me = httpx.get(f"{base}/api/me", headers={"X-API-Key": first_key}, timeout=10)
        assert me.status_code == 200
        again.proc.send_signal(signal.SIGTERM)
        assert again.proc.wait(90) == 0, again.output


def test_kyra_up_refuses_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with kyra_up(tmp_path, port) as up:
            assert up.proc.wait(60) == 1
    assert "set KYRA_PORT" in up.output
    assert not (tmp_path / "postgres").exists()
