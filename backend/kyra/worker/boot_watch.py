"""End the worker command at once when one of its worker processes dies while it boots.

Dramatiq's CLI waits up to ``--worker-fork-timeout`` (30 s) for each worker process to report
ready, with its signals blocked, and only then watches them. A worker process that dies first
(killed, or failing to import or to reach Redis) left the command waiting those 30 s, and the
restart that would fix things with it. Shortening the timeout is no cure: it is also how long
middleware get to register fork processes. So a thread watches the children until Dramatiq
installs its own signal handlers (its boot is over; it watches them itself from then on).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

#: Exit code when the dead process was killed by a signal (Dramatiq's own RET_KILLED).
RET_KILLED = 1
#: How often the children are checked while Dramatiq boots.
INTERVAL = 0.1
_DEFERRED_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def watch_boot() -> threading.Thread | None:
    """Start the watch (Linux only: it reads /proc); call before Dramatiq's ``main``."""
    if not sys.platform.startswith("linux"):
        return None
    booting = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(
        target=_watch,
        args=(lambda: signal.getsignal(signal.SIGTERM) is booting,),
        name="kyra-boot-watch",
        daemon=True,
    )
    thread.start()
    return thread


def _watch(booting: Callable[[], bool]) -> None:
    # Dramatiq blocks these in its main thread while it boots and handles them afterwards; a
    # thread not blocking them would let the kernel's default action end the command at once.
    signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED_SIGNALS)
    while booting():
        dead = _dead_child()
        if dead is not None:
            pid, code = dead
            sys.stderr.write(
                f"kyra worker: worker process {pid} exited with code {code} while booting; "
                "stopping the other worker processes and exiting\n"
            )
            sys.stderr.flush()
            _kill_children()
            os._exit(code if code > 0 else RET_KILLED)
        time.sleep(INTERVAL)


def _dead_child() -> tuple[int, int] | None:
    """A child that has exited, as (pid, code; minus the signal when killed), left unreaped."""
    try:
        info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return None
    if info is None or info.si_pid == 0:
        return None
    killed = info.si_code in (os.CLD_KILLED, os.CLD_DUMPED)
    return info.si_pid, -info.si_status if killed else info.si_status


def _kill_children() -> None:
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            for pid in (task / "children").read_text().split():
                with contextlib.suppress(OSError):
                    os.kill(int(pid), signal.SIGKILL)
