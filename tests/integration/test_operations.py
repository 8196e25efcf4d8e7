"""``GET /health/ready`` and ``GET /metrics`` against the real database, Redis and workers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from kyra.api.app import create_app
from kyra.db.engine import create_engine, create_session_factory
from kyra.db.queries import graphs as graph_queries
from kyra.db.queries.users import create_api_key, create_user
from kyra.engine.services import EngineServices
from kyra.engine.start import RunRequest, start_run
from kyra.infra.embedded import free_port
from kyra.messaging.dispatcher import DramatiqDispatcher
from tests.conftest import start_worker, stop_process_group
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import Reply
from tests.integration.agents.conftest import (  # noqa: F401
    User,
    _openai_server,
    catalogue,
    fake_openai,
    user,
)
from tests.integration.test_durability import run_status
from tests.waiting import eventually


@pytest.fixture(scope="module")
async def admin_key(session_factory: Any) -> str:
    async with session_factory() as session:
        user = await create_user(session, name=f"ops-admin-{uuid.uuid4().hex[:6]}", is_admin=True)
        _, key = await create_api_key(session, owner_id=user.id, name="ops")
        await session.commit()
    return key


async def _client(services: EngineServices) -> httpx.AsyncClient:
    app = create_app(services.settings, services=services)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def lonely(services: EngineServices) -> AsyncIterator[EngineServices]:
    """Services of an installation whose queue has no worker."""
    queue = f"lonely-{uuid.uuid4().hex[:8]}"
    settings = services.settings.model_copy(update={"queue_name": queue})
    built = EngineServices(
        settings=settings, registry=services.registry, session_factory=services.session_factory,
        hooks=services.hooks, dispatcher=DramatiqDispatcher(settings),
    )  # fmt: skip
    yield built
    assert built.dispatcher is not None
    built.dispatcher.close()


async def test_ready_reports_database_migrations_broker_workers_and_leases(
    api: httpx.AsyncClient, worker: Any
) -> None:
    async def ready() -> httpx.Response | None:
        answer = await api.get("/health/ready", headers={"X-API-Key": ""})
        return answer if answer.status_code == 200 else None

    answer = await eventually(ready, what="the worker reporting alive")
    checks = answer.json()["checks"]
    assert answer.json()["status"] == "ready"
    assert checks["database"] == {"status": "ok"}
    assert checks["migrations"]["status"] == "ok"
    assert checks["migrations"]["current"] == checks["migrations"]["expected"]
    assert checks["broker"]["status"] == "ok"
    assert {"waiting", "delayed", "dead", "oldest_age_s"} <= set(checks["broker"]["queue"])
    assert checks["workers"]["status"] == "ok" and checks["workers"]["alive"] >= 1
    assert set(checks["leases"]) == {"node_runs", "sync_runs"}


async def test_ready_is_503_when_no_worker_is_alive(lonely: EngineServices) -> None:
    async with await _client(lonely) as client:
        answer = await client.get("/health/ready")
        assert answer.status_code == 503
        assert answer.json()["status"] == "unavailable"
        assert answer.json()["checks"]["workers"] == {"status": "unavailable", "alive": 0}
        # /health stays cheap and about this process's own dependencies
        assert (await client.get("/health")).status_code == 200


async def test_ready_is_503_naming_the_database_or_the_broker_that_is_down(
    services: EngineServices,
) -> None:
    closed = free_port()  # nothing listens there
    quick = services.settings.model_copy(update={"redis_timeout_seconds": 2.0})
    engine = create_engine(f"postgresql://kyra@127.0.0.1:{closed}/kyra")
    without_database = EngineServices(
        settings=quick, registry=services.registry, session_factory=create_session_factory(engine),
        hooks=services.hooks, dispatcher=None,
    )  # fmt: skip
    without_broker = EngineServices(
        settings=quick.model_copy(update={"redis_url": f"redis://127.0.0.1:{closed}/0"}),
        registry=services.registry, session_factory=services.session_factory,
        hooks=services.hooks, dispatcher=None,
    )  # fmt: skip
    try:
        for down, check in ((without_database, "database"), (without_broker, "broker")):
            async with await _client(down) as client:
                answer = await client.get("/health/ready")
            assert answer.status_code == 503, answer.text
            assert answer.json()["status"] == "unavailable"
            assert answer.json()["checks"][check]["status"] == "unavailable"
    finally:
        await engine.dispose()


async def test_metrics_need_an_admin_key(api: httpx.AsyncClient, admin_key: str) -> None:
    assert (await api.get("/metrics", headers={"X-API-Key": ""})).status_code == 401
    assert (await api.get("/metrics")).status_code == 403  # a member's key
    answer = await api.get("/metrics", headers={"X-API-Key": admin_key})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return sum(
        value
        for (sample, found), value in samples.items()
        if sample == name and set(labels.items()) <= found
    )


def _graph(name: str) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": name,
        "nodes": [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": name}},
            {"id": "set", "type": "Core.set", "params": {"values": {"ok": True}}},
        ],
        "edges": [{"source": "hook", "target": "set"}],
    }


async def test_metrics_add_up_runs_of_the_api_and_two_worker_processes(
    api: httpx.AsyncClient, services: EngineServices, lonely: EngineServices, owner: Any,
    admin_key: str,
) -> None:  # fmt: skip
    # Given a graph, and two worker processes on their own queue
    name = f"metered-{uuid.uuid4().hex[:8]}"
    created = await api.post("/api/graphs", json=_graph(name))
    graph_id = created.json()["id"]
    workers = start_worker(processes=2, env={"KYRA_QUEUE_NAME": lonely.settings.queue_name})
    try:
        async with services.session_factory() as session:
            graph = await graph_queries.get_graph(
                session, owner_id=owner.id, graph_id=uuid.UUID(graph_id)
            )
            version = await graph_queries.latest_version(session, graph.id)

        # When it runs twice inline through its webhook and six times on the workers
        for _ in range(2):
            assert (await api.post(f"/hooks/{name}", json={})).is_success
        queued = [
            (await start_run(lonely, request)).run
            for request in [RunRequest(graph=graph, version=version, trigger={}, mode="queue")] * 6
        ]

        async def all_done() -> bool:
            statuses = [await run_status(services, run.id) for run in queued]
            return all(status == "succeeded" for status in statuses)

        await eventually(all_done, what="the queued runs finishing")

        # Then /metrics (parsed by Prometheus' own parser) counts all of them
        async def counted() -> dict[Any, float] | None:
            text = (await api.get("/metrics", headers={"X-API-Key": admin_key})).text
            samples = _samples(text)
            queue_runs = _value(samples, "kyra_runs_total", graph_id=graph_id, mode="queue")
            return samples if queue_runs == 6 else None

        samples = await eventually(counted, what="the workers' runs counted")
    finally:
        stop_process_group(workers)
    assert (
        _value(samples, "kyra_runs_total", graph_id=graph_id, mode="sync", status="succeeded") == 2
    )
    nodes = _value(samples, "kyra_node_duration_seconds_count", node_type="Core.set")
    assert nodes >= 8
    hooks = _value(samples, "kyra_webhook_request_duration_seconds_count", route="/hooks/{path}")
    assert hooks >= 2
    for gauge in ("kyra_queue_waiting_messages", "kyra_queue_oldest_message_age_seconds",
                  "kyra_node_run_leases_active", "kyra_sync_run_leases_active"):  # fmt: skip
        assert any(name == gauge for name, _ in samples), gauge


async def test_metrics_count_llm_tokens_and_cost_by_model(
    api: httpx.AsyncClient,
    admin_key: str,
    user: User,  # noqa: F811
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    async def llm() -> dict[str, float]:
        samples = _samples((await api.get("/metrics", headers={"X-API-Key": admin_key})).text)
        model = {"model": "gpt-4o-mini"}
        return {
            "calls": _value(samples, "kyra_llm_calls_total", **model),
            "input": _value(samples, "kyra_llm_tokens_total", direction="input", **model),
            "output": _value(samples, "kyra_llm_tokens_total", direction="output", **model),
            "cost": _value(samples, "kyra_llm_cost_usd_total", **model),
        }

    before = await llm()
    agent = await user.agent(f"metered-{uuid.uuid4().hex[:6]}")
    fake_openai.script(Reply(text="Counted.", usage=(2000, 500)))
    assert (await user.run(agent, "Count me", mode="tracked"))["status"] == "succeeded"

    after = await llm()
    assert after["calls"] - before["calls"] == 1
    assert (after["input"] - before["input"], after["output"] - before["output"]) == (2000, 500)
    # The fake model's prices: 0.001 USD per 1k input tokens, 0.002 per 1k output tokens
    assert after["cost"] - before["cost"] == pytest.approx(0.003)
