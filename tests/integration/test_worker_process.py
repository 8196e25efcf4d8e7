"""``python -m kyra.worker`` (the Dramatiq CLI): a worker process that dies at boot ends it at once.

Dramatiq's parent waits up to ``--worker-fork-timeout`` (30 s by default) for its worker
processes to report ready, with its signals blocked; a worker killed before that moment used to
keep the parent (and so the restart) waiting the full 30 s.
"""

from __future__ import annotations

import os
import signal
import subprocess

from tests.conftest import start_worker, stop_process_group
from tests.system.stack import children, is_alive, wait_until


def test_a_worker_process_killed_at_boot_ends_the_worker_command_promptly() -> None:
    # Given a worker command whose worker process has just been forked
    worker = start_worker()
    try:
        child = wait_until(lambda: children(worker.pid), 30, "a Dramatiq worker process", 0.01)[0]

        # When that process is killed before it is ready
        os.kill(child, signal.SIGKILL)

        # I expect the command to exit (so that its supervisor restarts it) well before the
        # 30 s readiness timeout
        try:
            code = worker.wait(10)
        except subprocess.TimeoutExpired:
            raise AssertionError("the worker command still waits on its dead process") from None
        assert code != 0
    finally:
        stop_process_group(worker)


def test_a_worker_command_asked_to_stop_while_booting_stops_with_its_processes() -> None:
    worker = start_worker()
    try:
        child = wait_until(lambda: children(worker.pid), 30, "a Dramatiq worker process", 0.01)[0]

        worker.send_signal(signal.SIGTERM)

        worker.wait(60)
        wait_until(lambda: not is_alive(child), 10, "the worker process gone with its command")
    finally:
        stop_process_group(worker)
