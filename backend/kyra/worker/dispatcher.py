"""Sending engine work as Dramatiq messages, off the event loop, each named after its row."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

import redis
from dramatiq.brokers.redis import MAINTENANCE_SCALE
from dramatiq.common import dq_name, xq_name
from dramatiq.message import Message

from kyra.engine.dispatch import QueueStats
from kyra.errors import QueueFullError
from kyra.settings import Settings
from kyra.worker.broker import NAMESPACE, KyraRedisBroker, build_broker

#: Actor names (the actors themselves live in :mod:`kyra.worker.actors`).
ADVANCE_RUN = "advance_run"
EXECUTE_NODE = "execute_node"
#: How long a queue depth read for the capacity check is reused.
_CAPACITY_TTL_S = 1.0
#: After a failed Redis call, calls fail at once for this long (a frozen Redis costs one
#: timeout per interval, not one per request).
_BACKOFF_S = 2.0

_log = logging.getLogger("kyra.worker")
T = TypeVar("T")


class DramatiqDispatcher:
    """The engine's :class:`~kyra.engine.dispatch.Dispatcher` on a Dramatiq Redis broker.

    Redis calls run on a small thread pool with a deadline, so a slow or frozen Redis never
    blocks the event loop; a send that fails is logged and left to the reaper.

    Args:
        settings: the Redis URL, queue name, timeouts and backlog limit.
        queue_name: send to this queue instead of the settings' one (tests isolate workers).
    """

    def __init__(self, settings: Settings, *, queue_name: str | None = None) -> None:
        self.settings = settings
        self.queue_name = queue_name or settings.queue_name
        self.broker: KyraRedisBroker = build_broker(settings)
        self._threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kyra-send")
        self._depth: tuple[float, int] = (0.0, 0)
        self._repairer: KyraRedisBroker | None = None
        self._down_until = 0.0

    def for_queue(self, queue_name: str) -> DramatiqDispatcher:
        return DramatiqDispatcher(self.settings, queue_name=queue_name)

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if time.monotonic() < self._down_until:
            raise TimeoutError("Redis did not answer moments ago")
        loop = asyncio.get_running_loop()
        call = loop.run_in_executor(self._threads, partial(fn, *args, **kwargs))
        try:
            return await asyncio.wait_for(call, self.settings.redis_timeout_seconds)
        except (TimeoutError, redis.RedisError):
            self._down_until = time.monotonic() + _BACKOFF_S
            raise

    async def _send(self, actor_name: str, row_id: uuid.UUID, delay_s: float = 0.0) -> bool:
        message: Message[Any] = Message(
            queue_name=self.queue_name,
            actor_name=actor_name,
            args=(str(row_id),),
            kwargs={},
            options={"redis_message_id": str(row_id)},
        )
        delay = int(delay_s * 1000) or None
        try:
            await self._call(self.broker.enqueue, message, delay=delay)
        except (TimeoutError, redis.RedisError) as exc:
            _log.warning("%s %s not sent (%r); the reaper sends it later", actor_name, row_id, exc)
            return False
        return True

    async def advance_run(self, run_id: uuid.UUID) -> bool:
        return await self._send(ADVANCE_RUN, run_id)

    async def execute_node(self, node_run_id: uuid.UUID, *, delay_s: float = 0.0) -> bool:
        return await self._send(EXECUTE_NODE, node_run_id, delay_s)

    def _key(self, queue_name: str) -> str:
        return f"{NAMESPACE}:{queue_name}"

    def _waiting(self, row_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        queues = (self.queue_name, dq_name(self.queue_name))
        hashes = [f"{self._key(name)}.msgs" for name in queues]
        pipe = self.broker.client.pipeline(transaction=False)
        for row_id in row_ids:
            for name in hashes:
                pipe.hexists(name, str(row_id))
        found = pipe.execute()
        return {row_id for i, row_id in enumerate(row_ids) if found[2 * i] or found[2 * i + 1]}

    async def waiting(self, row_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        if not row_ids:
            return set()
        return await self._call(self._waiting, list(row_ids))

    async def repair(self) -> None:
        # Dramatiq gives back the messages of consumers whose heartbeat stopped, but only on a
        # random one in a thousand calls; a broker that always does it runs that step now.
        if self._repairer is None:
            self._repairer = build_broker(self.settings, maintenance_chance=MAINTENANCE_SCALE)
        for queue_name in (self.queue_name, dq_name(self.queue_name)):
            await self._call(self._repairer.do_requeue, queue_name)

    def _stats(self) -> QueueStats:
        client = self.broker.client
        main = self._key(self.queue_name)
        pipe = client.pipeline(transaction=False)
        pipe.llen(main)
        pipe.hlen(f"{self._key(dq_name(self.queue_name))}.msgs")
        pipe.zcard(self._key(xq_name(self.queue_name)))
        pipe.lindex(main, 0)
        waiting, delayed, dead, first = pipe.execute()
        oldest = None
        data = client.hget(f"{main}.msgs", first) if first is not None else None
        if data is not None:
            oldest = max(0.0, time.time() - Message.decode(data).message_timestamp / 1000)
        return QueueStats(waiting, delayed, dead, oldest, self.settings.max_queue_backlog)

    async def stats(self) -> QueueStats:
        return await self._call(self._stats)

    async def check_capacity(self) -> None:
        limit = self.settings.max_queue_backlog
        if not limit:
            return
        read_at, depth = self._depth
        now = time.monotonic()
        if now - read_at > _CAPACITY_TTL_S:
            try:
                depth = await self._call(self.broker.client.llen, self._key(self.queue_name))
            except (TimeoutError, redis.RedisError):
                depth = 0  # unknown: accept, the run is committed and the reaper delivers it
            self._depth = (now, depth)
        if depth > limit:
            raise QueueFullError(
                f"the queue holds {depth} waiting messages, more than its limit of {limit}; "
                f"retry in {QueueFullError.retry_after_s} s"
            )

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        for broker in (self.broker, self._repairer):
            if broker is not None:
                broker.client.close()
