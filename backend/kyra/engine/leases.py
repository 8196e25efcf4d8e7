"""Leases of the sync runs this process stored while they run.

A sync run is executed in memory by one API process. When its row is stored before it ends
(an idempotency key claimed it, or a webhook handed out its id), that process owns the row for
``lease_seconds`` and renews it while the run goes on. If the process dies, or cannot record the
result, the lease expires and the reaper fails the run with a clear error, so every stored run
reaches a terminal state. A renewal that finds the run cancelled by another process (or its
lease taken) stops the local execution.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING

from kyra.db.queries import runs as run_queries
from kyra.engine.inflight import cancel_inline

if TYPE_CHECKING:
    from kyra.engine.services import EngineServices

_log = logging.getLogger("kyra.engine")


class SyncRunLeases:
    """Renews the leases of the stored sync runs executing in this process."""

    def __init__(self, services: EngineServices) -> None:
        self.services = services
        self._held: set[uuid.UUID] = set()
        self._task: asyncio.Task[None] | None = None

    @property
    def owner(self) -> str:
        return self.services.instance_id

    def hold(self, run_id: uuid.UUID) -> None:
        """Keep renewing ``run_id``'s lease (its row was stored with this process as owner)."""
        self._held.add(run_id)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._renew_forever())

    def release(self, run_id: uuid.UUID) -> None:
        self._held.discard(run_id)

    async def renew(self) -> None:
        """Extend every held lease; stop the runs cancelled elsewhere or no longer ours."""
        held = list(self._held)
        if not held:
            return
        settings = self.services.settings
        async with self.services.session_factory() as session, session.begin():
            statuses = await run_queries.renew_run_leases(
                session, held, owner=self.owner, lease_seconds=settings.lease_seconds
            )
        for run_id in held:
            if statuses.get(run_id, "lost") in ("cancelled", "lost") and run_id in self._held:
                cancel_inline(run_id)

    async def _renew_forever(self) -> None:
        settings = self.services.settings
        interval = min(settings.reaper_interval_seconds, settings.lease_seconds / 3)
        while self._held:
            await asyncio.sleep(interval)
            try:
                await self.renew()
            except Exception:
                _log.warning("renewing sync run leases failed", exc_info=True)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
