"""Run child processes, restart the ones that die, and stop them all on request.

Each child leads its own process group, so a terminal's Ctrl-C reaches only ``kyra up`` (which then
stops the children in order) and a child's own subprocesses (Dramatiq's worker processes) can be
killed with it. Children also get SIGTERM if ``kyra up`` itself is killed (Linux parent-death
signal), so nothing outlives it.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from kyra.cli.errors import CliError

log = logging.getLogger("kyra.up")

_PR_SET_PDEATHSIG = 1


class CrashLoopError(CliError):
    """A child died too often in a short time: something is wrong beyond a restart."""


@dataclass
class Child:
    name: str
    argv: list[str]
    proc: subprocess.Popen[bytes] | None = None
    crashes: deque[float] = field(default_factory=deque)
    restart_at: float | None = None


class Supervisor:
    """Keeps ``children`` running.

    Args:
        children: started in order by :meth:`start`.
        env: the environment of every child.
        max_crashes: unexpected exits within ``crash_window`` seconds that end supervision.
        backoff: first pause before a restart; doubled per recent crash, up to 8 times as long.
    """

    def __init__(
        self,
        children: list[Child],
        *,
        env: Mapping[str, str],
        max_crashes: int = 5,
        crash_window: float = 60.0,
        backoff: float = 1.0,
    ) -> None:
        self.children = children
        self.env = dict(env)
        self.max_crashes = max_crashes
        self.crash_window = crash_window
        self.backoff = backoff

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def poll(self) -> None:
        """Restart children that died; raises CrashLoopError when one keeps dying."""
        now = time.monotonic()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    self._spawn(child)
                continue
            code = child.proc.poll() if child.proc else None
            if code is None:
                continue
            _kill_group(child)
            while child.crashes and now - child.crashes[0] > self.crash_window:
                child.crashes.popleft()
            child.crashes.append(now)
            if len(child.crashes) >= self.max_crashes:
                raise CrashLoopError(
                    f"{child.name} exited {len(child.crashes)} times within "
                    f"{self.crash_window:.0f} s (last exit code {code}); giving up"
                )
            delay = self.backoff * min(2 ** (len(child.crashes) - 1), 8)
            log.warning("%s exited with code %s; restarting in %.0f s", child.name, code, delay)
            child.restart_at = now + delay

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every child, wait up to ``timeout`` seconds, then SIGKILL what is left."""
        running = [c for c in self.children if c.proc and c.proc.poll() is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.proc.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        deadline = time.monotonic() + timeout
        for child in running:
            try:
                child.proc.wait(max(deadline - time.monotonic(), 0.1))  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop within %.0f s; killing it", child.name, timeout)
        for child in self.children:
            _kill_group(child)
            if child.proc:
                child.proc.wait()
            child.restart_at = None

    def _spawn(self, child: Child) -> None:
        child.restart_at = None
        child.proc = subprocess.Popen(
            child.argv, env=self.env, start_new_session=True, preexec_fn=_die_with_parent
        )
        log.info("started %s (pid %d)", child.name, child.proc.pid)


def _kill_group(child: Child) -> None:
    # Leftovers of a child's group (e.g. Dramatiq workers whose parent died) go with it.
    if child.proc is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.proc.pid, signal.SIGKILL)


def _die_with_parent() -> None:
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
