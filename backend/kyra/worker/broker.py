"""The Redis broker, built from settings with no side effect (no global broker is set here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis, dq_name
from dramatiq.message import Message
from dramatiq.middleware import AsyncIO, Middleware

from kyra.settings import Settings

#: Key namespace of Kyra's queues in Redis.
NAMESPACE = "kyra"


class KyraRedisBroker(RedisBroker):
    """Dramatiq's Redis broker, except that a message carrying a ``redis_message_id`` keeps it.

    Kyra names each message after the row it is about (a run or node run id), so the reaper can
    tell a message still waiting in Redis from a lost one, and never sends the same work twice
    while the first message waits.
    """

    def enqueue(self, message: Message[Any], *, delay: int | None = None) -> Message[Any]:
        preset = message.options.get("redis_message_id")
        if preset is None:
            return super().enqueue(message, delay=delay)
        queue_name = message.queue_name
        if delay is not None:
            queue_name = dq_name(queue_name)
            message = message.copy(queue_name=queue_name, options={"eta": current_millis() + delay})
        self.emit_before("enqueue", message, delay)
        self.do_enqueue(queue_name, preset, message.encode())
        self.emit_after("enqueue", message, delay)
        return message


def build_broker(
    settings: Settings,
    *,
    middleware: Sequence[Middleware] = (),
    maintenance_chance: int | None = None,
) -> KyraRedisBroker:
    """A Redis broker running asyncio actors, whose Redis calls time out instead of hanging.

    Args:
        settings: where Redis is and how long a call may take.
        middleware: added after Dramatiq's defaults and asyncio support.
        maintenance_chance: Dramatiq's chance (out of a million) that a call also gives back the
            messages held by dead consumers; the default is Dramatiq's own.
    """
    if not settings.redis_url:
        raise RuntimeError(
            "REDIS_URL is not set: start `kyra up` or point REDIS_URL at a Redis server"
        )
    client = redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
    )
    options: dict[str, Any] = {}
    if maintenance_chance is not None:
        options["maintenance_chance"] = maintenance_chance
    broker = KyraRedisBroker(client=client, namespace=NAMESPACE, **options)
    for extra in (AsyncIO(), *middleware):
        broker.add_middleware(extra)
    return broker
