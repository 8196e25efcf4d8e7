"""Webhooks on the real stack: signatures, replays, idempotency under concurrency, body limits,
reply modes and the timeout fallback."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest

from kyra.signatures import sign
from tests.graphs.test_examples import wait_for_final

#: The webhook caller is anonymous: no API key travels with it.
ANONYMOUS = {"X-API-Key": ""}


def hello_graph(path: str, **hook_params: Any) -> dict[str, Any]:
    """Webhook → set → respond, the graph of graphs/hello.json on its own path."""
    return {
        "schema": "kyra.graph/1",
        "name": f"hook-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": path, **hook_params}},
            {
                "id": "greet",
                "type": "Core.set",
                "params": {"values": {"text": "Hi {{ trigger.body.name }}"}},
            },
            {
                "id": "reply",
                "type": "Webhook.respond",
                "params": {"status": 200, "body": "{{ nodes.greet.output }}"},
            },
        ],
        "edges": [
            {"source": "hook", "sourcePort": "out", "target": "greet", "targetPort": "in"},
            {"source": "greet", "sourcePort": "out", "target": "reply", "targetPort": "in"},
        ],
    }


async def create_hook(
    api: httpx.AsyncClient, *, settings: dict[str, Any] | None = None, **hook_params: Any
) -> tuple[str, str]:
    """A new webhook graph; returns (graph id, path)."""
    path = f"t-{uuid.uuid4().hex[:10]}"
    document = hello_graph(path, **hook_params)
    if settings:
        document["settings"] = settings
    created = await api.post("/api/graphs", json=document)
    assert created.status_code == 201, created.text
    return created.json()["id"], path


async def rotate_secret(api: httpx.AsyncClient, graph_id: str) -> str:
    response = await api.post(f"/api/graphs/{graph_id}/webhook-secret")
    assert response.status_code == 201, response.text
    return str(response.json()["secret"])


async def runs_of(api: httpx.AsyncClient, graph_id: str) -> list[dict[str, Any]]:
    response = await api.get(f"/api/graphs/{graph_id}/runs")
    assert response.status_code == 200
    return list(response.json())


def signed(
    secret: str, payload: Any, *, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **ANONYMOUS, **sign(secret, body, timestamp)}
    return body, headers


async def test_a_correctly_signed_request_runs_the_graph(api: httpx.AsyncClient) -> None:
    graph_id, path = await create_hook(api)
    secret = await rotate_secret(api, graph_id)
    body, headers = signed(secret, {"name": "Ada"})

    response = await api.post(f"/hooks/{path}", content=body, headers=headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"text": "Hi Ada"}
    graph = (await api.get(f"/api/graphs/{graph_id}")).json()
    assert graph["has_webhook_secret"] is True
    assert "secret" not in json.dumps(graph).replace("has_webhook_secret", "")


@pytest.mark.parametrize(
    "tamper",
    ["missing", "wrong_secret", "changed_body", "stale", "future", "garbage_timestamp"],
)
async def test_bad_signatures_get_401_and_start_nothing(
    api: httpx.AsyncClient, tamper: str
) -> None:
    graph_id, path = await create_hook(api)
    secret = await rotate_secret(api, graph_id)
    body, headers = signed(secret, {"name": "Eve"})
    if tamper == "missing":
        headers = {"Content-Type": "application/json", **ANONYMOUS}
    elif tamper == "wrong_secret":
        body, headers = signed("whsec_not-the-secret", {"name": "Eve"})
    elif tamper == "changed_body":
        body = json.dumps({"name": "Mallory"}).encode()
    elif tamper == "stale":
        body, headers = signed(secret, {"name": "Eve"}, timestamp=int(time.time()) - 301)
    elif tamper == "future":
        body, headers = signed(
            secret, {"name": "Eve"}, timestamp=int(time.time()) + 360
        )  # beyond the 300 s window, however slow the machine
    else:
        headers["X-Kyra-Timestamp"] = "soon"

    response = await api.post(f"/hooks/{path}", content=body, headers=headers)

    assert response.status_code == 401, response.text
    assert "signature" in response.json()["detail"]
    assert await runs_of(api, graph_id) == []


async def test_a_replayed_signed_request_returns_the_first_run(api: httpx.AsyncClient) -> None:
    graph_id, path = await create_hook(api)
    secret = await rotate_secret(api, graph_id)
    body, headers = signed(secret, {"name": "Ada"})

    first = await api.post(f"/hooks/{path}", content=body, headers=headers)
    # An attacker who captured the request cannot get a new run with a fresh Idempotency-Key.
    replay = await api.post(
        f"/hooks/{path}", content=body, headers={**headers, "Idempotency-Key": "fresh"}
    )

    assert first.status_code == replay.status_code == 200
    assert replay.json() == first.json() == {"text": "Hi Ada"}
    assert replay.headers["idempotent-replayed"] == "true"
    assert len(await runs_of(api, graph_id)) == 1


async def test_rotating_the_secret_refuses_the_old_one_and_delete_unsigns(
    api: httpx.AsyncClient,
) -> None:
    graph_id, path = await create_hook(api)
    old = await rotate_secret(api, graph_id)
    new = await rotate_secret(api, graph_id)
    assert old != new

    body, headers = signed(old, {"name": "Ada"})
    assert (await api.post(f"/hooks/{path}", content=body, headers=headers)).status_code == 401
    body, headers = signed(new, {"name": "Ada"})
    assert (await api.post(f"/hooks/{path}", content=body, headers=headers)).status_code == 200

    assert (await api.delete(f"/api/graphs/{graph_id}/webhook-secret")).status_code == 204
    unsigned = await api.post(f"/hooks/{path}", json={"name": "Bo"}, headers=ANONYMOUS)
    assert unsigned.status_code == 200
    assert unsigned.json() == {"text": "Hi Bo"}


async def test_a_graph_that_requires_signatures_refuses_unsigned_requests_before_a_secret(
    api: httpx.AsyncClient,
) -> None:
    graph_id, path = await create_hook(api, settings={"require_webhook_signature": True})

    refused = await api.post(f"/hooks/{path}", json={"name": "Eve"}, headers=ANONYMOUS)
    assert refused.status_code == 401
    assert await runs_of(api, graph_id) == []

    secret = await rotate_secret(api, graph_id)
    body, headers = signed(secret, {"name": "Ada"})
    assert (await api.post(f"/hooks/{path}", content=body, headers=headers)).status_code == 200


async def test_other_owners_cannot_set_a_graphs_secret(
    api: httpx.AsyncClient, other_owner: Any
) -> None:
    graph_id, _ = await create_hook(api)
    response = await api.post(
        f"/api/graphs/{graph_id}/webhook-secret", headers={"X-API-Key": other_owner.api_key}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("reply", ["sync", "async"])
async def test_twenty_concurrent_identical_requests_start_exactly_one_run(
    api: httpx.AsyncClient, worker: Any, reply: str
) -> None:
    graph_id, path = await create_hook(api, reply=reply)
    headers = {**ANONYMOUS, "Idempotency-Key": f"order-{uuid.uuid4().hex}"}

    responses = await asyncio.gather(
        *(api.post(f"/hooks/{path}", json={"name": "Ada"}, headers=headers) for _ in range(20))
    )

    assert all(r.status_code in (200, 202) for r in responses), [r.text for r in responses]
    run_ids = {r.json()["run_id"] for r in responses if "run_id" in r.json()}
    assert len(run_ids) <= 1
    runs = await runs_of(api, graph_id)
    assert len(runs) == 1
    assert run_ids <= {runs[0]["id"]}
    assert (await wait_for_final(api, runs[0]["id"]))["status"] == "succeeded"


async def test_twenty_concurrent_signed_replays_start_exactly_one_run(
    api: httpx.AsyncClient,
) -> None:
    graph_id, path = await create_hook(api)
    secret = await rotate_secret(api, graph_id)
    body, headers = signed(secret, {"name": "Ada"})

    responses = await asyncio.gather(
        *(api.post(f"/hooks/{path}", content=body, headers=headers) for _ in range(20))
    )

    assert all(r.status_code in (200, 202) for r in responses)
    assert len(await runs_of(api, graph_id)) == 1


async def test_bodies_over_the_limit_get_413(
    api: httpx.AsyncClient, services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph_id, path = await create_hook(api)
    monkeypatch.setattr(services.settings, "webhook_max_body_bytes", 100)

    big = await api.post(f"/hooks/{path}", json={"name": "x" * 200}, headers=ANONYMOUS)
    small = await api.post(f"/hooks/{path}", json={"name": "x"}, headers=ANONYMOUS)

    assert big.status_code == 413
    assert small.status_code == 200
    assert len(await runs_of(api, graph_id)) == 1


async def test_a_slow_sync_graph_answers_202_with_its_run_id(api: httpx.AsyncClient) -> None:
    path = f"slow-{uuid.uuid4().hex[:10]}"
    document = {
        "schema": "kyra.graph/1",
        "name": f"slow-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "hook", "type": "Webhook.trigger", "params": {"path": path, "timeout_s": 0.2}},
            {"id": "pause", "type": "Core.wait", "params": {"seconds": 1.0}},
        ],
        "edges": [{"source": "hook", "sourcePort": "out", "target": "pause", "targetPort": "in"}],
    }
    assert (await api.post("/api/graphs", json=document)).status_code == 201

    response = await api.post(f"/hooks/{path}", json={}, headers=ANONYMOUS)

    assert response.status_code == 202
    run = await wait_for_final(api, response.json()["run_id"])
    assert run["status"] == "succeeded"
    assert run["trigger_kind"] == "webhook"


async def test_query_and_headers_reach_the_graph_without_secrets(api: httpx.AsyncClient) -> None:
    graph_id, path = await create_hook(api, reply="sync", methods=["PUT"])
    response = await api.put(
        f"/hooks/{path}?page=2",
        json={"name": "Ada"},
        headers={"X-API-Key": "not-for-graphs", "X-Custom": "yes"},
    )
    assert response.status_code == 200
    assert (await api.post(f"/hooks/{path}", json={}, headers=ANONYMOUS)).status_code == 405
    run = (await runs_of(api, graph_id))[0]
    full = (await api.get(f"/api/runs/{run['id']}")).json()
    assert full["trigger"]["query"] == {"page": "2"}
    assert full["trigger"]["headers"]["x-custom"] == "yes"
    assert "x-api-key" not in full["trigger"]["headers"]
