"""``GET /health/ready``: every readiness check, each present only when it could be made."""

from __future__ import annotations

from typing import Any, Literal

from kyra.api.schemas.base import Omitted, ReadModel
from kyra.api.schemas.system import QueueRead

__all__ = ["ReadinessRead"]


class CheckRead(ReadModel):
    """A dependency: ``ok`` or ``unavailable``, with the exception's class name when down."""

    status: str
    error: str | None = Omitted("The exception's class name, when the check failed")


class MigrationsCheck(ReadModel):
    """``pending`` while the database is not at the revisions this code expects."""

    status: Literal["ok", "pending"]
    current: list[str]
    expected: list[str]


class BrokerCheck(CheckRead):
    queue: QueueRead | None = Omitted("The queue's backlog, when this process has a queue")


class WorkersCheck(ReadModel):
    """Workers that beat recently; ``unavailable`` with none when a worker is required."""

    status: str
    alive: int


class LeasesRead(ReadModel):
    """Node runs and sync runs currently owned by a live process."""

    node_runs: int
    sync_runs: int


class ReadinessChecks(ReadModel):
    database: CheckRead
    migrations: MigrationsCheck | None = Omitted("When the database answered")
    broker: BrokerCheck
    workers: WorkersCheck | None = Omitted("When Redis answered")
    leases: LeasesRead | None = Omitted("When the database answered")


class ReadinessRead(ReadModel):
    """``ready`` only when every check is ``ok``."""

    status: Literal["ready", "unavailable"]
    checks: ReadinessChecks

    @classmethod
    def of(cls, body: dict[str, Any]) -> ReadinessRead:
        """The model of ``kyra.api.readiness.readiness(...)``'s body."""
        return cls.model_validate(body)
