"""Bad input gets a 4xx JSON error naming the problem, never a 500, and nothing is lost."""

from __future__ import annotations

import uuid

import httpx
import pytest


async def test_malformed_json_is_a_400(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/graphs", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["status_code"] == 400


async def test_an_invalid_graph_is_refused_with_node_and_field(api: httpx.AsyncClient) -> None:
    document = {
        "schema": "kyra.graph/1",
        "name": "broken",
        "nodes": [{"id": "a", "type": "Core.if", "params": {}}, {"id": "b", "type": "Nope.x"}],
        "edges": [{"source": "a", "sourcePort": "true", "target": "ghost", "targetPort": "in"}],
    }
    response = await api.post("/api/graphs", json=document)
    assert response.status_code == 422
    errors = {(e["node_id"], e["field"], e["code"]) for e in response.json()["errors"]}
    assert ("a", "params.condition", "missing_parameter") in errors
    assert ("b", "type", "unknown_type") in errors
    assert ("ghost", "edges.0", "dangling_edge") in errors
    assert all(e["name"] != "broken" for e in (await api.get("/api/graphs")).json())


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "fast"},
        {"inputs": "not an object"},
        {"budget_usd": -1},
        {"version": 0},
        {"unknown": 1},
    ],
)
async def test_wrong_run_requests_name_the_field(
    api: httpx.AsyncClient, body: dict[str, object]
) -> None:
    document = {
        "schema": "kyra.graph/1",
        "name": f"runs-{uuid.uuid4().hex[:6]}",
        "nodes": [{"id": "s", "type": "Manual.trigger"}],
    }
    graph = (await api.post("/api/graphs", json=document)).json()
    response = await api.post(f"/api/graphs/{graph['id']}/runs", json=body)
    assert response.status_code == 400, response.text
    field = next(iter(body))
    assert any(field in e["field"] for e in response.json()["errors"]), response.json()


async def test_unknown_ids_and_versions_are_404(api: httpx.AsyncClient) -> None:
    assert (await api.get(f"/api/graphs/{uuid.uuid4()}")).status_code == 404
    assert (await api.get(f"/api/runs/{uuid.uuid4()}")).status_code == 404
    assert (await api.get("/api/graphs/not-a-uuid")).status_code in (400, 404)
    document = {
        "schema": "kyra.graph/1",
        "name": f"v-{uuid.uuid4().hex[:6]}",
        "nodes": [{"id": "s", "type": "Manual.trigger"}],
    }
    graph = (await api.post("/api/graphs", json=document)).json()
    response = await api.post(f"/api/graphs/{graph['id']}/runs", json={"version": 9})
    assert response.status_code == 404
    assert "version 9" in response.json()["detail"]


async def test_an_oversize_body_is_a_413(api: httpx.AsyncClient, settings: object) -> None:
    blob = b'{"x": "' + b"a" * (settings.max_request_bytes + 10) + b'"}'  # type: ignore[attr-defined]
    response = await api.post(
        "/api/graphs", content=blob, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413


async def test_duplicate_graph_names_conflict(api: httpx.AsyncClient) -> None:
    document = {"schema": "kyra.graph/1", "name": f"dup-{uuid.uuid4().hex[:6]}", "nodes": []}
    assert (await api.post("/api/graphs", json=document)).status_code == 201
    response = await api.post("/api/graphs", json=document)
    assert response.status_code == 409
    assert "already exists" in response.json()["detail"]


async def test_credentials_are_never_returned(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/api/credentials",
        json={
            "name": f"k-{uuid.uuid4().hex[:6]}",
            "kind": "http_auth",
            "data": {"type": "bearer", "token": "s3cret"},
        },
    )
    assert created.status_code == 201
    assert "s3cret" not in created.text
    listed = await api.get("/api/credentials")
    assert "s3cret" not in listed.text and "data" not in listed.json()[0]
