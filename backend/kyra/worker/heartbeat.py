"""Worker liveness in Redis: each worker process beats into one sorted set per queue, so any
API process (on any machine) can tell whether workers are alive (``GET /health/ready``)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

import redis
from dramatiq.middleware import Middleware

from kyra.messaging.heartbeats import heartbeat_key
from kyra.settings import Settings

_log = logging.getLogger("kyra.worker")
#: Seconds between two beats of one worker process.
BEAT_SECONDS = 2.0


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class WorkerHeartbeat(Middleware):
    """Beats from a daemon thread while the worker process runs; forgets it on shutdown."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker: Any, worker: Any) -> None:
        self._thread = threading.Thread(target=self._beat, name="kyra-heartbeat", daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker: Any, worker: Any) -> None:
        self._stop.set()
        try:
            self._client().zrem(heartbeat_key(self.settings.queue_name), worker_name())
        except redis.RedisError:
            pass

    def _client(self) -> redis.Redis:
        timeout = self.settings.redis_timeout_seconds
        return redis.Redis.from_url(
            self.settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def _beat(self) -> None:
        client = self._client()
        key, name = heartbeat_key(self.settings.queue_name), worker_name()
        while not self._stop.is_set():
            try:
                now = time.time()
                pipe = client.pipeline(transaction=False)
                pipe.zadd(key, {name: now})
                # Forget workers silent for a day, so the set never grows without bound.
                pipe.zremrangebyscore(key, 0, now - 86_400)
                pipe.execute()
            except redis.RedisError as exc:
                _log.warning("worker heartbeat failed: %r", exc)
            self._stop.wait(BEAT_SECONDS)


def host_has_live_worker(settings: Settings) -> bool:
    """Whether a worker process on this host beat recently (a container's health check)."""
    timeout = settings.redis_timeout_seconds
    client = redis.Redis.from_url(
        settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    since = time.time() - settings.worker_stale_seconds
    members: list[bytes] = list(
        client.zrangebyscore(heartbeat_key(settings.queue_name), since, "+inf")  # type: ignore[arg-type]
    )
    host = f"{socket.gethostname()[:40]}:".encode()
    return any(member.startswith(host) for member in members)


if __name__ == "__main__":  # python -m kyra.worker.heartbeat: exit 0 when a local worker beats
    import sys

    from kyra.settings import get_settings

    sys.exit(0 if host_has_live_worker(get_settings()) else 1)
