"""OpenTelemetry traces: a webhook's traceparent → run → node runs → model call and outgoing
HTTP, across a queue hop, captured with the SDK's in-memory exporter."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kyra.api.app import create_app
from kyra.engine.queue import advance_run, execute_node_run
from kyra.engine.services import EngineServices
from kyra.observability.context import derived_span_id
from kyra.observability.tracing import setup_tracing
from tests.conftest import start_worker, stop_process_group
from tests.fakes.fixtures import _openai_server, fake_openai  # noqa: F401
from tests.fakes.openai import FakeOpenAI
from tests.fakes.otlp import FakeCollector
from tests.fakes.server import Reply, ToolUse
from tests.integration.agents.conftest import User, catalogue, user  # noqa: F401
from tests.integration.test_durability import node_runs, on_queue, run_status
from tests.waiting import eventually

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
PROVIDER_KEY = "sk-secret-provider-key-0123456789"


@pytest.fixture(scope="session")
def _exporter(settings: Any) -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    setup_tracing(settings, processor=SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    _exporter.clear()
    yield _exporter
    _exporter.clear()


@pytest.fixture
async def isolated(services: EngineServices) -> AsyncIterator[EngineServices]:
    """Services sending to a queue no worker consumes: the test is the worker."""
    queued = on_queue(services, f"trace-{uuid.uuid4().hex[:8]}")
    yield queued
    assert queued.dispatcher is not None
    queued.dispatcher.close()


async def _with_fake_model(client: httpx.AsyncClient, fake: FakeOpenAI) -> None:
    provider = await client.post(
        "/api/llm/providers",
        json={"name": "fake", "kind": "openai", "base_url": fake.base_url, "api_key": PROVIDER_KEY},
    )
    assert provider.status_code == 201, provider.text
    model = {
        "provider_id": provider.json()["id"],
        "model_key": "gpt-4o-mini",
        "input_cost_per_1k": "0.001",
        "output_cost_per_1k": "0.002",
        "is_recommended": True,
    }
    assert (await client.post("/api/llm/models", json=model)).status_code == 201


def _graph(path: str, fake: FakeOpenAI) -> dict[str, Any]:
    return {
        "schema": "kyra.graph/1",
        "name": f"traced-{path}",
        "nodes": [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": path, "reply": "async"}},
            {"id": "ask", "type": "AI.chat", "params": {"prompt": "Hi {{ trigger.body.name }}",
                                                        "model": "gpt-4o-mini"}},
            {"id": "fetch", "type": "HTTP.request",
             "params": {"url": f"{fake.url}/status", "fail_on_status": False}},
        ],
        "edges": [
            {"source": "hook", "target": "ask"},
            {"source": "ask", "target": "fetch"},
        ],
    }  # fmt: skip


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, f"{name}: {[s.name for s in spans]}"
    return found[0]


async def test_a_webhook_run_is_one_trace_across_the_queue_hop(
    services: EngineServices,
    isolated: EngineServices,
    other_owner: Any,
    spans: InMemorySpanExporter,
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    # Given a user with a model, and a graph webhook → AI.chat → HTTP.request run by the queue
    app = create_app(services.settings, services=isolated)
    transport = httpx.ASGITransport(app=app)
    headers = {"X-API-Key": other_owner.api_key}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        await _with_fake_model(client, fake_openai)
        path = f"traced-{uuid.uuid4().hex[:8]}"
        created = await client.post("/api/graphs", json=_graph(path, fake_openai))
        assert created.status_code == 201, created.text
        fake_openai.script(Reply(text="Hello Ada", usage=(12, 3)))
        spans.clear()

        # When a caller in a trace of its own calls the webhook
        caller = {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"}
        answer = await client.post(f"/hooks/{path}", json={"name": "Ada"}, headers=caller)
        assert answer.status_code == 202, answer.text
    run_id = uuid.UUID(answer.json()["run_id"])

    # ... and a worker (this process, after the hop) takes the run from the queue
    await advance_run(isolated, run_id)
    start = (await node_runs(services, run_id))["hook"]
    await execute_node_run(isolated, start.id, worker_id="tracing-test")
    assert await run_status(services, run_id) == "succeeded"

    # Then every span is in the caller's trace, in the expected tree
    finished = spans.get_finished_spans()
    assert {f"{s.context.trace_id:032x}" for s in finished} == {TRACE_ID}
    server = _by_name(finished, "POST /hooks/{path}")
    run = _by_name(finished, "run")
    hook, ask, fetch = (_by_name(finished, f"node {t}") for t in
                        ("Webhook.trigger", "AI.chat", "HTTP.request"))  # fmt: skip
    chat = _by_name(finished, "chat gpt-4o-mini")
    http_get = _by_name(finished, "HTTP GET")
    assert server.parent is not None and f"{server.parent.span_id:016x}" == CALLER_SPAN
    assert run.context.span_id == derived_span_id(run_id)
    assert run.parent is not None and run.parent.span_id == server.context.span_id
    for node in (hook, ask, fetch):
        assert node.parent is not None and node.parent.span_id == run.context.span_id
    assert chat.parent is not None and chat.parent.span_id == ask.context.span_id
    assert http_get.parent is not None and http_get.parent.span_id == fetch.context.span_id

    # ... with the run's, the nodes' and the model call's attributes (GenAI conventions)
    assert run.attributes is not None and ask.attributes is not None
    assert run.attributes["kyra.run.status"] == "succeeded"
    assert run.attributes["kyra.graph.id"] == created.json()["id"]
    assert run.attributes["gen_ai.usage.input_tokens"] == 12
    assert ask.attributes["kyra.node.type"] == "AI.chat"
    assert ask.attributes["kyra.node.status"] == "succeeded"
    assert ask.attributes["kyra.graph.version"] == 1
    assert chat.attributes == {
        **dict(chat.attributes or {}),
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 3,
    }
    assert chat.attributes is not None and chat.attributes["kyra.llm.cost_usd"] > 0

    # ... the outgoing HTTP call carried the trace, and no span holds the key or the prompt
    sent = [r for r in fake_openai.requests if r.path == "/status"]
    assert sent and sent[0].headers["traceparent"].split("-")[1] == TRACE_ID
    everything = repr([(s.name, dict(s.attributes or {})) for s in finished])
    assert PROVIDER_KEY not in everything
    assert "Hi Ada" not in everything and "Hello Ada" not in everything


async def test_a_sync_run_without_a_caller_gets_a_trace_named_after_it(
    api: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    # Given a two-node graph run inline, with no trace context
    graph = {
        "schema": "kyra.graph/1",
        "name": f"untraced-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger", "params": {}},
            {"id": "set", "type": "Core.set", "params": {"values": {"a": 1}}},
        ],
        "edges": [{"source": "start", "target": "set"}],
    }
    created = await api.post("/api/graphs", json=graph)
    ran = await api.post(f"/api/graphs/{created.json()['id']}/runs", json={"mode": "sync"})
    assert ran.json()["status"] == "succeeded"

    # Then the run span and its node spans share one trace rooted at the API request
    finished = spans.get_finished_spans()
    run = _by_name(finished, "run")
    server = _by_name(finished, "POST /api/graphs/{graph_id}/runs")
    assert run.parent is not None and run.parent.span_id == server.context.span_id
    node = _by_name(finished, "node Core.set")
    assert node.parent is not None and node.parent.span_id == run.context.span_id
    assert node.context.trace_id == run.context.trace_id == server.context.trace_id


async def test_a_real_worker_exports_its_spans_into_the_callers_trace_over_otlp(
    services: EngineServices, owner: Any, spans: InMemorySpanExporter
) -> None:
    # Given a worker process on its own queue exporting to a collector (OTLP/HTTP)
    collector = FakeCollector().start()
    queue = f"otlp-{uuid.uuid4().hex[:8]}"
    worker = start_worker(
        env={"KYRA_QUEUE_NAME": queue, "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
             "OTEL_SERVICE_NAME": "kyra-worker", "OTEL_BSP_SCHEDULE_DELAY": "200"}
    )  # fmt: skip
    isolated = on_queue(services, queue)
    try:
        path = f"otlp-{uuid.uuid4().hex[:8]}"
        graph = {
            "schema": "kyra.graph/1", "name": path,
            "nodes": [
                {"id": "hook", "type": "Webhook.trigger",
                 "params": {"path": path, "reply": "async"}},
                {"id": "set", "type": "Core.set", "params": {"values": {"ok": True}}},
            ],
            "edges": [{"source": "hook", "target": "set"}],
        }  # fmt: skip
        app = create_app(services.settings, services=isolated)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver",
            headers={"X-API-Key": owner.api_key},
        ) as client:  # fmt: skip
            assert (await client.post("/api/graphs", json=graph)).status_code == 201
            caller = {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"}
            answer = await client.post(f"/hooks/{path}", json={}, headers=caller)
        run_id = uuid.UUID(answer.json()["run_id"])

        # When the worker runs it (a real queue hop), its spans reach the collector
        async def exported() -> list[Any] | None:
            names = {s.name for s in collector.spans if s.trace_id == TRACE_ID}
            return collector.spans if {"run", "node Core.set"} <= names else None

        received = await eventually(exported, what="the worker's spans exported")
    finally:
        stop_process_group(worker)
        collector.stop()
        assert isolated.dispatcher is not None
        isolated.dispatcher.close()

    # Then they continue the caller's trace under the API's webhook span
    server = _by_name(spans.get_finished_spans(), "POST /hooks/{path}")
    ours = {s.name: s for s in received if s.trace_id == TRACE_ID}
    run, node = ours["run"], ours["node Core.set"]
    assert run.service == node.service == "kyra-worker"
    assert run.span_id == f"{derived_span_id(run_id):016x}"
    assert run.parent_span_id == f"{server.context.span_id:016x}"
    assert node.parent_span_id == run.span_id
    assert node.attributes["kyra.node.status"] == "succeeded"
    assert node.attributes["kyra.run.mode"] == "queue"


async def test_an_agents_sub_agent_and_tool_calls_nest_under_it_with_content_when_asked(
    user: User,  # noqa: F811
    spans: InMemorySpanExporter,
    settings: Any,
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    # Given an operator who turned content capture on, and an agent with a sub-agent with a tool
    setup_tracing(settings.model_copy(update={"otel_capture_content": True}))
    try:
        await user.agent("tracer-helper", tools=["Core.think"])
        boss = await user.agent("tracer-boss", tools=["agent:tracer-helper"])
        fake_openai.script(
            Reply(text="", tool_calls=[ToolUse("agent__tracer-helper", {"goal": "find x"})]),
            Reply(text="", tool_calls=[ToolUse("Core__think", {"thought": "x is 7"}, id="t1")]),
            Reply(text="x is 7", usage=(50, 5)),
            Reply(text="Final: 7", usage=(120, 5)),
        )

        # When the agent runs
        answer = await user.run(boss, "What is x?", mode="tracked")
        assert answer["status"] == "succeeded", answer
    finally:
        setup_tracing(settings)

    # Then run → agent node → model calls and the sub-agent → its model calls and its tool
    finished = spans.get_finished_spans()
    by_id = {s.context.span_id: s for s in finished}

    def parent(span: ReadableSpan) -> str:
        assert span.parent is not None
        return by_id[span.parent.span_id].name

    run, node = _by_name(finished, "run"), _by_name(finished, "node AI.agent")
    sub_agent = _by_name(finished, "invoke_agent agent:tracer-helper")
    tool = _by_name(finished, "execute_tool Core.think")
    chats = [s for s in finished if s.name == "chat gpt-4o-mini"]
    assert parent(node) == "run" and parent(run) == "POST /api/agents/{agent_ref}/run"
    assert (
        sorted(parent(c) for c in chats)
        == ["invoke_agent agent:tracer-helper"] * 2 + ["node AI.agent"] * 2
    )
    assert parent(sub_agent) == "node AI.agent"
    assert parent(tool) == "invoke_agent agent:tracer-helper"
    assert sub_agent.attributes is not None and tool.attributes is not None
    assert sub_agent.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert sub_agent.attributes["gen_ai.agent.name"] == "agent:tracer-helper"
    assert tool.attributes["gen_ai.operation.name"] == "execute_tool"
    assert tool.attributes["gen_ai.tool.call.id"] == "t1"

    # ... prompts and outputs exported because the operator asked, the provider's key never
    last = max(chats, key=lambda s: s.end_time or 0)
    assert last.attributes is not None
    assert "What is x?" in str(last.attributes["gen_ai.input.messages"])
    assert "Final: 7" in str(last.attributes["gen_ai.output.messages"])
    assert "sk-x" not in repr([dict(s.attributes or {}) for s in finished])
