"""Build the Redis broker and its middleware from settings (no module-global default broker)."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware import AsyncIO

from kyra.settings import Settings


def build_broker(settings: Settings) -> RedisBroker:
    """A Redis broker with asyncio actors; our own leases handle retries and crashes."""
    if not settings.redis_url:
        raise RuntimeError(
            "REDIS_URL is not set: start `kyra up` or point REDIS_URL at a Redis server"
        )
    broker = RedisBroker(url=settings.redis_url, namespace="kyra")
    broker.add_middleware(AsyncIO())
    from kyra.worker.runtime import StartRuntime

    broker.add_middleware(StartRuntime())
    dramatiq.set_broker(broker)
    return broker
