"""Dramatiq's entry module (``dramatiq kyra.worker.actors``): the broker and thin actors.

The only module-level wiring of the worker: importing it sets Dramatiq's global broker, which
is why nothing but the Dramatiq CLI imports it. Actors take an id and call the engine; the
engine's own leases in Postgres provide crash recovery, so Dramatiq retries a message only
while the database or Redis is unreachable (instead of dead-lettering it), and its time limit
is far beyond any node timeout.
"""

from __future__ import annotations

import uuid
from typing import Any

import dramatiq
import redis

from kyra.db.errors import is_unavailable
from kyra.engine.queue import advance_run as advance
from kyra.engine.queue import execute_node_run
from kyra.messaging.broker import build_broker
from kyra.messaging.dispatcher import ADVANCE_RUN, EXECUTE_NODE
from kyra.settings import get_settings
from kyra.worker.heartbeat import WorkerHeartbeat
from kyra.worker.runtime import StartRuntime, runtime

#: Retries of one message while the database or Redis stays unreachable (about 45 minutes).
MAX_OUTAGE_RETRIES = 100


def retry_while_unavailable(retries: int, exception: Exception) -> bool:
    """Retry a message only when what failed is the infrastructure, not the work."""
    transient = is_unavailable(exception) or isinstance(exception, redis.RedisError)
    return retries < MAX_OUTAGE_RETRIES and transient


broker = build_broker(get_settings(), middleware=[StartRuntime(), WorkerHeartbeat(get_settings())])
dramatiq.set_broker(broker)
_OPTIONS: dict[str, Any] = {
    "queue_name": get_settings().queue_name,
    "retry_when": retry_while_unavailable,
    "min_backoff": 500,
    "max_backoff": 30_000,
    "time_limit": 7 * 24 * 3600 * 1000,
}


@dramatiq.actor(actor_name=ADVANCE_RUN, **_OPTIONS)
async def advance_run(run_id: str) -> None:
    services = await runtime.services()
    await advance(services, uuid.UUID(run_id), worker_id=runtime.worker_id)


@dramatiq.actor(actor_name=EXECUTE_NODE, **_OPTIONS)
async def execute_node(node_run_id: str) -> None:
    services = await runtime.services()
    await execute_node_run(services, uuid.UUID(node_run_id), worker_id=runtime.worker_id)
