"""``kyra up`` as a user runs it: a real subprocess with embedded servers, stopped by Ctrl-C."""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

import httpx

from tests.system.stack import Component, KyraStack, is_alive

COMPONENTS: tuple[Component, ...] = (
    "api", "worker", "worker_processes", "scheduler", "postgres", "redis",
)  # fmt: skip


def _is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _port(url: str) -> int:
    found = re.search(r":(\d+)/", url)
    assert found, url
    return int(found.group(1))


def test_kyra_up_serves_stops_cleanly_and_keeps_its_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    # Given a first start on an empty data folder
    with KyraStack(data_dir) as up:
        runtime = up.runtime()
        pids = [pid for component in COMPONENTS for pid in up.pids(component)]

        # I expect the API up, and the printed key accepted
        assert httpx.get(f"{up.url}/health", timeout=10).status_code == 200
        printed = re.search(r"API key\s+(\S+)", up.output)
        assert printed and printed.group(1) == up.api_key, up.output
        me = up.client.get("/api/me")
        assert me.status_code == 200, me.text
        assert me.json()["is_admin"] is True

        # When the user presses Ctrl-C
        assert up.stop(signal.SIGINT) == 0, up.output

    # I expect every process gone and nothing listening any more
    assert len(pids) == len(COMPONENTS)
    assert [pid for pid in pids if is_alive(pid)] == []
    assert not _is_listening(_port(runtime["redis_url"]))
    assert not _is_listening(_port(runtime["database_url"]))
    assert not _is_listening(up.port)
    assert not (data_dir / "runtime.json").exists()
    first_key = up.api_key

    # When it starts again on the same data, I expect the same key, still valid
    with KyraStack(data_dir, port=up.port) as again:
        assert again.api_key == first_key
        assert again.client.get("/api/me").status_code == 200
        assert again.stop(signal.SIGTERM) == 0, again.output


def test_kyra_up_refuses_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        up = KyraStack(tmp_path, port=busy.getsockname()[1]).launch()
        assert up.proc is not None and up.proc.wait(60) == 1
        up.stop()
    assert "set KYRA_PORT" in up.output
    assert not (tmp_path / "postgres").exists()
