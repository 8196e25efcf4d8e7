"""Run child processes, restart the ones that die (forever, with backoff), stop them on request.

A crash loop in one child never stops the others: the worker crashing at boot leaves the API,
PostgreSQL and Redis serving, and the child is retried with exponential backoff (capped) until
it stays up. What each child is doing is reported through ``on_change`` (``kyra up`` writes it
to the data folder for the API to read, see :mod:`kyra.infra.supervision`).

Each command child leads its own process group, so a terminal's Ctrl-C reaches only ``kyra up``
(which then stops the children in order) and a child's own subprocesses (Dramatiq's worker
processes) can be killed with it. Children also get SIGTERM if ``kyra up`` itself is killed
(Linux parent-death signal), so nothing outlives it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from kyra.infra.embedded import die_with_parent
from kyra.infra.supervision import ProcessState, ProcessStatus, Supervision

log = logging.getLogger("kyra.up")

#: Consecutive crashes after which each further one is logged as an error, not a warning.
LOUD_AFTER = 3


class Runnable(Protocol):
    """A process the supervisor can start, watch and stop (a command or an embedded server)."""

    @property
    def pid(self) -> int | None: ...

    def start(self) -> object:
        """Start it; for servers, return once they accept connections."""

    def poll(self) -> int | None:
        """None while it runs, else its exit code."""

    def terminate(self) -> None:
        """Ask it to stop cleanly."""

    def wait(self, timeout: float) -> bool:
        """True once it has exited."""

    def kill(self) -> None:
        """SIGKILL it and whatever is left of its process group."""


class Command:
    """A program run as a child in its own process group, dying with ``kyra up``."""

    def __init__(self, argv: list[str], *, env: Mapping[str, str]) -> None:
        self.argv = argv
        self.env = dict(env)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.argv, env=self.env, start_new_session=True, preexec_fn=die_with_parent
        )

    def poll(self) -> int | None:
        return self.proc.poll() if self.proc else 0

    def terminate(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> bool:
        if self.proc is None:
            return True
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        # Leftovers of the group (e.g. Dramatiq workers whose parent died) go with it.
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@dataclass(frozen=True)
class RestartPolicy:
    """How long to wait before restarting a child that exited unexpectedly.

    Args:
        backoff: pause before the first restart; doubled per crash in a row.
        max_backoff: the longest pause; a child is retried at least this often, forever.
        stable_after: a child that ran this long before exiting starts its count afresh (it
            crashed at run time, not at boot: restart it soon).
    """

    backoff: float = 1.0
    max_backoff: float = 30.0
    stable_after: float = 30.0

    def delay(self, crashes_in_a_row: int) -> float:
        exponent = min(max(crashes_in_a_row - 1, 0), 32)  # no float overflow in long loops
        return float(min(self.backoff * 2**exponent, self.max_backoff))


@dataclass
class Child:
    """A supervised process and its restart bookkeeping (times from the supervisor's clock)."""

    name: str
    process: Runnable
    state: ProcessState = "stopped"
    started_at: float = 0.0
    crashes_in_a_row: int = 0
    restarts: int = 0
    last_exit_code: int | None = None
    last_exit_at: float | None = None
    restart_at: float | None = None
    #: Children started by one :meth:`Supervisor.start` call stop together, newest batch first.
    batch: int = field(default=0, repr=False)


class Supervisor:
    """Keeps children running.

    Args:
        policy: restart backoff.
        clock: monotonic seconds (tests pass a fake one).
        on_change: called with the new state whenever a child starts, exits or is stopped.
    """

    def __init__(
        self,
        *,
        policy: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[Supervision], None] | None = None,
    ) -> None:
        self.policy = policy or RestartPolicy()
        self.clock = clock
        self.on_change = on_change
        self.children: list[Child] = []

    def start(self, children: list[Child]) -> None:
        """Start ``children`` in order; a failure to start here is raised (nothing runs yet)."""
        batch = 1 + max((c.batch for c in self.children), default=0)
        for child in children:
            child.batch = batch
            self.children.append(child)
            self._launch(child)
        self._report()

    def poll(self) -> None:
        """Notice exits and schedule restarts; start children whose backoff is over."""
        now = self.clock()
        changed = False
        for child in self.children:
            if child.state == "restarting" and child.restart_at is not None:
                if now >= child.restart_at:
                    self._restart(child)
                    changed = True
            elif child.state == "running":
                code = child.process.poll()
                if code is not None:
                    self._exited(child, code, now)
                    changed = True
        if changed:
            self._report()

    def stop(self, timeout: float = 15.0) -> None:
        """Stop every child, newest batch first; SIGKILL what is left after ``timeout``."""
        for batch in sorted({c.batch for c in self.children}, reverse=True):
            members = [c for c in self.children if c.batch == batch]
            for child in members:
                child.process.terminate()
            deadline = time.monotonic() + timeout
            for child in members:
                if not child.process.wait(max(deadline - time.monotonic(), 0.1)):
                    log.warning("%s did not stop within %.0f s; killing it", child.name, timeout)
                child.process.kill()
                child.state, child.restart_at = "stopped", None
        self._report()

    def status(self) -> Supervision:
        wall, now = time.time(), self.clock()

        def at(moment: float | None) -> datetime | None:
            if moment is None:
                return None
            return datetime.fromtimestamp(wall, UTC) + timedelta(seconds=moment - now)

        return Supervision(
            supervisor_pid=os.getpid(),
            processes={
                child.name: ProcessStatus(
                    state=child.state,
                    pid=child.process.pid if child.state == "running" else None,
                    restarts=child.restarts,
                    crashes_in_a_row=child.crashes_in_a_row,
                    last_exit_code=child.last_exit_code,
                    last_exit_at=at(child.last_exit_at),
                    next_start_at=at(child.restart_at),
                )
                for child in self.children
            },
        )

    def _launch(self, child: Child) -> None:
        child.process.start()
        child.state, child.started_at, child.restart_at = "running", self.clock(), None
        log.info("started %s (pid %s)", child.name, child.process.pid)

    def _restart(self, child: Child) -> None:
        child.restarts += 1
        try:
            self._launch(child)
        except Exception as exc:  # a server that cannot come back yet: back off again
            child.process.kill()
            log.warning("%s did not start: %s", child.name, exc)
            self._exited(child, None, self.clock())

    def _exited(self, child: Child, code: int | None, now: float) -> None:
        child.process.kill()
        if now - child.started_at >= self.policy.stable_after:
            child.crashes_in_a_row = 0
        child.crashes_in_a_row += 1
        child.last_exit_code, child.last_exit_at = code, now
        delay = self.policy.delay(child.crashes_in_a_row)
        child.state, child.restart_at = "restarting", now + delay
        level = logging.ERROR if child.crashes_in_a_row > LOUD_AFTER else logging.WARNING
        log.log(
            level,
            "%s exited with code %s (%d in a row); restarting in %.0f s",
            child.name, code, child.crashes_in_a_row, delay,
        )  # fmt: skip

    def _report(self) -> None:
        if self.on_change is not None:
            self.on_change(self.status())
