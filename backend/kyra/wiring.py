"""The composition root: builds the engine services of every process (API, worker, scheduler,
tests) from settings, so nothing else wires the database, the broker and the event hooks."""

from __future__ import annotations

import gc
import threading

import redis.asyncio as aioredis

from kyra.agents.host import EngineAgentHost
from kyra.channels.replies import ChannelReplies
from kyra.db.engine import create_engine, create_session_factory
from kyra.engine.dispatch import Dispatcher
from kyra.engine.services import EngineServices
from kyra.hooks import HookChain, RedisEventsHook
from kyra.masking import install_log_masking
from kyra.messaging.dispatcher import DramatiqDispatcher
from kyra.observability.logs import LogContextHook, configure_logging
from kyra.observability.metrics import MetricsHook, setup_metrics
from kyra.observability.tracing import TracingHook, setup_tracing
from kyra.registry import default_registry
from kyra.settings import Settings


def warm_sandbox(choice: str) -> None:
    """Probe the code sandbox in the background now rather than at the first code node (the
    wasm backend compiles its runtime on a machine's first probe)."""
    from kyra.sandbox import sandbox_backend

    threading.Thread(target=sandbox_backend, args=(choice,), daemon=True).start()


def freeze_start_up_heap() -> None:
    """Exempt everything loaded so far from the cyclic collector's full passes.

    A long-lived process (the API, a worker) keeps its modules, registry and app for good;
    walking those hundreds of thousands of objects in every full collection cost a worker
    about 3% of its CPU and shows as latency spikes under load. Called once, after start-up.
    """
    gc.collect()
    gc.freeze()


def build_services(settings: Settings, *, dispatcher: Dispatcher | None = None) -> EngineServices:
    """Engine services for one process: database, registry, queue sender, run events,
    channel replies, metrics, traces and structured logs."""
    install_log_masking()
    configure_logging(settings)
    setup_metrics(settings)
    setup_tracing(settings)
    warm_sandbox(settings.code_sandbox)
    events = aioredis.Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
    )
    hooks = HookChain([RedisEventsHook(events), MetricsHook(), TracingHook(), LogContextHook()])
    services = EngineServices(
        settings=settings,
        registry=default_registry(),
        session_factory=create_session_factory(create_engine(settings.database_url)),
        hooks=hooks,
        dispatcher=dispatcher or DramatiqDispatcher(settings),
        agent_host=EngineAgentHost(),
    )
    hooks.add(ChannelReplies(services))
    return services
