"""Thin, idempotent actors: each takes an id and calls the engine.

Importing this module (as ``dramatiq kyra.worker.actors`` does) builds the broker from settings.
The engine's own leases in Postgres provide retries and crash recovery, so Dramatiq retries are
off and its time limit is far beyond any node timeout.
"""

from __future__ import annotations

import uuid

import dramatiq

from kyra.settings import get_settings
from kyra.worker.broker import build_broker
from kyra.worker.runtime import runtime

broker = build_broker(get_settings())
_OPTIONS = {
    "queue_name": get_settings().queue_name,
    "max_retries": 0,
    "time_limit": 7 * 24 * 3600 * 1000,
}


@dramatiq.actor(**_OPTIONS)
async def advance_run(run_id: str) -> None:
    from kyra.engine.queue import advance_run as advance
    from kyra.engine.queue import execute_node_run

    services = await runtime.services()
    first = await advance(services, uuid.UUID(run_id), keep_one=True)
    if first is not None:
        await execute_node_run(services, first, worker_id=runtime.worker_id)


@dramatiq.actor(**_OPTIONS)
async def execute_node(node_run_id: str) -> None:
    from kyra.engine.queue import execute_node_run

    services = await runtime.services()
    await execute_node_run(services, uuid.UUID(node_run_id), worker_id=runtime.worker_id)
