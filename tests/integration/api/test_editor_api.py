"""The editor's routes: test runs with pinned data or up to one node, and template previews."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.graphs.test_examples import wait_for_final


def _fetch_then_shape() -> dict[str, Any]:
    """Trigger → fetch (an HTTP call to nowhere: it fails unless pinned) → shape → tail."""
    return {
        "schema": "kyra.graph/1",
        "name": f"editor-{uuid.uuid4().hex[:8]}",
        "nodes": [
            {"id": "start", "type": "Manual.trigger"},
            {"id": "fetch", "type": "HTTP.request", "params": {"url": "http://127.0.0.1:9/x"}},
            {
                "id": "shape",
                "type": "Core.set",
                "params": {"values": {"sku": "{{ nodes.fetch.output.body.sku }}"}},
            },
            {"id": "tail", "type": "Core.set", "params": {"values": {"done": True}}},
        ],
        "edges": [
            {"source": "start", "sourcePort": "out", "target": "fetch", "targetPort": "in"},
            {"source": "fetch", "sourcePort": "out", "target": "shape", "targetPort": "in"},
            {"source": "shape", "sourcePort": "out", "target": "tail", "targetPort": "in"},
        ],
        "editor": {"test_payload": {"body": {}}, "pinned": {}},
    }


PINNED_FETCH = {"fetch": {"out": {"status": 200, "headers": {}, "body": {"sku": "A-1"}}}}


@pytest.mark.parametrize("mode", ["sync", "queue"])
async def test_a_pinned_node_gives_its_pinned_output_instead_of_running(
    api: httpx.AsyncClient, worker: Any, mode: str
) -> None:
    graph_id = (await api.post("/api/graphs", json=_fetch_then_shape())).json()["id"]

    body = {"inputs": {"body": {"n": 1}}, "pinned": PINNED_FETCH, "mode": mode}
    started = await api.post(f"/api/graphs/{graph_id}/test-runs", json=body)
    assert started.status_code == (200 if mode == "sync" else 202), started.text
    run = await wait_for_final(api, started.json()["id"])

    assert (run["status"], run["trigger_kind"]) == ("succeeded", "test")
    by_node = {n["node_id"]: n for n in run["node_runs"]}
    assert by_node["fetch"]["reused"] and by_node["fetch"]["output"] == PINNED_FETCH["fetch"]
    assert by_node["shape"]["output"] == {"out": {"sku": "A-1"}}


async def test_pinned_data_saved_with_the_graph_never_reaches_a_normal_run(
    api: httpx.AsyncClient,
) -> None:
    document = _fetch_then_shape()
    document["editor"]["pinned"] = PINNED_FETCH
    graph_id = (await api.post("/api/graphs", json=document)).json()["id"]

    run = (await api.post(f"/api/graphs/{graph_id}/runs", json={"mode": "sync"})).json()

    assert run["status"] == "failed"
    assert {n["node_id"]: n["status"] for n in run["node_runs"]}["fetch"] == "failed"
    saved = (await api.get(f"/api/graphs/{graph_id}")).json()["document"]
    assert saved["editor"] == {"test_payload": {"body": {}}, "pinned": PINNED_FETCH}


async def test_until_runs_one_node_with_the_outputs_before_it(api: httpx.AsyncClient) -> None:
    graph_id = (await api.post("/api/graphs", json=_fetch_then_shape())).json()["id"]
    pinned = PINNED_FETCH | {"start": {"out": {"body": {}}}}

    body = {"pinned": pinned, "until": "shape", "mode": "sync"}
    run = (await api.post(f"/api/graphs/{graph_id}/test-runs", json=body)).json()

    assert run["status"] == "succeeded"
    statuses = {n["node_id"]: (n["status"], n["reused"]) for n in run["node_runs"]}
    assert statuses == {
        "start": ("succeeded", True),
        "fetch": ("succeeded", True),
        "shape": ("succeeded", False),
    }
    assert run["output"] == {"shape": {"sku": "A-1"}}


@pytest.mark.parametrize(
    ("body", "status", "named"),
    [
        ({"until": "shape"}, 400, "until"),
        ({"until": "ghost", "mode": "sync"}, 404, "ghost"),
        ({"pinned": {"ghost": {"out": 1}}, "mode": "sync"}, 422, "pinned.ghost"),
        ({"pinned": {"fetch": {"nope": 1}}, "mode": "sync"}, 422, "nope"),
        ({"version": 7}, 404, "version"),
    ],
)
async def test_a_bad_test_run_gets_a_4xx_naming_the_problem(
    api: httpx.AsyncClient, body: dict[str, Any], status: int, named: str
) -> None:
    graph_id = (await api.post("/api/graphs", json=_fetch_then_shape())).json()["id"]
    resp = await api.post(f"/api/graphs/{graph_id}/test-runs", json=body)
    assert resp.status_code == status, resp.text
    assert named in resp.text
    document = (await api.get("/schema/openapi.json")).json()
    documented = document["paths"]["/api/graphs/{graph_id}/test-runs"]["post"]["responses"]
    assert str(status) in documented


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        ("{{ trigger.body.sku }}", {"trigger": {"body": {"sku": "A-1"}}}, {"value": "A-1"}),
        ("{{ nodes.n.output | length }}", {"nodes": {"n": {"output": [1, 2]}}}, {"value": 2}),
        ({"a": "{{ item * 2 }}"}, {"item": 21}, {"value": {"a": 42}}),
        ("Hi {{ trigger.name | default('you') }}", {"trigger": {}}, {"value": "Hi you"}),
    ],
)
async def test_a_template_preview_renders_like_a_run(
    api: httpx.AsyncClient, template: Any, context: dict[str, Any], expected: dict[str, Any]
) -> None:
    body = {"template": template, "context": context}
    resp = await api.post("/api/templates/preview", json=body)
    assert resp.status_code == 200
    assert resp.json() == expected | {"error": None}


async def test_a_template_preview_shows_the_error_a_run_would_raise(
    api: httpx.AsyncClient,
) -> None:
    for template, words in [
        ("{{ trigger.body.sku }}", "sku"),
        ("{{ ''.__class__ }}", "sandbox"),
        ("{{ 1 + }}", "TemplateSyntaxError"),
    ]:
        body = {"template": template, "context": {"trigger": {"body": {}}}}
        answer = (await api.post("/api/templates/preview", json=body)).json()
        assert answer["value"] is None
        assert answer["error"]["type"] == "TemplateError"
        assert words in answer["error"]["message"], answer
