"""Per-process worker state: engine services built on the actors' event loop, and the reaper."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from types import FrameType
from typing import Any

from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from kyra.engine.queue import reap
from kyra.engine.services import EngineServices
from kyra.settings import get_settings
from kyra.wiring import build_services, freeze_start_up_heap

_log = logging.getLogger("kyra.worker")
#: A SIGTERM this soon after the first is the same stop delivered twice.
_REPEATED_STOP_S = 5.0


class WorkerRuntime:
    """Lazily builds services inside the worker's event loop and starts the reaper there."""

    def __init__(self) -> None:
        self._services: EngineServices | None = None
        self._lock: asyncio.Lock | None = None
        self._reaper: asyncio.Task[None] | None = None
        self._closing = False

    async def services(self) -> EngineServices:
        if self._services is None:
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                if self._services is None:
                    self._services = build_services(get_settings())
                    freeze_start_up_heap()
                    self._reaper = asyncio.create_task(self._reap_forever(self._services))
        return self._services

    @property
    def worker_id(self) -> str:
        """Names this process as the owner of node-run leases."""
        assert self._services is not None
        return self._services.instance_id

    async def close(self) -> None:
        """Stop the reaper and release the services (the worker is shutting down)."""
        self._closing = True
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        if self._services is not None:
            await self._services.close()

    async def _reap_forever(self, services: EngineServices) -> None:
        interval = services.settings.reaper_interval_seconds
        # The flag ends the loop even when a cancel is lost inside a pass (asyncio.wait_for
        # can swallow one), so the services are never used after they were closed.
        while not self._closing:
            try:
                await reap(services)
            except Exception:
                _log.exception("reaper pass failed")
            await asyncio.sleep(interval)


runtime = WorkerRuntime()


class StartRuntime(Middleware):
    """Builds the services and starts the reaper as soon as a worker process boots, and stops
    them before it shuts down.

    Without this, a worker restarted after a crash would reap nothing until a message arrived.
    """

    def after_process_boot(self, broker: Any) -> None:
        # A stop sent to the whole process group (systemd's default, `kill -- -<pgid>`) reaches a
        # worker process twice: directly, and forwarded by Dramatiq's main process. Dramatiq
        # takes a second SIGTERM as "exit now", which skips the orderly stop and leaves the
        # process hanging on its consumer threads; the copy arriving moments later is ignored.
        stop = signal.getsignal(signal.SIGTERM)
        first: list[float] = []

        def stop_once(signum: int, frame: FrameType | None) -> None:
            if first and time.monotonic() - first[0] < _REPEATED_STOP_S:
                return
            first.append(time.monotonic())
            if callable(stop):
                stop(signum, frame)

        signal.signal(signal.SIGTERM, stop_once)

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            asyncio.run_coroutine_threadsafe(runtime.services(), loop_thread.loop)

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            closing = asyncio.run_coroutine_threadsafe(runtime.close(), loop_thread.loop)
            with contextlib.suppress(Exception):
                closing.result(timeout=5)
