"""What ``GET /health/ready`` and the ``/metrics`` gauges read: the database and its schema,
the broker and its backlog, worker liveness and node-run leases.

Every check has a deadline (``KYRA_REDIS_TIMEOUT_SECONDS``), so a frozen dependency makes the
answer "unavailable" rather than a hung probe.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from functools import lru_cache
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import text

from kyra.engine.services import EngineServices
from kyra.messaging.heartbeats import heartbeat_key

OK = "ok"
DOWN = "unavailable"


@lru_cache
def _expected_heads() -> frozenset[str]:
    from kyra.db.migrate import script_heads

    return script_heads()


async def check_database(services: EngineServices) -> dict[str, Any]:
    """Reachable, and migrated to the revision this code expects."""
    timeout = services.settings.redis_timeout_seconds
    try:
        async with services.session_factory() as session:
            rows = await asyncio.wait_for(
                session.execute(text("SELECT version_num FROM alembic_version")), timeout
            )
            current = sorted(row[0] for row in rows)
    except Exception as exc:
        return {"database": {"status": DOWN, "error": type(exc).__name__}}
    expected = sorted(_expected_heads())
    status = OK if current == expected else "pending"
    migrations = {"status": status, "current": current, "expected": expected}
    return {"database": {"status": OK}, "migrations": migrations}


async def live_workers(redis: aioredis.Redis, queue_name: str, stale_s: float) -> int:
    return int(await redis.zcount(heartbeat_key(queue_name), time.time() - stale_s, "+inf"))


async def check_broker(services: EngineServices) -> dict[str, Any]:
    """Redis answers, its queue backlog, and how many workers beat recently."""
    settings = services.settings
    timeout = settings.redis_timeout_seconds
    client = aioredis.Redis.from_url(
        settings.redis_url, socket_timeout=timeout, socket_connect_timeout=timeout
    )
    try:
        await asyncio.wait_for(client.ping(), timeout)
        workers = await asyncio.wait_for(
            live_workers(client, settings.queue_name, settings.worker_stale_seconds), timeout
        )
    except Exception as exc:
        return {"broker": {"status": DOWN, "error": type(exc).__name__}}
    finally:
        await client.aclose()
    broker: dict[str, Any] = {"status": OK}
    if services.dispatcher is not None:
        try:
            broker["queue"] = dataclasses.asdict(await services.dispatcher.stats())
        except Exception as exc:
            return {"broker": {"status": DOWN, "error": type(exc).__name__}}
    required = settings.ready_requires_worker
    status = OK if workers or not required else DOWN
    return {"broker": broker, "workers": {"status": status, "alive": workers}}


async def active_leases(services: EngineServices) -> dict[str, int]:
    """Node runs and sync runs currently owned by a live process (unexpired leases)."""
    query = text(
        "SELECT (SELECT count(*) FROM node_runs WHERE status IN ('queued', 'running')"
        " AND lease_expires_at > now()),"
        " (SELECT count(*) FROM runs WHERE status = 'running' AND lease_expires_at > now())"
    )
    async with services.session_factory() as session:
        row = (
            await asyncio.wait_for(session.execute(query), services.settings.redis_timeout_seconds)
        ).one()
    return {"node_runs": int(row[0]), "sync_runs": int(row[1])}


async def readiness(services: EngineServices) -> tuple[bool, dict[str, Any]]:
    """Every check, and whether all of them passed."""
    database, broker = await asyncio.gather(check_database(services), check_broker(services))
    checks = {**database, **broker}
    if checks["database"]["status"] == OK:
        try:
            checks["leases"] = await active_leases(services)
        except Exception as exc:
            checks["database"] = {"status": DOWN, "error": type(exc).__name__}
    ready = all(
        isinstance(check, dict) and check.get("status", OK) == OK for check in checks.values()
    )
    return ready, {"status": "ready" if ready else "unavailable", "checks": checks}
