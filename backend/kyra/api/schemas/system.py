"""Health, queue and identity answers."""

from __future__ import annotations

import uuid
from typing import Literal

from kyra.api.schemas.base import Omitted, ReadModel

__all__ = ["HealthRead", "Identity", "QueueRead"]

Availability = Literal["ok", "unavailable"]


class HealthRead(ReadModel):
    """Whether this API can serve: ``status`` is ``ok`` only when the database and Redis are."""

    status: Availability
    database: Availability
    redis: Availability
    code_sandbox: str
    processes: dict[str, str] | None = Omitted("Under `kyra up`: each process and its state")


class QueueRead(ReadModel):
    """The queue's backlog; ``limit`` 0 means no backlog limit."""

    waiting: int
    delayed: int
    dead: int
    oldest_age_s: float | None
    limit: int


class Identity(ReadModel):
    """Who the API key belongs to."""

    user_id: uuid.UUID
    name: str
    is_admin: bool
    #: ``admin`` or ``member``.
    role: str
