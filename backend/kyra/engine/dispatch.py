"""How the engine hands work to workers; the queue implementation lives in ``kyra.worker``."""

from __future__ import annotations

import uuid
from typing import Protocol


class Dispatcher(Protocol):
    """Sends ids (never payloads) to whoever executes queue-mode runs."""

    def advance_run(self, run_id: uuid.UUID) -> None:
        """Ask a worker to schedule the run's next nodes."""

    def execute_node(self, node_run_id: uuid.UUID, *, delay_s: float = 0.0) -> None:
        """Ask a worker to execute one node run, optionally later."""
