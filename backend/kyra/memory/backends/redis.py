"""``redis``: session windows in Redis, shared by every API and worker process.

Per session, a list of messages and a list of the keys already appended; per agent, a sorted
set of its sessions by last use. An append is one Lua script, so concurrent appends from
several processes never interleave a message with another's trim.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis

from kyra.memory.backends import register_backend
from kyra.memory.backends.base import BackendResources, SessionInfo

#: Keys remembered per session to skip repeated appends (a resumed step).
_KEYS_KEPT = 1000

_APPEND = """
local messages, keys, index = KEYS[1], KEYS[2], KEYS[3]
local window, now, session = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
for i = 4, #ARGV, 2 do
  if not redis.call('LPOS', keys, ARGV[i]) then
    redis.call('RPUSH', keys, ARGV[i])
    redis.call('RPUSH', messages, ARGV[i + 1])
  end
end
redis.call('LTRIM', keys, -KEEP, -1)
if window > 0 then redis.call('LTRIM', messages, -window, -1) else redis.call('DEL', messages) end
redis.call('ZADD', index, now, session)
return redis.call('LLEN', messages)
""".replace("KEEP", str(_KEYS_KEPT))


def _prefix(agent_id: uuid.UUID) -> str:
    return f"kyra:memory:{agent_id}"


@register_backend("redis", role="short")
class RedisWindow:
    """Windows in the Redis of ``REDIS_URL`` (the broker's)."""

    def __init__(self, resources: BackendResources) -> None:
        self._redis = aioredis.Redis.from_url(resources.settings.redis_url)
        self._append = self._redis.register_script(_APPEND)

    def _keys(self, agent_id: uuid.UUID, session_id: str) -> list[str]:
        base = f"{_prefix(agent_id)}:session:{session_id}"
        return [f"{base}:messages", f"{base}:keys", f"{_prefix(agent_id)}:sessions"]

    async def load(self, agent_id: uuid.UUID, session_id: str, limit: int) -> list[dict[str, Any]]:
        if limit <= 0:
            return []
        raw = await self._redis.lrange(self._keys(agent_id, session_id)[0], -limit, -1)
        return [json.loads(item) for item in raw]

    async def append(
        self,
        agent_id: uuid.UUID,
        session_id: str,
        entries: list[tuple[str, dict[str, Any]]],
        *,
        window: int,
    ) -> None:
        pairs: list[str] = []
        for key, message in entries:
            pairs += [key, json.dumps(message, default=str)]
        await self._append(
            keys=self._keys(agent_id, session_id), args=[window, time.time(), session_id, *pairs]
        )

    async def sessions(self, agent_id: uuid.UUID) -> list[SessionInfo]:
        index = f"{_prefix(agent_id)}:sessions"
        found: list[Any] = await self._redis.zrevrange(index, 0, -1, withscores=True)
        infos = []
        for raw, score in found:
            session_id = raw.decode()
            count = await self._redis.llen(self._keys(agent_id, session_id)[0])
            infos.append(SessionInfo(session_id, count, datetime.fromtimestamp(score, UTC)))
        return infos

    async def clear(self, agent_id: uuid.UUID, session_id: str | None = None) -> None:
        index = f"{_prefix(agent_id)}:sessions"
        if session_id is not None:
            await self._redis.delete(*self._keys(agent_id, session_id)[:2])
            await self._redis.zrem(index, session_id)
            return
        members: list[Any] = await self._redis.zrange(index, 0, -1)
        for raw in members:
            await self._redis.delete(*self._keys(agent_id, raw.decode())[:2])
        await self._redis.delete(index)

    async def close(self) -> None:
        await self._redis.aclose()
