"""The supervisor behind ``kyra up``: its restart policy on a fake clock, and real processes."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kyra.cli.supervisor import Child, Command, RestartPolicy, Supervisor
from kyra.infra.supervision import Supervision


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeProcess:
    """A process the test crashes by hand; ``fail_starts`` starts raise first (a server that
    cannot come back yet)."""

    def __init__(self, fail_starts: int = 0) -> None:
        self.fail_starts = fail_starts
        self.starts = 0
        self.code: int | None = None
        self.pid: int | None = None

    def start(self) -> None:
        self.starts += 1
        if self.fail_starts:
            self.fail_starts -= 1
            raise RuntimeError("port still in use")
        self.code, self.pid = None, 4000 + self.starts

    def poll(self) -> int | None:
        return self.code

    def terminate(self) -> None:
        self.code = -15 if self.code is None else self.code

    def wait(self, timeout: float) -> bool:
        return self.code is not None

    def kill(self) -> None:
        self.code = -9 if self.code is None else self.code

    def crash(self, code: int = 1) -> None:
        self.code = code


def _supervised(
    *names: str, policy: RestartPolicy | None = None
) -> tuple[Supervisor, FakeClock, dict[str, FakeProcess], list[Supervision]]:
    clock, reports = FakeClock(), list[Supervision]()
    supervisor = Supervisor(policy=policy, clock=clock, on_change=reports.append)
    processes = {name: FakeProcess() for name in names}
    supervisor.start([Child(name, process) for name, process in processes.items()])
    return supervisor, clock, processes, reports


def test_the_backoff_doubles_per_crash_up_to_its_cap() -> None:
    policy = RestartPolicy(backoff=1, max_backoff=30)

    delays = [policy.delay(crashes) for crashes in range(1, 9)]

    assert delays == [1, 2, 4, 8, 16, 30, 30, 30]
    assert policy.delay(10_000) == 30


def test_a_child_in_a_crash_loop_is_retried_forever_and_the_others_keep_running() -> None:
    # Given a worker that dies at once every time, beside an API that stays up
    supervisor, clock, processes, reports = _supervised(
        "api", "worker", policy=RestartPolicy(backoff=1, max_backoff=30)
    )
    worker = processes["worker"]
    waited = []

    for _ in range(50):
        worker.crash()
        supervisor.poll()
        status = reports[-1].processes["worker"]
        assert status.state == "restarting" and status.last_exit_code == 1
        assert status.next_start_at is not None and status.last_exit_at is not None
        delay = status.next_start_at.timestamp() - status.last_exit_at.timestamp()
        waited.append(round(delay))
        # I expect no restart before the backoff is over, and one right after it
        clock.now += delay - 0.01
        supervisor.poll()
        assert worker.code == 1
        clock.now += 0.01
        supervisor.poll()
        assert worker.code is None and reports[-1].processes["worker"].state == "running"

    # I expect capped exponential backoff, 50 restarts, and the API never touched
    assert waited[:7] == [1, 2, 4, 8, 16, 30, 30] and set(waited[7:]) == {30}
    assert worker.starts == 51
    assert reports[-1].processes["worker"].restarts == 50
    assert reports[-1].processes["worker"].crashes_in_a_row == 50
    assert processes["api"].starts == 1 and processes["api"].code is None
    assert reports[-1].unhealthy() == []


def test_a_child_that_stayed_up_long_enough_starts_its_count_afresh() -> None:
    supervisor, clock, processes, reports = _supervised(
        "worker", policy=RestartPolicy(backoff=1, max_backoff=30, stable_after=60)
    )
    worker = processes["worker"]
    for _ in range(4):  # 1 + 2 + 4 + 8 s of backoff
        worker.crash()
        supervisor.poll()
        clock.now += 30
        supervisor.poll()
    assert reports[-1].processes["worker"].crashes_in_a_row == 4

    # When it then runs for a minute before dying
    clock.now += 60
    worker.crash()
    supervisor.poll()

    # I expect the shortest backoff again
    status = reports[-1].processes["worker"]
    assert status.crashes_in_a_row == 1
    assert status.next_start_at and status.last_exit_at
    assert status.next_start_at.timestamp() - status.last_exit_at.timestamp() == pytest.approx(1)


def test_a_server_that_cannot_start_again_yet_is_retried_with_backoff() -> None:
    supervisor, clock, processes, reports = _supervised(
        "postgres", policy=RestartPolicy(backoff=1, max_backoff=30)
    )
    postgres = processes["postgres"]
    postgres.fail_starts = 2

    postgres.crash(-9)
    supervisor.poll()
    for _ in range(3):
        clock.now += 30
        supervisor.poll()

    assert postgres.starts == 4
    assert postgres.code is None
    assert reports[-1].processes["postgres"].state == "running"
    assert reports[-1].processes["postgres"].restarts == 3


def test_the_reported_state_names_the_unhealthy_process() -> None:
    supervisor, _, processes, reports = _supervised("api", "worker")

    processes["worker"].crash(3)
    supervisor.poll()

    assert reports[-1].unhealthy() == ["worker"]
    assert reports[-1].processes["worker"].pid is None
    assert reports[-1].processes["api"].pid == processes["api"].pid
    assert reports[-1].supervisor_pid == os.getpid()


def test_stop_ends_the_newest_batch_first_and_reports_it() -> None:
    clock, reports = FakeClock(), list[Supervision]()
    supervisor = Supervisor(clock=clock, on_change=reports.append)
    order: list[str] = []

    class Recording(FakeProcess):
        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

        def terminate(self) -> None:
            order.append(self.name)
            super().terminate()

    supervisor.start([Child("postgres", Recording("postgres"))])
    supervisor.start([Child("api", Recording("api")), Child("worker", Recording("worker"))])

    supervisor.stop()

    assert order == ["api", "worker", "postgres"]
    assert {p.state for p in reports[-1].processes.values()} == {"stopped"}


# -- real processes ------------------------------------------------------------------------


def _python(code: str) -> Command:
    return Command([sys.executable, "-c", code], env=os.environ)


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
    supervisor = Supervisor(policy=RestartPolicy(backoff=0.01))
    supervisor.start([child])
    command = child.process
    assert isinstance(command, Command)
    first = command.proc
    try:
        # I expect a second process, still running
        _poll_until(supervisor, lambda: command.proc is not first and child.state == "running")
        assert command.proc is not None and command.proc.poll() is None
        assert child.restarts == 1 and child.last_exit_code == 3
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
    supervisor = Supervisor()
    supervisor.start([child])
    _poll_until(supervisor, lambda: pid_file.exists() and pid_file.read_text())
    grandchild = int(pid_file.read_text())

    supervisor.stop(timeout=2)

    # I expect both gone: the child on SIGTERM, the grandchild with the process group
    assert child.process.poll() is not None
    deadline = time.monotonic() + 5
    while _is_alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _is_alive(grandchild)
