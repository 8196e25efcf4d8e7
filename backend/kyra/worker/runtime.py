"""Per-process worker state: engine services built on the actors' event loop, and the reaper."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from typing import Any

from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from kyra.engine.services import EngineServices

_log = logging.getLogger("kyra.worker")


class DramatiqDispatcher:
    """Sends engine work as Dramatiq messages carrying ids only.

    Args:
        queue_name: queue to send to; the actors' own queue (from settings) when None.
    """

    def __init__(self, queue_name: str | None = None) -> None:
        self.queue_name = queue_name

    def _send(self, actor: Any, argument: str, delay_s: float = 0.0) -> None:
        message = actor.message(argument)
        if self.queue_name:
            message = message.copy(queue_name=self.queue_name)
        delay = int(delay_s * 1000) or None
        actor.broker.enqueue(message, delay=delay)

    def advance_run(self, run_id: uuid.UUID) -> None:
        from kyra.worker.actors import advance_run

        self._send(advance_run, str(run_id))

    def execute_node(self, node_run_id: uuid.UUID, *, delay_s: float = 0.0) -> None:
        from kyra.worker.actors import execute_node

        self._send(execute_node, str(node_run_id), delay_s)


def warm_sandbox(choice: str) -> None:
    """Probe the code sandbox in the background now rather than at the first code node (the
    wasm backend compiles its runtime on a machine's first probe)."""
    from kyra.sandbox import sandbox_backend

    threading.Thread(target=sandbox_backend, args=(choice,), daemon=True).start()


async def build_services(settings: Any, *, dispatcher: Any) -> EngineServices:
    """Engine services for a process: DB engine, registry, Redis events hook."""
    import redis.asyncio as aioredis

    from kyra.db.engine import create_engine, create_session_factory
    from kyra.engine.hooks import HookChain, RedisEventsHook
    from kyra.registry import default_registry

    engine = create_engine(settings.database_url)
    hooks = HookChain([RedisEventsHook(aioredis.Redis.from_url(settings.redis_url))])
    warm_sandbox(settings.code_sandbox)
    return EngineServices(
        settings=settings,
        registry=default_registry(),
        session_factory=create_session_factory(engine),
        hooks=hooks,
        dispatcher=dispatcher,
    )


class WorkerRuntime:
    """Lazily builds services inside the worker's event loop and starts the reaper there."""

    def __init__(self) -> None:
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._services: EngineServices | None = None
        self._lock: asyncio.Lock | None = None
        self._reaper: asyncio.Task[None] | None = None

    async def services(self) -> EngineServices:
        if self._services is None:
            self._lock = self._lock or asyncio.Lock()
            async with self._lock:
                if self._services is None:
                    from kyra.settings import get_settings

                    settings = get_settings()
                    self._services = await build_services(settings, dispatcher=DramatiqDispatcher())
                    self._reaper = asyncio.create_task(self._reap_forever())
        return self._services

    async def _reap_forever(self) -> None:
        from kyra.engine.queue import reap

        assert self._services is not None
        interval = self._services.settings.reaper_interval_seconds
        while True:
            try:
                await reap(self._services)
            except Exception:
                _log.exception("reaper pass failed")
            await asyncio.sleep(interval)


runtime = WorkerRuntime()


class StartRuntime(Middleware):
    """Builds the services and starts the reaper as soon as a worker process boots.

    Without this, a worker restarted after a crash would reap nothing until a message arrived.
    """

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            asyncio.run_coroutine_threadsafe(runtime.services(), loop_thread.loop)
