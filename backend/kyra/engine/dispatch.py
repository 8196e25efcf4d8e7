"""How the engine hands work to workers; the queue implementation lives in ``kyra.worker``.

Messages carry ids only, and each message is named after the row it is about, so the reaper
can ask which rows still have a message waiting. Sending never blocks the caller's event loop
and never raises for an unreachable broker: the row is committed first (the outbox), and a
message that could not be sent is sent again by the reaper.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class QueueStats:
    """The queue's backlog as the broker sees it."""

    #: Messages waiting to be picked up.
    waiting: int
    #: Messages waiting for a later time (retries with backoff).
    delayed: int
    #: Messages a worker gave up on (dead-lettered); their runs are recovered by the reaper.
    dead: int
    #: Age in seconds of the oldest waiting message.
    oldest_age_s: float | None
    #: Backlog beyond which new queue runs are refused (0: none).
    limit: int


class Dispatcher(Protocol):
    """Sends ids (never payloads) to whoever executes queue-mode runs."""

    #: The queue this dispatcher sends to (stored on the runs it starts).
    queue_name: str

    async def advance_run(self, run_id: uuid.UUID) -> bool:
        """Ask a worker to schedule the run's next nodes; False if it could not be sent now."""

    async def execute_node(self, node_run_id: uuid.UUID, *, delay_s: float = 0.0) -> bool:
        """Ask a worker to execute one node run, optionally later; False if not sent now."""

    async def waiting(self, row_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """The rows among ``row_ids`` whose message is still waiting or being processed."""

    async def repair(self) -> None:
        """Give the messages held by dead workers back to the queue."""

    async def stats(self) -> QueueStats:
        """The backlog (queue depth, delayed and dead messages, oldest message age)."""

    async def check_capacity(self) -> None:
        """Raise :class:`~kyra.errors.QueueFullError` when the backlog is over its limit."""

    def close(self) -> None:
        """Release connections and threads."""
