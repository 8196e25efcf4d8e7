"""The composition root: builds the engine services of every process (API, worker, scheduler,
tests) from settings, so nothing else wires the database, the broker and the event hooks."""

from __future__ import annotations

import threading

import redis.asyncio as aioredis

from kyra.db.engine import create_engine, create_session_factory
from kyra.engine.dispatch import Dispatcher
from kyra.engine.hooks import HookChain, RedisEventsHook
from kyra.engine.services import EngineServices
from kyra.masking import install_log_masking
from kyra.registry import default_registry
from kyra.settings import Settings
from kyra.worker.dispatcher import DramatiqDispatcher


def warm_sandbox(choice: str) -> None:
    """Probe the code sandbox in the background now rather than at the first code node (the
    wasm backend compiles its runtime on a machine's first probe)."""
    from kyra.sandbox import sandbox_backend

    threading.Thread(target=sandbox_backend, args=(choice,), daemon=True).start()


def build_services(settings: Settings, *, dispatcher: Dispatcher | None = None) -> EngineServices:
    """Engine services for one process: database, registry, queue sender and run events."""
    install_log_masking()
    warm_sandbox(settings.code_sandbox)
    events = aioredis.Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
    )
    return EngineServices(
        settings=settings,
        registry=default_registry(),
        session_factory=create_session_factory(create_engine(settings.database_url)),
        hooks=HookChain([RedisEventsHook(events)]),
        dispatcher=dispatcher or DramatiqDispatcher(settings),
    )
