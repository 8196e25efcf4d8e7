"""The queue under backlog and outages (issue 9, defects 4 and 6).

The reaper re-sends only work that is really lost, at most once per lease, and leaves a backlog
waiting in Redis alone; intake refuses queue runs with 503 and Retry-After beyond the backlog
limit; a run committed while Redis is unreachable is accepted (202) and delivered later; a
frozen Redis never blocks other requests; an unreachable database answers 503, not 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import text

from kyra.engine.queue import reap
from kyra.infra.embedded import EmbeddedRedis, free_port
from kyra.settings import Settings
from kyra.wiring import build_services
from tests.conftest import Owner
from tests.graphs.test_examples import wait_for_final
from tests.integration.test_engine_behaviour import create, graph
from tests.waiting import eventually


def simple() -> dict[str, Any]:
    return graph(
        [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "set", "type": "Core.set", "params": {"values": {"ok": True}}},
        ],
        [("start", "set")],
    )


@contextlib.contextmanager
def paused(proc: subprocess.Popen[bytes]) -> Iterator[None]:
    """The session's worker process group stopped (SIGSTOP) for the block, then resumed."""
    os.killpg(proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(proc.pid, signal.SIGCONT)


@contextlib.asynccontextmanager
async def app_on(settings: Settings, owner: Owner) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the app built with other settings (another Redis, database or limit)."""
    from kyra.api.app import create_app

    services = build_services(settings)
    app = create_app(settings, services=services)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers={"X-API-Key": owner.api_key}
        ) as client:
            yield client
    finally:
        await services.close()


def _queue(settings: Settings) -> tuple[redis.Redis, str]:
    return redis.Redis.from_url(settings.redis_url), f"kyra:{settings.queue_name}"


async def test_the_reaper_leaves_a_backlog_alone_and_resends_only_lost_messages(
    api: httpx.AsyncClient, services: Any, worker: subprocess.Popen[bytes]
) -> None:
    graph_id = await create(api, simple())
    client, key = _queue(services.settings)
    with paused(worker):
        runs = []
        for _ in range(20):
            started = await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})
            assert started.status_code == 202, started.text
            runs.append(started.json()["id"])
        lost = runs[:4]
        for run_id in lost:  # as if Redis had lost these messages
            client.hdel(f"{key}.msgs", run_id)
            client.lrem(key, 0, run_id)
        async with services.session_factory() as session, session.begin():
            await session.execute(
                text("UPDATE runs SET updated_at = now() - interval '1 hour' WHERE id = ANY(:ids)"),
                {"ids": [uuid.UUID(r) for r in runs]},
            )

        for _ in range(3):
            await reap(services)

        queued = [m.decode() for m in client.lrange(key, 0, -1)]
        assert {run_id: queued.count(run_id) for run_id in runs} == dict.fromkeys(runs, 1)
        stats = (await api.get("/api/queue")).json()
        assert stats["waiting"] >= len(runs)
        assert stats["oldest_age_s"] >= 0

    for run_id in runs:
        run = await wait_for_final(api, run_id)
        assert run["status"] == "succeeded"
        assert [n["attempt"] for n in run["node_runs"]] == [1, 1]


async def test_queue_runs_are_refused_beyond_the_backlog_limit(
    api: httpx.AsyncClient, settings: Settings, owner: Owner, worker: subprocess.Popen[bytes]
) -> None:
    graph_id = await create(api, simple())
    path = f"async-{uuid.uuid4().hex[:8]}"
    hook = graph(
        [{"id": "hook", "type": "Webhook.trigger", "params": {"path": path, "reply": "async"}}], []
    )
    await create(api, hook)
    limited = settings.model_copy(update={"max_queue_backlog": 3})
    async with app_on(limited, owner) as client:
        with paused(worker):

            async def refused() -> httpx.Response | None:
                answer = await client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})
                return answer if answer.status_code == 503 else None

            answer = await eventually(refused, what="a run refused for the backlog")
            assert int(answer.headers["Retry-After"]) > 0
            assert "limit of 3" in answer.json()["detail"]
            assert (await client.post(f"/hooks/{path}", json={})).status_code == 503
            sync = await client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})
            assert sync.status_code == 200  # inline runs do not wait on the queue

        async def accepted() -> bool:
            answer = await client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})
            return answer.status_code == 202

        await eventually(accepted, what="the backlog draining")


async def test_a_queue_run_is_accepted_while_redis_is_down_and_delivered_later(
    api: httpx.AsyncClient, settings: Settings, owner: Owner, worker: Any
) -> None:
    graph_id = await create(api, simple())
    down = settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{free_port()}/0", "redis_timeout_seconds": 1}
    )
    async with app_on(down, owner) as client:
        answer = await client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})
    assert answer.status_code == 202, answer.text
    assert answer.json()["status"] == "queued"
    # The run was committed; the reaper of the (healthy) worker sends it a lease later.
    run = await wait_for_final(api, answer.json()["id"])
    assert run["status"] == "succeeded"


@pytest.fixture
def frozen_redis(tmp_path: Path) -> Iterator[str]:
    server = EmbeddedRedis(tmp_path / "redis", durable=False)
    url = server.start()
    assert server.pid is not None
    os.kill(server.pid, signal.SIGSTOP)
    try:
        yield url
    finally:
        os.kill(server.pid, signal.SIGCONT)
        server.stop()


async def test_a_frozen_redis_never_blocks_the_event_loop(
    api: httpx.AsyncClient, settings: Settings, owner: Owner, frozen_redis: str
) -> None:
    # A send waits on Redis for up to the timeout; the loop must keep serving meanwhile. Were
    # the send blocking, the longest gap between two ticks would be the whole timeout.
    graph_id = await create(api, simple())
    timeout = 10.0
    frozen = settings.model_copy(
        update={"redis_url": frozen_redis, "redis_timeout_seconds": timeout}
    )
    loop = asyncio.get_running_loop()
    gaps = [0.0]

    async def tick() -> None:
        last = loop.time()
        while True:
            await asyncio.sleep(0.01)
            gaps.append(loop.time() - last)
            last = loop.time()

    ticker = asyncio.ensure_future(tick())
    try:
        async with app_on(frozen, owner) as client:
            answer = await client.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})
    finally:
        ticker.cancel()
    assert answer.status_code == 202, answer.text
    assert max(gaps) < timeout / 2


async def test_an_unreachable_database_answers_503_with_retry_after(
    settings: Settings, owner: Owner
) -> None:
    gone = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres"
    async with app_on(settings.model_copy(update={"database_url": gone}), owner) as client:
        for answer in (await client.get("/api/graphs"), await client.post("/hooks/any", json={})):
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "5"
            assert "database is unavailable" in answer.json()["detail"]
        health = await client.get("/health")
        assert (health.status_code, health.json()["database"]) == (503, "unavailable")


async def test_dead_lettered_messages_are_counted(api: httpx.AsyncClient, services: Any) -> None:
    client, key = _queue(services.settings)
    before = (await api.get("/api/queue")).json()["dead"]
    message_id = f"test-{uuid.uuid4().hex}"
    client.zadd(f"{key}.XQ", {message_id: 1})
    try:
        assert (await api.get("/api/queue")).json()["dead"] == before + 1
    finally:
        client.zrem(f"{key}.XQ", message_id)
