"""Run events on Redis: one message per run per batch, each run's events in order."""

from __future__ import annotations

import asyncio
import json
import uuid

import redis.asyncio as aioredis

from kyra.hooks import RedisEventsHook, run_channel


async def test_a_batch_sends_each_runs_events_in_order_in_one_message(redis_url: str) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    listener = aioredis.Redis.from_url(redis_url)
    pubsub = listener.pubsub()
    await pubsub.subscribe(run_channel(first), run_channel(second))
    hook = RedisEventsHook(aioredis.Redis.from_url(redis_url))
    try:
        await hook.nodes_changed(first, [{"node_id": "a"}, {"node_id": "b"}])
        await hook.run_changed({"id": str(second), "status": "running"})
        await hook.node_changed(first, {"node_id": "c"})
        messages: dict[str, list[dict[str, object]]] = {}
        async with asyncio.timeout(10):
            while len(messages) < 2:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
                if message is not None:
                    messages[message["channel"].decode()] = json.loads(message["data"])
    finally:
        await hook.close()
        await pubsub.aclose()  # type: ignore[no-untyped-call]  # unannotated in redis-py
        await listener.aclose()
    assert messages[run_channel(first)] == [
        {"event": "node", "data": {"node_id": node}} for node in ("a", "b", "c")
    ]
    assert messages[run_channel(second)] == [
        {"event": "run", "data": {"id": str(second), "status": "running"}}
    ]
