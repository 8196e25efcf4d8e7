"""Inline runs executing in this process, and how to cancel one of them.

Cancelling stops the node attempts in flight; the run then ends as ``cancelled`` with the
records of what ran (the nodes that finished, and the interrupted ones as cancelled), and the
client waiting for it gets that run, not an error.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class InlineControl:
    """The node tasks of one inline run, so that a cancel reaches exactly them."""

    cancelled: bool = False
    tasks: set[asyncio.Future[Any]] = field(default_factory=set)

    def cancel(self) -> None:
        self.cancelled = True
        for task in self.tasks:
            task.cancel()


_running: dict[uuid.UUID, InlineControl] = {}


def register(run_id: uuid.UUID) -> InlineControl:
    control = _running[run_id] = InlineControl()
    return control


def unregister(run_id: uuid.UUID) -> None:
    _running.pop(run_id, None)


def cancel_inline(run_id: uuid.UUID) -> bool:
    """Cancel an inline run executing in this process; False if it is not here."""
    control = _running.get(run_id)
    if control is None:
        return False
    control.cancel()
    return True
