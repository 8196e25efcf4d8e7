"""The supervisor behind ``kyra up``, with real (tiny) child processes."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kyra.cli.supervisor import Child, CrashLoopError, Supervisor


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _poll_until(supervisor: Supervisor, done: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "condition not reached in time"
        supervisor.poll()
        time.sleep(0.02)


def _is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_child_that_dies_is_restarted(tmp_path: Path) -> None:
    # Given a child that exits at once the first time and stays up the second time
    marker = tmp_path / "started-once"
    code = (
        f"import pathlib, sys, time; m = pathlib.Path({str(marker)!r})\n"
        "if not m.exists(): m.touch(); sys.exit(3)\n"
        "time.sleep(60)"
    )
    child = Child("flaky", _python(code))
    supervisor = Supervisor([child], env=os.environ, backoff=0.01)
    supervisor.start()
    first = child.proc
    try:
        # I expect a second process, still running
        _poll_until(supervisor, lambda: child.proc is not first and child.restart_at is None)
        assert child.proc is not None and child.proc.poll() is None
        assert len(child.crashes) == 1
    finally:
        supervisor.stop(timeout=5)


def test_a_child_that_keeps_dying_ends_supervision() -> None:
    child = Child("broken", _python("raise SystemExit(2)"))
    supervisor = Supervisor([child], env=os.environ, max_crashes=3, backoff=0.01)
    supervisor.start()
    try:
        with pytest.raises(CrashLoopError, match="broken exited 3 times"):
            _poll_until(supervisor, lambda: False)
    finally:
        supervisor.stop(timeout=5)


def test_stop_ends_children_and_their_own_subprocesses(tmp_path: Path) -> None:
    # Given a child that started a grandchild ignoring SIGTERM (as a stuck worker might)
    pid_file = tmp_path / "grandchild.pid"
    code = (
        "import pathlib, signal, subprocess, sys, time\n"
        "g = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)'])\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(g.pid))\n"
        "time.sleep(60)"
    )
    child = Child("parent", _python(code))
    supervisor = Supervisor([child], env=os.environ)
    supervisor.start()
    _poll_until(supervisor, lambda: pid_file.exists() and pid_file.read_text())
    grandchild = int(pid_file.read_text())

    supervisor.stop(timeout=2)

    # I expect both gone: the child on SIGTERM, the grandchild with the process group
    assert child.proc is not None and child.proc.returncode is not None
    deadline = time.monotonic() + 5
    while _is_alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _is_alive(grandchild)
