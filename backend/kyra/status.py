"""Run and node-run statuses and modes: one enum each, used by the scheduler, engine, API and
the web app (``frontend/src/api/types.ts`` mirrors them; a test keeps the two in step)."""

from __future__ import annotations

from enum import StrEnum


class RunMode(StrEnum):
    """Where a run executes: inline in the API process, or on the queue's workers."""

    sync = "sync"
    queue = "queue"


class RunStatus(StrEnum):
    queued = "queued"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


class NodeRunStatus(StrEnum):
    queued = "queued"
    running = "running"
    paused = "paused"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    skipped = "skipped"


#: A run in one of these will not change any more.
TERMINAL_RUN = frozenset({RunStatus.succeeded, RunStatus.failed, RunStatus.cancelled})
#: A run in one of these is being executed (or waits to be).
LIVE_RUN = frozenset({RunStatus.queued, RunStatus.running})
#: A node run in one of these will not change any more.
TERMINAL_NODE = frozenset(
    {NodeRunStatus.succeeded, NodeRunStatus.failed, NodeRunStatus.cancelled, NodeRunStatus.skipped}
)
