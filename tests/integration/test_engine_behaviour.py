"""Engine behaviour end to end through the API: retries, timeouts, error routes, cancel,
re-run from a node, sub-graphs, switch, save policies, webhooks and the code sandbox."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.graphs.test_examples import wait_for_final
from tests.waiting import eventually


def graph(
    nodes: list[dict[str, Any]], edges: list[tuple[str, ...]], **extra: Any
) -> dict[str, Any]:
    """A document from nodes and ``(source, target[, source port])`` edges."""
    wired = [
        {
            "source": source,
            "sourcePort": port[0] if port else "out",
            "target": target,
            "targetPort": "in",
        }
        for source, target, *port in edges
    ]
    return {
        "schema": "kyra.graph/1",
        "name": f"g-{uuid.uuid4().hex[:8]}",
        "nodes": nodes,
        "edges": wired,
        **extra,
    }


async def create(api: httpx.AsyncClient, document: dict[str, Any]) -> str:
    response = await api.post("/api/graphs", json=document)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def run_sync(
    api: httpx.AsyncClient, graph_id: str, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await api.post(
        f"/api/graphs/{graph_id}/runs", json={"mode": "sync", "inputs": inputs or {}}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def by_node(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["node_id"]: n for n in run["node_runs"]}


class Flaky:
    """A local HTTP server that fails the first ``failures`` requests of each path with 503."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                count = flaky.hits[self.path] = flaky.hits.get(self.path, 0) + 1
                failures = int(self.path.rsplit("/", 1)[-1])
                status = 503 if count <= failures else 200
                body = b'{"ok": true, "attempt": %d}' % count
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def flaky() -> Iterator[Flaky]:
    server = Flaky()
    yield server
    server.server.shutdown()


START = {"id": "start", "type": "Manual.trigger"}


def fetch(node_id: str, url: str, **settings: Any) -> dict[str, Any]:
    return {"id": node_id, "type": "HTTP.request", "params": {"url": url}, "settings": settings}


async def test_a_failing_node_is_retried_with_backoff_until_it_succeeds(
    api: httpx.AsyncClient, flaky: Flaky
) -> None:
    url = f"{flaky.url}/retry-{uuid.uuid4().hex[:6]}/2"
    graph_id = await create(
        api,
        graph([START, fetch("call", url, retries=3, retry_backoff_s=0.01)], [("start", "call")]),
    )
    run = await run_sync(api, graph_id)
    call = by_node(run)["call"]
    assert run["status"] == "succeeded"
    assert call["attempt"] == 3
    assert call["output"]["out"]["body"] == {"ok": True, "attempt": 3}


async def test_retries_run_out_and_the_run_fails_naming_the_node(
    api: httpx.AsyncClient, flaky: Flaky
) -> None:
    url = f"{flaky.url}/exhaust-{uuid.uuid4().hex[:6]}/9"
    graph_id = await create(
        api,
        graph([START, fetch("call", url, retries=1, retry_backoff_s=0.01)], [("start", "call")]),
    )
    run = await run_sync(api, graph_id)
    assert run["status"] == "failed"
    assert run["error"]["node_id"] == "call"
    assert by_node(run)["call"]["attempt"] == 2


async def test_a_failure_routes_to_the_error_port_and_the_run_continues(
    api: httpx.AsyncClient, flaky: Flaky
) -> None:
    url = f"{flaky.url}/route-{uuid.uuid4().hex[:6]}/9"
    nodes = [
        START,
        fetch("call", url),
        {
            "id": "fallback",
            "type": "Core.set",
            "params": {"values": {"used": "fallback", "why": "{{ nodes.call.output.message }}"}},
        },
        {"id": "happy", "type": "Core.set", "params": {"values": {"used": "happy"}}},
    ]
    graph_id = await create(
        api, graph(nodes, [("start", "call"), ("call", "fallback", "error"), ("call", "happy")])
    )
    run = await run_sync(api, graph_id)
    nodes_by_id = by_node(run)
    assert run["status"] == "succeeded"
    assert nodes_by_id["call"]["status"] == "failed"
    assert nodes_by_id["happy"]["status"] == "skipped"
    assert nodes_by_id["fallback"]["output"]["out"]["used"] == "fallback"
    assert "503" in nodes_by_id["fallback"]["output"]["out"]["why"]


async def test_a_node_over_its_timeout_fails_with_a_timeout_error(api: httpx.AsyncClient) -> None:
    slow = {
        "id": "slow",
        "type": "Core.wait",
        "params": {"seconds": 5},
        "settings": {"timeout_s": 0.2},
    }
    run = await run_sync(api, await create(api, graph([START, slow], [("start", "slow")])))
    assert run["status"] == "failed"
    assert by_node(run)["slow"]["error"]["type"] == "NodeTimeoutError"


async def test_independent_branches_run_concurrently(api: httpx.AsyncClient) -> None:
    waits = [{"id": f"w{i}", "type": "Core.wait", "params": {"seconds": 0.5}} for i in range(4)]
    join = {"id": "join", "type": "Core.merge", "params": {}}
    edges = [("start", f"w{i}") for i in range(4)] + [(f"w{i}", "join") for i in range(4)]
    run = await run_sync(api, await create(api, graph([START, *waits, join], edges)))
    assert run["status"] == "succeeded"
    starts = sorted(n["started_at"] for n in run["node_runs"] if n["node_id"].startswith("w"))
    ends = sorted(n["finished_at"] for n in run["node_runs"] if n["node_id"].startswith("w"))
    assert starts[-1] < ends[0], "every wait started before the first one finished"


async def test_template_errors_fail_the_node_with_the_template_problem(
    api: httpx.AsyncClient,
) -> None:
    bad = {"id": "bad", "type": "Core.set", "params": {"values": "{{ trigger.nope.deeper }}"}}
    run = await run_sync(api, await create(api, graph([START, bad], [("start", "bad")])))
    assert run["status"] == "failed"
    assert by_node(run)["bad"]["error"]["type"] == "TemplateError"


async def test_switch_takes_the_matching_case_and_skips_the_rest(api: httpx.AsyncClient) -> None:
    switch = {
        "id": "route", "type": "Core.switch",
        "params": {"cases": [
            {"name": "small", "when": "{{ trigger.n < 10 }}"},
            {"name": "big", "when": "{{ trigger.n >= 10 }}"},
        ]},
    }  # fmt: skip
    small = {"id": "s", "type": "Core.set", "params": {"values": "small"}}
    big = {"id": "b", "type": "Core.set", "params": {"values": "big"}}
    other = {"id": "o", "type": "Core.set", "params": {"values": "other"}}
    graph_id = await create(
        api,
        graph(
            [START, switch, small, big, other],
            [
                ("start", "route"),
                ("route", "s", "small"),
                ("route", "b", "big"),
                ("route", "o", "default"),
            ],
        ),
    )
    run = await run_sync(api, graph_id, {"n": 42})
    statuses = {k: v["status"] for k, v in by_node(run).items()}
    assert statuses == {
        "start": "succeeded",
        "route": "succeeded",
        "s": "skipped",
        "b": "succeeded",
        "o": "skipped",
    }
    assert run["output"] == {"b": "big"}


async def test_subgraph_and_loop_over_a_graph_record_child_runs(api: httpx.AsyncClient) -> None:
    child_id = await create(
        api,
        graph(
            [
                START,
                {
                    "id": "double",
                    "type": "Core.set",
                    "params": {"values": "{{ trigger.item * 2 }}"},
                },
            ],
            [("start", "double")],
        ),
    )
    loop = {
        "id": "each",
        "type": "Core.loop",
        "params": {"items": "{{ trigger.numbers }}", "mode": "graph", "graph_id": child_id},
    }
    sub = {
        "id": "once",
        "type": "Core.subgraph",
        "params": {"graph_id": child_id, "inputs": {"item": 21}, "output_node": "double"},
    }
    run = await run_sync(
        api,
        await create(api, graph([START, loop, sub], [("start", "each"), ("start", "once")])),
        {"numbers": [1, 2, 3]},
    )
    assert run["status"] == "succeeded", run["error"]
    assert by_node(run)["each"]["output"]["out"] == [{"double": 2}, {"double": 4}, {"double": 6}]
    assert by_node(run)["once"]["output"]["out"] == 42


async def test_cancel_stops_a_queued_run(api: httpx.AsyncClient, worker: Any) -> None:
    slow = {"id": "slow", "type": "Core.wait", "params": {"seconds": 30}}
    after = {"id": "after", "type": "Core.set", "params": {"values": 1}}
    graph_id = await create(
        api, graph([START, slow, after], [("start", "slow"), ("slow", "after")])
    )
    run = (await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "queue"})).json()

    async def slow_running() -> bool:
        nodes = by_node((await api.get(f"/api/runs/{run['id']}")).json())
        return nodes.get("slow", {}).get("status") == "running"

    await eventually(slow_running, what="the slow node starting")
    cancelled = (await api.post(f"/api/runs/{run['id']}/cancel")).json()
    assert cancelled["status"] == "cancelled"
    assert {n["node_id"]: n["status"] for n in cancelled["node_runs"]} == {
        "start": "succeeded",
        "slow": "cancelled",
    }


async def test_rerun_from_a_node_reuses_earlier_outputs(
    api: httpx.AsyncClient, worker: Any
) -> None:
    nodes = [
        START,
        {"id": "a", "type": "Core.set", "params": {"values": {"n": "{{ trigger.n }}"}}},
        {
            "id": "b",
            "type": "Core.set",
            "params": {"values": {"twice": "{{ nodes.a.output.n * 2 }}"}},
        },
    ]
    graph_id = await create(api, graph(nodes, [("start", "a"), ("a", "b")]))
    first = await run_sync(api, graph_id, {"n": 4})
    again = await api.post(
        f"/api/runs/{first['id']}/rerun", json={"from_node": "b", "mode": "queue"}
    )
    assert again.status_code == 202
    rerun = await wait_for_final(api, again.json()["id"])
    assert rerun["status"] == "succeeded"
    reused = {n["node_id"] for n in rerun["node_runs"] if n["reused"]}
    assert reused == {"start", "a"}
    assert rerun["output"] == {"b": {"twice": 8}}
    unknown = await api.post(f"/api/runs/{first['id']}/rerun", json={"from_node": "zzz"})
    assert unknown.status_code == 404


async def test_save_runs_failures_only_keeps_no_successful_runs(api: httpx.AsyncClient) -> None:
    graph_id = await create(api, graph([START], [], settings={"save_runs": "failures"}))
    run = await run_sync(api, graph_id)
    assert run["status"] == "succeeded"
    assert (await api.get(f"/api/runs/{run['id']}")).status_code == 404
    assert (await api.get(f"/api/graphs/{graph_id}/runs")).json() == []


async def test_webhooks_answer_sync_async_and_refuse_other_methods(
    api: httpx.AsyncClient, worker: Any
) -> None:
    path = f"greet-{uuid.uuid4().hex[:6]}"
    hook = {"id": "hook", "type": "Webhook.trigger", "params": {"path": path}}
    greet = {
        "id": "greet",
        "type": "Core.set",
        "params": {"values": {"text": "Hi {{ trigger.body.name }} ({{ trigger.query.lang }})"}},
    }
    reply = {
        "id": "reply",
        "type": "Webhook.respond",
        "params": {"status": 201, "headers": {"X-Kyra": "yes"}, "body": "{{ nodes.greet.output }}"},
    }
    await create(api, graph([hook, greet, reply], [("hook", "greet"), ("greet", "reply")]))
    response = await api.post(
        f"/hooks/{path}?lang=en", json={"name": "Ada"}, headers={"X-API-Key": ""}
    )
    assert response.status_code == 201
    assert response.headers["x-kyra"] == "yes"
    assert response.json() == {"text": "Hi Ada (en)"}
    assert (await api.get(f"/hooks/{path}")).status_code == 405
    assert (await api.post("/hooks/nothing-here", json={})).status_code == 404

    async_path = f"later-{uuid.uuid4().hex[:6]}"
    later = {
        "id": "hook",
        "type": "Webhook.trigger",
        "params": {"path": async_path, "reply": "async"},
    }
    await create(api, graph([later], []))
    accepted = await api.post(f"/hooks/{async_path}", json={"x": 1})
    assert accepted.status_code == 202
    run = await wait_for_final(api, accepted.json()["run_id"])
    assert run["trigger"]["body"] == {"x": 1}
    assert "x-api-key" not in run["trigger"]["headers"]


async def test_code_nodes_run_in_the_sandbox(api: httpx.AsyncClient) -> None:
    code = {
        "id": "code",
        "type": "Core.code",
        "params": {
            "code": "result = {'sum': sum(data['values']), 'env': sorted(__import__('os').environ)}"
        },
    }
    values = {"id": "values", "type": "Core.set", "params": {"values": {"values": [1, 2, 3]}}}
    run = await run_sync(
        api,
        await create(api, graph([START, values, code], [("start", "values"), ("values", "code")])),
    )
    assert run["status"] == "succeeded", run["error"]
    out = by_node(run)["code"]["output"]["out"]
    assert out["sum"] == 6
    assert "DATABASE_URL" not in out["env"] and "REDIS_URL" not in out["env"]


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_a_disabled_node_passes_its_input_through(
    api: httpx.AsyncClient, worker: Any, mode: str
) -> None:
    nodes = [
        START,
        {"id": "shape", "type": "Core.set", "params": {"values": {"n": "{{ trigger.n }}"}}},
        # Disabled: its template would fail, and its If would send the value down "false".
        {
            "id": "broken",
            "type": "Core.set",
            "params": {"values": "{{ trigger.missing.deeper }}"},
            "settings": {"disabled": True},
        },
        {
            "id": "gate",
            "type": "Core.if",
            "params": {"condition": "{{ false }}"},
            "settings": {"disabled": True},
        },
        {
            "id": "last",
            "type": "Core.set",
            "params": {"values": {"seen": "{{ nodes.gate.outputs.true.n }}"}},
        },
    ]
    edges = [("start", "shape"), ("shape", "broken"), ("broken", "gate"), ("gate", "last", "true")]
    graph_id = await create(api, graph(nodes, edges))
    started = await api.post(
        f"/api/graphs/{graph_id}/runs", json={"mode": mode, "inputs": {"n": 3}}
    )
    run = await wait_for_final(api, started.json()["id"])
    assert run["status"] == "succeeded", run
    assert by_node(run)["broken"]["output"] == {"out": {"n": 3}}
    assert by_node(run)["last"]["output"] == {"out": {"seen": 3}}


async def test_a_trigger_cannot_be_disabled(api: httpx.AsyncClient) -> None:
    disabled = START | {"settings": {"disabled": True}}
    response = await api.post("/api/graphs", json=graph([disabled], []))
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["node_id"], error["field"]) == ("start", "settings.disabled")
    assert "delete it" in error["message"]
