"""What ``kyra up``'s supervisor says about its processes, written for the API to read.

``kyra up`` rewrites ``<data_dir>/supervision.json`` whenever one of its processes (PostgreSQL,
Redis, the API, the worker, the scheduler) starts, exits or waits for a restart;
:func:`read_supervision` returns it while that ``kyra up`` is alive, so a health endpoint can say
"the worker is restarting" while the API itself keeps serving.
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

_FILE = "supervision.json"

#: ``running``: started and not seen to exit; ``restarting``: exited, waiting out its backoff;
#: ``stopped``: stopped on purpose (shutdown).
ProcessState = Literal["running", "restarting", "stopped"]


class ProcessStatus(BaseModel):
    """One supervised process."""

    state: ProcessState
    pid: int | None = None
    #: Restarts after unexpected exits since ``kyra up`` started.
    restarts: int = 0
    #: Unexpected exits since the process last stayed up long enough to count as stable.
    crashes_in_a_row: int = 0
    last_exit_code: int | None = None
    last_exit_at: datetime | None = None
    #: When a ``restarting`` process is started again.
    next_start_at: datetime | None = None

    @property
    def healthy(self) -> bool:
        return self.state == "running"


class Supervision(BaseModel):
    """Every process one ``kyra up`` supervises, by name (``api``, ``worker``, ``postgres`` …)."""

    supervisor_pid: int
    processes: dict[str, ProcessStatus]

    def unhealthy(self) -> list[str]:
        """Names of the processes that are not running."""
        return [name for name, status in self.processes.items() if not status.healthy]


def write_supervision(data_dir: Path, supervision: Supervision) -> None:
    """Replace the file atomically: readers never see half of it."""
    path = data_dir / _FILE
    tmp = path.with_name(f".{_FILE}.{os.getpid()}")
    tmp.write_text(supervision.model_dump_json(indent=2) + "\n")
    os.replace(tmp, path)


def remove_supervision(data_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (data_dir / _FILE).unlink()


def read_supervision(data_dir: Path) -> Supervision | None:
    """The state of the ``kyra up`` serving ``data_dir``; None when none runs (or no file)."""
    try:
        supervision = Supervision.model_validate_json((data_dir / _FILE).read_bytes())
    except (OSError, ValidationError):
        return None
    return supervision if is_kyra_process(supervision.supervisor_pid) else None


def is_kyra_process(pid: int) -> bool:
    """True when ``pid`` runs and is a Kyra command (a pid file may predate a reboot)."""
    try:
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    try:
        return b"kyra" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): trust the pid
